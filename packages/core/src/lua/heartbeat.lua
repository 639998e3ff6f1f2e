--[[
  heartbeat: a worker says it is alive (ADR 0016). Its record is replaced and lives `ttl` ms; its entry
  in the index is scored by the same expiry, so a reader drops workers that stopped beating without a
  cleanup job. A ttl of 0 removes the worker (a graceful stop).

  KEYS[1] index          tq:{tq.workers}:index    ZSET worker id, score = record expiry ms
  KEYS[2] record prefix  tq:{tq.workers}:worker:  (records <prefix><worker id> derived from it)

  ARGV[1] now ms ('' = Redis TIME)
  ARGV[2] ttl ms (0 = remove the worker)
  ARGV[3] worker id
  ARGV[4] record: JSON, stored as "<now> <JSON>"

  Returns now.
]]
-- @include common

local index_key = KEYS[1]
local record_prefix = KEYS[2]

local now = resolve_now(ARGV[1])
local ttl = tonumber(ARGV[2])
local id = ARGV[3]
local record = ARGV[4]

if ttl <= 0 then
  redis.call('ZREM', index_key, id)
  redis.call('DEL', record_prefix .. id)
  return now
end
redis.call('ZADD', index_key, now + ttl, id)
redis.call('SET', record_prefix .. id, now .. ' ' .. record, 'PX', ttl)
return now
