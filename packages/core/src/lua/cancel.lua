--[[
  cancel: stops a task that is not running (pending, scheduled or retry -> canceled).

  KEYS[1] pending prefix  tq:{q}:pending:
  KEYS[2] scheduled       tq:{q}:scheduled
  KEYS[3] retry           tq:{q}:retry
  KEYS[4] canceled        tq:{q}:canceled  ZSET score = canceled-at ms
  KEYS[5] task prefix     tq:{q}:task:

  ARGV[1] now ms ('' = Redis TIME)
  ARGV[2] id

  Returns {code, status before}: code 'canceled', 'running' (refused: a worker holds it),
  'finished' (refused: already done, dead or canceled), 'not_found'.
  Canceling a pending task is O(pending tasks of its priority) (LREM).
]]
-- @include common

local pending_prefix = KEYS[1]
local scheduled_key = KEYS[2]
local retry_key = KEYS[3]
local canceled_key = KEYS[4]
local task_prefix = KEYS[5]

local now = resolve_now(ARGV[1])
local id = ARGV[2]

local task_key = task_prefix .. id
local f = redis.call('HMGET', task_key, 'status', 'priority')
local status = f[1]
if not status then
  return { 'not_found', '' }
end
if status == 'running' then
  return { 'running', status }
end
if status == 'pending' then
  redis.call('LREM', pending_prefix .. (f[2] or '0'), 1, id)
elseif status == 'scheduled' then
  redis.call('ZREM', scheduled_key, id)
elseif status == 'retry' then
  redis.call('ZREM', retry_key, id)
else
  return { 'finished', status }
end
redis.call('ZADD', canceled_key, now, id)
redis.call('HSET', task_key, 'status', 'canceled', 'finishedAt', now)
return { 'canceled', status }
