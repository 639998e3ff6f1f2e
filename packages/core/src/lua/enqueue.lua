--[[
  enqueue: adds tasks to a queue, pending or scheduled, honoring idempotency keys and a depth limit.

  KEYS[1] the queue's key base  tq:{q}:  (ADR 0052: the script derives the names it uses from it, spelled
          as in keys.ts: pending:<0..9> LISTs, scheduled and retry ZSETs (the depth limit counts them),
          task:<id> HASHes, idem:<key> STRINGs "<fingerprint> <id>" (PX window), registered (STRING "1"
          while the queue is in tq:queues), meta (HASH: events mode), events (STREAM, lib/events.lua), the
          group keys g:... (lib/groups.lua), and the wake channel: '1' when a pending list was empty,
          'due:<ms>' when a scheduled task now comes first (see wake_for_due))

  ARGV[1] now ms ('' = Redis TIME)
  ARGV[2] max depth: pending + scheduled + retry above which a task is refused (0 = no limit)
  ARGV[3] '1' when the caller has just added the queue to tq:queues: set `registered` and write; '0': write
          only if `registered` is set
  ARGV[4..] per task: id (its length tells the stored format, ADR 0045), type, payload, options, then one
            value per letter of options, in its order. options '' (the usual task) = every other field at
            its default; its letters name the fields that are not:
              p priority (0-9; default 0)          a runAt ms          d delayMs
              m maxAttempts (default 5)            t timeoutMs (default none)
              k idempotency key                    f fingerprint (stored with the key)
              v previous fingerprint (the same submission by an earlier fingerprint version, also a match)
              w idempotency window ms (with k)     c W3C traceparent (stored only when given)
              g group (else the task waits in the queue's own lists; in its group's: lib/groups.lua)
            Fewer arguments per task cut Redis's parsing and Lua's copying of them (issue 18: ~1 k
            instructions an argument; 14 per task were sent before, mostly empty).

  Returns {now, 'unregistered'} and writes nothing when `registered` is missing and ARGV[3] is '0' (the queue
  was removed from tq:queues, or never added): the caller registers it and calls again with '1'.
  Otherwise now (a number, not a table of one) when every task was stored, else {now, result of each task},
  one string per task in order (a table per task cost Redis ~7 k instructions to reply, a string ~0.9 k):
    'created'         the task was stored (its id is the one sent)
    'existing <id>'   the idempotency key was seen with the same fingerprint, or the previous one (the earlier task)
    'conflict <id>'   the idempotency key was seen with another fingerprint (the earlier task)
    'full'            the queue is at its depth limit; nothing was stored
  An id that is already stored is reported 'created' again and left alone, so a client that resends
  the same call after a lost reply (ioredis does on reconnect) creates nothing twice.
]]
-- @include events
-- @include common
-- @include settings
-- @include groups

local base = KEYS[1]
local pending_prefix = base .. 'pending:'
local task_prefix = base .. 'task:'
local meta_key = base .. 'meta'
local wake_channel = base .. 'wake'
-- scheduled, retry and idem: are named where a call uses them (a name costs ~0.6 k instructions).

local now, now_arg = resolve_now(ARGV[1])
local max_depth = tonumber(ARGV[2])
local just_registered = ARGV[3] == '1'
local registered_key = base .. 'registered'
local events = events_target(meta_key, base .. 'events', now)

if just_registered then
  redis.call('SET', registered_key, '1')
elseif redis.call('EXISTS', registered_key) == 0 then
  return { now, 'unregistered' }
end

local woke = false
local qs = queue_state(meta_key, base .. 'g:', wake_channel)
local scheduled_due = nil -- a due_tracker, made by the first scheduled task of the call
local depth = 0
if max_depth > 0 then
  depth = pending_count(qs, pending_prefix) + redis.call('ZCARD', base .. 'scheduled')
    + redis.call('ZCARD', base .. 'retry')
end

