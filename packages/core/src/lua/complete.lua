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

local running_key = KEYS[1]
local done_key = KEYS[2]
local task_prefix = KEYS[3]

local now = resolve_now(ARGV[1])

local results = {}
for i = 2, #ARGV, 3 do
  local id, token, result = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local task_key = task_prefix .. id
  local code = check_lease(task_key, token)
  if code == 'ok' then
    redis.call('ZREM', running_key, id)
    redis.call('ZADD', done_key, now, id)
    -- A blank token is never current, so one HSET both finishes the task and ends its lease.
    if result ~= '' then
      redis.call('HSET', task_key, 'status', 'done', 'finishedAt', now, 'token', '', 'result', result)
    else
      redis.call('HSET', task_key, 'status', 'done', 'finishedAt', now, 'token', '')
    end
  end
  results[#results + 1] = code
end
return results
