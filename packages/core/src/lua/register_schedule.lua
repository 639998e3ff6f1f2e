--[[
  register_schedule: records which queue holds a schedule, in the registry of schedules, unless the
  registry holds the most schedules allowed. The only script on tq:schedules, which has no queue tag: it
  touches that one key only.

  KEYS[1] registry  tq:schedules  HASH schedule id -> queue name

  ARGV[1] schedule id
  ARGV[2] queue name
  ARGV[3] most schedules in the registry (0 = no limit)
  ARGV[4] '1' = take the id even when it points to another queue (the caller found no schedule there)

  Returns {'ok'} when the id points to the queue now, {'taken', other queue} when it points to another
  one, {'full'} when the registry is full.
]]

local registry_key = KEYS[1]
local id = ARGV[1]
local queue = ARGV[2]
local max_schedules = tonumber(ARGV[3])
local force = ARGV[4] == '1'

local current = redis.call('HGET', registry_key, id)
if current == queue then
  return { 'ok' }
end
if current and not force then
  return { 'taken', current }
end
if not current and max_schedules > 0 and redis.call('HLEN', registry_key) >= max_schedules then
  return { 'full' }
end
redis.call('HSET', registry_key, id, queue)
return { 'ok' }