-- Ids already stored: a call that ran and is sent again after a lost reply stores nothing twice. A call of
-- several tasks asks once, with one EXISTS of all its ids; in the usual call none is, and no task is looked
-- up on its own (`ask_each`). Its plain pending tasks are pushed at the end, one LPUSH per priority (in
-- their order, as one LPUSH each would), and `stored_now` keeps an id sent twice in it from being stored
-- twice. A one-task call does neither: the tables would cost it more than they save. `task_keys`: the
-- tasks' hash keys in order (made once, for the EXISTS and the stores).
local ask_each = true
local task_keys, stored_now, to_push = nil, nil, nil
if ARGV[7] and #ARGV > 7 + #ARGV[7] then
  task_keys = {}
  local i = 4
  while i <= #ARGV do
    task_keys[#task_keys + 1] = task_prefix .. ARGV[i]
    i = i + 4 + #ARGV[i + 3]
  end
  ask_each = redis.call('EXISTS', unpack(task_keys)) > 0
  stored_now, to_push = {}, {}
end

-- Puts a new task without a group in the queue's own pending list of its priority (now or at the end).
local function push_plain(id, priority)
  if not to_push then
    -- A list that was empty may have idle workers waiting for it.
    if redis.call('LPUSH', pending_prefix .. priority, id) == 1 then
      woke = true
    end
    return
  end
  local list = to_push[priority]
  if not list then
    list = {}
    to_push[priority] = list
  end
  list[#list + 1] = id
end

-- The fields of the task at ARGV[i] that `o` (its options, ARGV[i + 3]) names, the others at their
-- default: priority, runAt, delayMs, maxAttempts, timeoutMs, idempotency key, fingerprint, previous
-- fingerprint, idempotency window, traceparent, group ('' = none).
local function task_options(i, o)
  local priority, run_at, delay_ms, max_attempts, timeout_ms = '0', '', '', DEFAULT_MAX_ATTEMPTS, ''
  local idem_key, fingerprint, previous, idem_window_ms, traceparent, group = '', '', '', '0', '', ''
  for j = 1, #o do
    local letter, value = string.sub(o, j, j), ARGV[i + 3 + j]
    if letter == 'p' then
      priority = value
    elseif letter == 'a' then
      run_at = value
    elseif letter == 'd' then
      delay_ms = value
    elseif letter == 'm' then
      max_attempts = value
    elseif letter == 't' then
      timeout_ms = value
    elseif letter == 'k' then
      idem_key = value
    elseif letter == 'f' then
      fingerprint = value
    elseif letter == 'v' then
      previous = value
    elseif letter == 'w' then
      idem_window_ms = value
    elseif letter == 'c' then
      traceparent = value
    elseif letter == 'g' then
      group = value
    else
      error('enqueue: unknown option ' .. letter)
    end
  end
  return priority, run_at, delay_ms, max_attempts, timeout_ms, idem_key, fingerprint, previous, idem_window_ms,
    traceparent, group
end

-- Stores a task other than the usual one (see enqueue_one): with options, or in format 1. Returns its status
-- ('pending' or 'scheduled'), or nil and its result when it is not stored ('existing <id>', 'conflict <id>',
-- 'full').
local function store_task(i, o, id, task_key)
  local task_type, payload = ARGV[i + 1], ARGV[i + 2]
  local priority, run_at, delay_ms, max_attempts, timeout_ms, idem_key, fingerprint, previous, idem_window_ms,
    traceparent, group = task_options(i, o)
  if idem_key ~= '' then
    local seen = redis.call('GET', base .. 'idem:' .. idem_key)
    if seen then
      local sep = string.find(seen, ' ', 1, true)
      local stored = string.sub(seen, 1, sep - 1)
      if stored == fingerprint or (previous ~= '' and stored == previous) then
        return nil, 'existing' .. string.sub(seen, sep)
      end
      return nil, 'conflict' .. string.sub(seen, sep)
    end
  end
  if max_depth > 0 and depth >= max_depth then
    return nil, 'full'
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
    fields = { 't', task_type, 'p', payload, 'c', now_arg }
    if max_attempts ~= DEFAULT_MAX_ATTEMPTS then
      fields[#fields + 1] = 'm'
      fields[#fields + 1] = max_attempts
    end
  else
    fields = { 'type', task_type, 'payload', payload, 'maxAttempts', max_attempts, 'createdAt', now_arg }
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
    redis.call('SET', base .. 'idem:' .. idem_key, fingerprint .. ' ' .. id, 'PX', idem_window_ms)
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
    local due_arg = run_at ~= '' and run_at or int_arg(due)
    fields[#fields + 1] = 'runAt'
    fields[#fields + 1] = due_arg
    local scheduled_key = base .. 'scheduled'
    scheduled_due = scheduled_due or due_tracker(scheduled_key)
    track_due(scheduled_due, due)
    redis.call('ZADD', scheduled_key, due_arg, id)
  elseif group ~= '' then
    push_pending(qs, pending_prefix, id, priority, group) -- a group that gets turns sets qs.wake
  else
    push_plain(id, priority)
  end
  if status ~= 'pending' or not compact then
    fields[#fields + 1] = 'status'
    fields[#fields + 1] = status
  end
  redis.call('HSET', task_key, unpack(fields))
  return status
end

-- Stores the task whose id is ARGV[i] (`o`: its options, ARGV[i + 3]), the call's `n`th; returns its result.
local function enqueue_one(i, o, n)
  local id = ARGV[i]
  local task_key = task_keys and task_keys[n] or task_prefix .. id
  if ask_each and redis.call('EXISTS', task_key) == 1 or stored_now and stored_now[id] then
    return 'created'
  end
  local status = 'pending'
  if o == '' and #id == COMPACT_ID_LENGTH then
    -- The usual task (format 2, every option at its default): its three fields, and the queue's list.
    if max_depth > 0 and depth >= max_depth then
      return 'full'
    end
    redis.call('HSET', task_key, 't', ARGV[i + 1], 'p', ARGV[i + 2], 'c', now_arg)
    push_plain(id, '0')
  else
    local refused
    status, refused = store_task(i, o, id, task_key)
    if not status then
      return refused
    end
  end
  if stored_now then
    stored_now[id] = true
  end
  emit_event(events, id, status)
  depth = depth + 1
  return 'created'
end

local results = { now }
local all_created = true
local i = 4
local n = 0
while i <= #ARGV do
  local o = ARGV[i + 3]
  n = n + 1
  local result = enqueue_one(i, o, n)
  results[#results + 1] = result
  if result ~= 'created' then
    all_created = false
  end
  i = i + 4 + #o
end
if to_push then
  for priority, ids in pairs(to_push) do
    if redis.call('LPUSH', pending_prefix .. priority, unpack(ids)) == #ids then
      woke = true
    end
  end
end
send_wake(qs, woke, now_arg)
if scheduled_due then
  wake_for_due(wake_channel, scheduled_due, now)
end
if all_created then
  return now -- a number, not a table of one: a table costs Redis ~4 k instructions to reply
end
return results
