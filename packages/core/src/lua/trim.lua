--[[
  trim: retention. Deletes finished (done, canceled) and dead tasks older than their window or beyond
  their count cap, oldest first, at most ARGV[6] per set per call.

  KEYS[1] done         tq:{q}:done
  KEYS[2] canceled     tq:{q}:canceled
  KEYS[3] dead         tq:{q}:dead
  KEYS[4] task prefix  tq:{q}:task:

  ARGV[1] now ms ('' = Redis TIME)
  ARGV[2] finished max age ms      ARGV[3] finished max count (per set)
  ARGV[4] dead max age ms          ARGV[5] dead max count
  ARGV[6] most deletions per set in this call

  Returns {deleted done, deleted canceled, deleted dead}.
]]
-- @include common

local done_key = KEYS[1]
local canceled_key = KEYS[2]
local dead_key = KEYS[3]
local task_prefix = KEYS[4]

local now = resolve_now(ARGV[1])
local finished_max_age, finished_max_count = tonumber(ARGV[2]), tonumber(ARGV[3])
local dead_max_age, dead_max_count = tonumber(ARGV[4]), tonumber(ARGV[5])
local limit = tonumber(ARGV[6])

local function trim_set(set_key, max_age, max_count)
  local ids = redis.call('ZRANGEBYSCORE', set_key, '-inf', now - max_age, 'LIMIT', 0, limit)
  local over = redis.call('ZCARD', set_key) - #ids - max_count
  if over > 0 and #ids < limit then
    local extra = redis.call('ZRANGE', set_key, #ids, #ids + math.min(over, limit - #ids) - 1)
    for _, id in ipairs(extra) do
      ids[#ids + 1] = id
    end
  end
  for _, id in ipairs(ids) do
    redis.call('ZREM', set_key, id)
    redis.call('DEL', task_prefix .. id)
  end
  return #ids
end

return {
  trim_set(done_key, finished_max_age, finished_max_count),
  trim_set(canceled_key, finished_max_age, finished_max_count),
  trim_set(dead_key, dead_max_age, dead_max_count),
}
