--[[
  enqueue: adds tasks to a queue, pending or scheduled, honoring idempotency keys and a depth limit.

  KEYS[1] pending prefix    tq:{q}:pending:   (lists <prefix>0..9 derived from it, same hash tag)
  KEYS[2] scheduled         tq:{q}:scheduled  ZSET score = run-at ms
  KEYS[3] retry             tq:{q}:retry      ZSET (counted for the depth limit)
  KEYS[4] task prefix       tq:{q}:task:      (task hashes <prefix><id> derived from it)
  KEYS[5] idempotency prefix tq:{q}:idem:     (<prefix><key> STRING "<fingerprint> <id>", PX window)
  KEYS[6] registered        tq:{q}:registered STRING "1" while the queue is in tq:queues
  KEYS[7] meta              tq:{q}:meta       HASH (events mode)
  KEYS[8] events            tq:{q}:events     STREAM (lua/lib/events.lua)
  KEYS[9] group prefix      tq:{q}:g:         (group keys derived from it: lib/groups.lua)

  ARGV[1] now ms ('' = Redis TIME)
  ARGV[2] max depth: pending + scheduled + retry above which a task is refused (0 = no limit)
  ARGV[3] wake channel: '1' when a pending list was empty, 'due:<ms>' when a scheduled task now comes
          first (see wake_for_due)
  ARGV[4] '1' when the caller has just added the queue to tq:queues: set KEYS[6] and write; '0': write
          only if KEYS[6] is set
  ARGV[5..] 14 fields per task: id (its length tells the stored format, ADR 0045), type, payload, priority (0-9), runAt ms (''), delayMs (''),
            maxAttempts, timeoutMs ('' = none), idempotency key (''), fingerprint (stored with the key),
            previous fingerprint ('' = none: the same submission by an earlier fingerprint version, also
            a match), idempotency window ms, W3C traceparent ('' = none; stored only when given), group
            ('' = none: the task waits in the queue's own lists; else in its group's, lib/groups.lua)

  Returns {now, 'unregistered'} and writes nothing when KEYS[6] is missing and ARGV[4] is '0' (the queue
  was removed from tq:queues, or never added): the caller registers it and calls again with '1'.
  Otherwise {now, results}: one {status, id} per task; status is
    'created'  the task was stored (id = the new id)
    'existing' the idempotency key was seen with the same fingerprint, or the previous one (id = the earlier task)
    'conflict' the idempotency key was seen with another fingerprint (id = the earlier task)
    'full'     the queue is at its depth limit; nothing was stored
  An id that is already stored is reported 'created' again and left alone, so a client that resends
  the same call after a lost reply (ioredis does on reconnect) creates nothing twice.
]]
-- @include events
-- @include common
-- @include settings
-- @include groups

local pending_prefix = KEYS[1]
local scheduled_key = KEYS[2]
local retry_key = KEYS[3]
local task_prefix = KEYS[4]
local idem_prefix = KEYS[5]
local registered_key = KEYS[6]
local meta_key = KEYS[7]
local events_key = KEYS[8]
local group_prefix = KEYS[9]

local now = resolve_now(ARGV[1])
local max_depth = tonumber(ARGV[2])
local wake_channel = ARGV[3]
local just_registered = ARGV[4] == '1'
local FIELDS = 14
local events = events_target(meta_key, events_key, now)

if just_registered then
  redis.call('SET', registered_key, '1')
elseif redis.call('EXISTS', registered_key) == 0 then
  return { now, 'unregistered' }
end

local woke = false
local qs = queue_state(meta_key, group_prefix, wake_channel)
local scheduled_due = due_tracker(scheduled_key)
local depth = 0
if max_depth > 0 then
  depth = pending_count(qs, pending_prefix) + redis.call('ZCARD', scheduled_key) + redis.call('ZCARD', retry_key)
end

local results = {}

local function enqueue_one(i)
  local id, task_type, payload, priority = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local run_at, delay_ms, max_attempts, timeout_ms = ARGV[i + 4], ARGV[i + 5], ARGV[i + 6], ARGV[i + 7]
  local idem_key, fingerprint, previous, idem_window_ms = ARGV[i + 8], ARGV[i + 9], ARGV[i + 10], ARGV[i + 11]
  local traceparent = ARGV[i + 12]
  local group = ARGV[i + 13]

  if redis.call('EXISTS', task_prefix .. id) == 1 then
    return { 'created', id }
  end
  if idem_key ~= '' then
    local seen = redis.call('GET', idem_prefix .. idem_key)
    if seen then
      local sep = string.find(seen, ' ', 1, true)
      local seen_id = string.sub(seen, sep + 1)
      local stored = string.sub(seen, 1, sep - 1)
      if stored == fingerprint or (previous ~= '' and stored == previous) then
        return { 'existing', seen_id }
      end
      return { 'conflict', seen_id }
    end
  end
  if max_depth > 0 and depth >= max_depth then
    return { 'full', '' }
  end

  local due = nil
  if run_at ~= '' then
    due = tonumber(run_at)
  elseif delay_ms ~= '' then
    due = now + tonumber(delay_ms)
  end

  -- One HSET per task; fields at their default (attempt 0, priority 0, readyAt = createdAt) are left
  -- out to keep a pending task small. The id tells the format (ADR 0045): format 2 names the fields
  -- every task has with one letter and leaves out maxAttempts at its default and status while pending.
  local compact = #id == COMPACT_ID_LENGTH
  local fields
  if compact then
    fields = { 't', task_type, 'p', payload, 'c', now }
    if max_attempts ~= DEFAULT_MAX_ATTEMPTS then
      fields[#fields + 1] = 'm'
      fields[#fields + 1] = max_attempts
    end
  else
    fields = { 'type', task_type, 'payload', payload, 'maxAttempts', max_attempts, 'createdAt', now }
  end
  if priority ~= '0' then
    fields[#fields + 1] = 'priority'
    fields[#fields + 1] = priority
  end
  if timeout_ms ~= '' then
    fields[#fields + 1] = 'timeoutMs'
    fields[#fields + 1] = timeout_ms
  end
  if idem_key ~= '' then
    redis.call('SET', idem_prefix .. idem_key, fingerprint .. ' ' .. id, 'PX', idem_window_ms)
    fields[#fields + 1] = 'idempotencyKey'
    fields[#fields + 1] = idem_key
  end
  if traceparent ~= '' then
    fields[#fields + 1] = 'traceparent'
    fields[#fields + 1] = traceparent
  end
  if group ~= '' then
    fields[#fields + 1] = 'group'
    fields[#fields + 1] = group
    mark_grouped(qs)
  end
  local status = 'pending'
  if due and due > now then
    status = 'scheduled'
    fields[#fields + 1] = 'runAt'
    fields[#fields + 1] = due
    track_due(scheduled_due, due)
    redis.call('ZADD', scheduled_key, due, id)
  elseif group ~= '' then
    push_pending(qs, pending_prefix, id, priority, group) -- a group that gets turns sets qs.wake
  elseif redis.call('LPUSH', pending_prefix .. priority, id) == 1 then
    -- A list that was empty may have idle workers waiting for it.
    woke = true
  end
  if status ~= 'pending' or not compact then
    fields[#fields + 1] = 'status'
    fields[#fields + 1] = status
  end
  redis.call('HSET', task_prefix .. id, unpack(fields))
  emit_event(events, id, status)
  depth = depth + 1
  return { 'created', id }
end

for i = 5, #ARGV, FIELDS do
  results[#results + 1] = enqueue_one(i)
end
send_wake(qs, woke)
wake_for_due(wake_channel, scheduled_due, now)
return { now, results }
