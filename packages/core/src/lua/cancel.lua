--[[
  cancel: stops a task that is not running (pending, scheduled or retry -> canceled).

  KEYS[1] pending prefix  tq:{q}:pending:
  KEYS[2] scheduled       tq:{q}:scheduled
  KEYS[3] retry           tq:{q}:retry
  KEYS[4] canceled        tq:{q}:canceled  ZSET score = canceled-at ms
  KEYS[5] task prefix     tq:{q}:task:
  KEYS[6] meta            tq:{q}:meta      HASH (events mode)
  KEYS[7] events          tq:{q}:events    STREAM (lua/lib/events.lua)
  KEYS[8] group prefix    tq:{q}:g:        (group keys derived from it: lib/groups.lua)

  ARGV[1] now ms ('' = Redis TIME)
  ARGV[2] id

  Returns {code, status before}: code 'canceled', 'running' (refused: a worker holds it),
  'finished' (refused: already done, dead or canceled), 'not_found'.
  Canceling a pending task is O(pending tasks of its priority, in its group) (LREM).
]]
-- @include events
-- @include common
-- @include settings
-- @include groups

local pending_prefix = KEYS[1]
local scheduled_key = KEYS[2]
local retry_key = KEYS[3]
local canceled_key = KEYS[4]
local task_prefix = KEYS[5]
local meta_key = KEYS[6]
local events_key = KEYS[7]
local group_prefix = KEYS[8]

local now = resolve_now(ARGV[1])
local id = ARGV[2]

local task_key = task_prefix .. id
local f = redis.call('HMGET', task_key, 'status', 'priority', 'group')
local status = f[1]
if not status then
  return { 'not_found', '' }
end
if status == 'running' then
  return { 'running', status }
end
if status == 'pending' and f[3] then
  local qs = queue_state(meta_key, group_prefix, nil)
  redis.call('LREM', group_list_prefix(qs, f[3]) .. (f[2] or '0'), 1, id)
  group_canceled(qs, f[3])
elseif status == 'pending' then
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
emit_event(events_target(meta_key, events_key, now), id, 'canceled')
return { 'canceled', status }
