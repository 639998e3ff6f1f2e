--[[
  list_workers: the live workers (ADR 0016). Drops the index entries whose record has expired first
  (readers trim the index; no cleanup job), then reads up to ARGV[2] records, soonest to expire first.

  KEYS[1] index          tq:{tq.workers}:index
  KEYS[2] record prefix  tq:{tq.workers}:worker:

  ARGV[1] now ms ('' = Redis TIME)
  ARGV[2] most workers to return

  Returns {now, live workers in the index, records}: records holds three strings per worker: its id,
  its record expiry ms, its record ("<beat ms> <JSON>").
]]
-- @include common

local index_key = KEYS[1]
local record_prefix = KEYS[2]

local now = resolve_now(ARGV[1])
local limit = tonumber(ARGV[2])

redis.call('ZREMRANGEBYSCORE', index_key, '-inf', now)
local total = redis.call('ZCARD', index_key)
local entries = redis.call('ZRANGE', index_key, 0, limit - 1, 'WITHSCORES')
local records = {}
for i = 1, #entries, 2 do
  local id = entries[i]
  local record = redis.call('GET', record_prefix .. id)
  if record then
    records[#records + 1] = id
    records[#records + 1] = entries[i + 1]
    records[#records + 1] = record
  end
end
return { now, total, records }
