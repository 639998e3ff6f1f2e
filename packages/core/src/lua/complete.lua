--[[
  complete: finishes running tasks with a result (running -> done).

  KEYS[1] running      tq:{q}:running
  KEYS[2] done         tq:{q}:done      ZSET score = finished-at ms (retention trims it)
  KEYS[3] task prefix  tq:{q}:task:

  ARGV[1] now ms ('' = Redis TIME)
  ARGV[2..] triples: id, lease token, result JSON ('' = none)

  Returns one code per triple: 'ok', 'not_found', 'lease_lost'.
]]
-- @include common
-- @include complete

local running_key = KEYS[1]
local done_key = KEYS[2]
local task_prefix = KEYS[3]

local now = resolve_now(ARGV[1])

local results = {}
for i = 2, #ARGV, 3 do
  results[#results + 1] = complete_task(running_key, done_key, task_prefix, now, ARGV[i], ARGV[i + 1], ARGV[i + 2])
end
return results
