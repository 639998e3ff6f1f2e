--[[
  reap: recovers tasks whose lease expired (the worker died or stalled). Each goes to the front of its
  pending list (the queue's or its group's) keeping its readyAt (see put_back), or to dead with reason
  'lease_expired' when its attempts are spent; or to canceled when an operator asked to cancel that very
  lease (cancel.lua; the worker died before it could end it, ADR 0019). Cost is O(expired tasks): only the
  expired head of the running ZSET is read.

  KEYS[1] pending prefix  tq:{q}:pending:
  KEYS[2] running         tq:{q}:running
  KEYS[3] dead            tq:{q}:dead
  KEYS[4] task prefix     tq:{q}:task:
  KEYS[5] history prefix  tq:{q}:history:  (per-hour counts: an expired lease is a failed attempt)
  KEYS[6] meta            tq:{q}:meta      HASH (events mode; limits: lib/settings.lua)
  KEYS[7] events          tq:{q}:events    STREAM (lua/lib/events.lua)
  KEYS[8] group prefix    tq:{q}:g:        (group keys derived from it: lib/groups.lua)
  KEYS[9] canceled        tq:{q}:canceled  ZSET score = canceled-at ms

  ARGV[1] now ms ('' = Redis TIME)
  ARGV[2] most expired leases to handle in this call
  ARGV[3] wake channel
  ARGV[4] most entries kept in the error history

  Returns {recovered ids, dead ids, orphans dropped (running ids without a task in running state), canceled
  ids}.
]]
-- @include events
-- @include common
-- @include settings
-- @include groups
-- @include history

local pending_prefix = KEYS[1]
local running_key = KEYS[2]
local dead_key = KEYS[3]
local task_prefix = KEYS[4]
local history_prefix = KEYS[5]
local meta_key = KEYS[6]
local events_key = KEYS[7]
local group_prefix = KEYS[8]
local canceled_key = KEYS[9]

local now = resolve_now(ARGV[1])
local limit = tonumber(ARGV[2])
local wake_channel = ARGV[3]
local history_max = tonumber(ARGV[4])
local events = events_target(meta_key, events_key, now)
local qs = queue_state(meta_key, group_prefix, wake_channel)

local was_empty = pending_total(pending_prefix) == 0
local expired = redis.call('ZRANGEBYSCORE', running_key, '-inf', now, 'LIMIT', 0, limit)
local recovered, dead, orphans, canceled = {}, {}, 0, {}
local back = {}
for _, id in ipairs(expired) do
  local task_key = task_prefix .. id
  redis.call('ZREM', running_key, id)
  local f = redis.call('HMGET', task_key, 'status', 'attempt', 'maxAttempts', 'priority', 'readyAt', 'createdAt',
    'group', 'token', 'cancelToken', 'm', 'c') -- either format (ADR 0045)
  local group = f[7] or nil
  if f[1] ~= 'running' then
    orphans = orphans + 1
  elseif f[9] and f[9] == f[8] then
    -- The operator's cancel of this attempt stands: the attempt ended, it did not fail.
    end_lease(qs, task_key, group, false)
    redis.call('ZADD', canceled_key, now, id)
    redis.call('HSET', task_key, 'status', 'canceled', 'finishedAt', now)
    emit_event(events, id, 'canceled')
    canceled[#canceled + 1] = id
  else
    end_lease(qs, task_key, group, false)
    record_error(task_key, f[2], now, 'lease expired: the worker died or stalled', history_max)
    if tonumber(f[2]) >= tonumber(f[3] or f[10] or DEFAULT_MAX_ATTEMPTS) then
      redis.call('ZADD', dead_key, now, id)
      redis.call('HSET', task_key, 'status', 'dead', 'deadReason', 'lease_expired', 'finishedAt', now)
      emit_event(events, id, 'dead', 'lease_expired')
      dead[#dead + 1] = id
    else
      redis.call('HSET', task_key, 'status', 'pending')
      back[#back + 1] = { id = id, priority = f[4] or '0', ready_at = tonumber(f[5] or f[6] or f[11]), group = group }
      emit_event(events, id, 'pending')
      recovered[#recovered + 1] = id
    end
  end
end
local pushed = put_back(qs, pending_prefix, task_prefix, back)
count_ended(history_prefix, now, #recovered + #dead + #canceled, #recovered + #dead)
running_ended(qs, running_key, #expired)
send_wake(qs, was_empty and pushed > 0)
return { recovered, dead, orphans, canceled }
