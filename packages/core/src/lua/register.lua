--[[
  register: adds a queue to the registry of known queues, unless the registry already holds the most
  queues allowed. The only script on tq:queues, which has no queue tag: it touches that one key only.

  KEYS[1] registry  tq:queues  SET of queue names

  ARGV[1] queue name
  ARGV[2] most queues in the registry (0 = no limit); a name already in it is always accepted

  Returns 1 when the queue is in the registry now, 0 when it is not because the registry is full.
]]

local registry_key = KEYS[1]
local name = ARGV[1]
local max_queues = tonumber(ARGV[2])

if redis.call('SISMEMBER', registry_key, name) == 1 then
  return 1
end
if max_queues > 0 and redis.call('SCARD', registry_key) >= max_queues then
  return 0
end
redis.call('SADD', registry_key, name)
return 1
