--[[
  due_schedules: reads the schedules of a queue whose next slot has come, for the caller to compute what
  to fire (cron needs a parser) and fire it with fire_schedules, which checks nothing changed meanwhile.

  KEYS[1] schedules        tq:{q}:schedules   ZSET id -> next slot ms
  KEYS[2] schedule prefix  tq:{q}:schedule:   (hashes <prefix><id> derived from it, same hash tag)

  ARGV[1] now ms ('' = Redis TIME)
  ARGV[2] most schedules to read

  Returns {now, rows}: 7 strings per due schedule: id, revision, cursor (ms: the last slot handled),
  cron, timezone, misfire policy, misfire grace ms. An id without a hash (removed meanwhile) is dropped
  from KEYS[1].
]]
-- @include common

local index_key = KEYS[1]
local schedule_prefix = KEYS[2]
local now = resolve_now(ARGV[1])
local limit = tonumber(ARGV[2])

local rows = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', index_key, '-inf', now, 'LIMIT', 0, limit)) do
  local f = redis.call('HMGET', schedule_prefix .. id, 'rev', 'cursor', 'cron', 'timezone', 'misfire', 'misfireGraceMs')
  if f[1] then
    rows[#rows + 1] = id
    for i = 1, 6 do
      rows[#rows + 1] = f[i]
    end
  else
    redis.call('ZREM', index_key, id)
  end
end
return { now, rows }
