--[[
  save_schedule: creates a schedule, or changes one if it is still at the revision the caller read. The
  caller computed the next slot from the definition it writes (cron needs a parser: ADR 0025).

  KEYS[1] schedules   tq:{q}:schedules        ZSET id -> next slot ms (NEVER while paused)
  KEYS[2] schedule    tq:{q}:schedule:<id>    HASH (fields: docs/scheduling.md)
  KEYS[3] registered  tq:{q}:registered       STRING "1" while the queue is in tq:queues

  ARGV[1] now ms ('' = Redis TIME): createdAt / updatedAt
  ARGV[2] 'create' (the caller has just added the queue to tq:queues) or 'update'
  ARGV[3] update: the revision the caller read ('' on create)
  ARGV[4] schedule id
  ARGV[5] next slot ms: the score in KEYS[1] (NEVER_MS while paused or when no slot is left)
  ARGV[6..] field, value pairs to write; an empty value deletes the field

  Returns {'ok', revision} | {'exists'} (create: the id is taken) | {'not_found'} | {'stale', revision}
  (update: another change came first; read again).
]]
-- @include common

local index_key = KEYS[1]
local schedule_key = KEYS[2]
local registered_key = KEYS[3]
local now = resolve_now(ARGV[1])
local mode = ARGV[2]
local expected_rev = ARGV[3]
local id = ARGV[4]
local next_at = ARGV[5]

local rev = 1
if mode == 'create' then
  if redis.call('EXISTS', schedule_key) == 1 then
    return { 'exists' }
  end
  redis.call('SET', registered_key, '1')
  redis.call('HSET', schedule_key, 'id', id, 'createdAt', now)
else
  local current = redis.call('HGET', schedule_key, 'rev')
  if not current then
    return { 'not_found' }
  end
  if current ~= expected_rev then
    return { 'stale', tonumber(current) }
  end
  rev = tonumber(current) + 1
end

local set = { 'rev', rev, 'updatedAt', now }
local unset = {}
for i = 6, #ARGV, 2 do
  if ARGV[i + 1] == '' then
    unset[#unset + 1] = ARGV[i]
  else
    set[#set + 1] = ARGV[i]
    set[#set + 1] = ARGV[i + 1]
  end
end
redis.call('HSET', schedule_key, unpack(set))
if #unset > 0 then
  redis.call('HDEL', schedule_key, unpack(unset))
end
redis.call('ZADD', index_key, next_at, id)
return { 'ok', rev }
