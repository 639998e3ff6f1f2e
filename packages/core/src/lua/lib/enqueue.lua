-- Stores new tasks: the body of enqueue (see enqueue.lua for the contract). Needs events, common, settings,
-- groups.

-- The state of the enqueue call under way, in library-level locals rather than in locals of the script's body
-- shared with functions made inside it: those four closures and their upvalues were made and collected on
-- every call, as claim_tasks's were (lib/claim.lua). A script call never runs inside another, so one set serves
-- every call: enqueue_tasks sets each at its start and lets go of the tables at its end.
local e_argv, e_k -- the call's ARGV and the queue's names (queue_names)
local e_now, e_now_arg, e_events -- the call's time (resolve_now) and event target (events_target)
local e_qs -- the call's queue_state
local e_max_depth, e_depth -- the depth limit (0 = none) and the depth so far (counted only under a limit)
-- Ids already stored: a call that ran and is sent again after a lost reply stores nothing twice. A call of
-- several tasks asks once, with one EXISTS of all its ids; in the usual call none is, and no task is looked
-- up on its own (`e_ask_each`). Its plain pending tasks are pushed at the end, one LPUSH per priority (in
-- their order, as one LPUSH each would; `e_to_push`), and `e_stored_now` keeps an id sent twice in it from
-- being stored twice. A one-task call does neither: the tables would cost it more than they save.
-- `e_task_keys`: the tasks' hash keys in order (made once, for the EXISTS and the stores).
local e_ask_each, e_task_keys, e_stored_now, e_to_push
local e_woke -- a pending list that was empty got a task: idle workers may be waiting for it
local e_scheduled_due -- a due_tracker, made by the first scheduled task of the call

-- Puts a new task without a group in the queue's own pending list of its priority (now or at the end).
local function push_plain(id, priority)
  if not e_to_push then
    -- A list that was empty may have idle workers waiting for it.
    if redis.call('LPUSH', e_k.pending .. priority, id) == 1 then
      e_woke = true
    end
    return
  end
  local list = e_to_push[priority]
  if not list then
    list = {}
    e_to_push[priority] = list
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
    local letter, value = string.sub(o, j, j), e_argv[i + 3 + j]
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
  local task_type, payload = e_argv[i + 1], e_argv[i + 2]
  local priority, run_at, delay_ms, max_attempts, timeout_ms, idem_key, fingerprint, previous, idem_window_ms,
    traceparent, group = task_options(i, o)
  if idem_key ~= '' then
    local seen = redis.call('GET', e_k.idem .. idem_key)
    if seen then
      local sep = string.find(seen, ' ', 1, true)
      local stored = string.sub(seen, 1, sep - 1)
      if stored == fingerprint or (previous ~= '' and stored == previous) then
        return nil, 'existing' .. string.sub(seen, sep)
      end
      return nil, 'conflict' .. string.sub(seen, sep)
    end
  end
  if e_max_depth > 0 and e_depth >= e_max_depth then
    return nil, 'full'
  end

  local due = nil
  if run_at ~= '' then
    due = tonumber(run_at)
  elseif delay_ms ~= '' then
    due = e_now + tonumber(delay_ms)
  end

  -- One HSET per task; fields at their default (attempt 0, priority 0, readyAt = createdAt) are left
  -- out to keep a pending task small. The id tells the format (ADR 0045): format 2 names the fields
  -- every task has with one letter and leaves out maxAttempts at its default and status while pending.
  local compact = #id == COMPACT_ID_LENGTH
  local fields
  if compact then
    fields = { 't', task_type, 'p', payload, 'c', e_now_arg }
    if max_attempts ~= DEFAULT_MAX_ATTEMPTS then
      fields[#fields + 1] = 'm'
      fields[#fields + 1] = max_attempts
    end
  else
    fields = { 'type', task_type, 'payload', payload, 'maxAttempts', max_attempts, 'createdAt', e_now_arg }
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
    redis.call('SET', e_k.idem .. idem_key, fingerprint .. ' ' .. id, 'PX', idem_window_ms)
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
    mark_grouped(e_qs)
  end
  local status = 'pending'
  if due and due > e_now then
    status = 'scheduled'
    local due_arg = run_at ~= '' and run_at or int_arg(due)
    fields[#fields + 1] = 'runAt'
    fields[#fields + 1] = due_arg
    local scheduled_key = e_k.scheduled
    e_scheduled_due = e_scheduled_due or due_tracker(scheduled_key)
    track_due(e_scheduled_due, due)
    redis.call('ZADD', scheduled_key, due_arg, id)
  elseif group ~= '' then
    push_pending(e_qs, e_k.pending, id, priority, group) -- a group that gets turns sets qs.wake
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
  local id = e_argv[i]
  local task_key = e_task_keys and e_task_keys[n] or e_k.task .. id
  if e_ask_each and redis.call('EXISTS', task_key) == 1 or e_stored_now and e_stored_now[id] then
    return 'created'
  end
  local status = 'pending'
  if o == '' and #id == COMPACT_ID_LENGTH then
    -- The usual task (format 2, every option at its default): its three fields, and the queue's list.
    if e_max_depth > 0 and e_depth >= e_max_depth then
      return 'full'
    end
    redis.call('HSET', task_key, 't', e_argv[i + 1], 'p', e_argv[i + 2], 'c', e_now_arg)
    push_plain(id, '0')
  else
    local refused
    status, refused = store_task(i, o, id, task_key)
    if not status then
      return refused
    end
  end
  if e_stored_now then
    e_stored_now[id] = true
  end
  emit_event(e_events, id, status)
  e_depth = e_depth + 1
  return 'created'
end


-- Stores the tasks of `argv` (the script's ARGV) in the queue of key base `base`, as enqueue.lua says, and returns
-- its reply.
local function enqueue_tasks(base, argv)
  local k = queue_names(base)
  local now, now_arg = resolve_now(argv[1])
  local events = events_target(k.meta, k.events, now)
  if argv[3] == '1' then
    redis.call('SET', k.registered, '1')
  elseif redis.call('EXISTS', k.registered) == 0 then
    return { now, 'unregistered' }
  end

  e_argv, e_k = argv, k
  e_now, e_now_arg, e_events = now, now_arg, events
  e_qs = queue_state(k.meta, k.group, k.wake)
  e_max_depth, e_depth = tonumber(argv[2]), 0
  e_woke, e_scheduled_due = false, nil
  if e_max_depth > 0 then
    e_depth = pending_count(e_qs, k.pending) + redis.call('ZCARD', k.scheduled) + redis.call('ZCARD', k.retry)
  end
  e_ask_each, e_task_keys, e_stored_now, e_to_push = true, nil, nil, nil
  if argv[7] and #argv > 7 + #argv[7] then
    local task_keys = {}
    local i = 4
    while i <= #argv do
      task_keys[#task_keys + 1] = k.task .. argv[i]
      i = i + 4 + #argv[i + 3]
    end
    e_ask_each = redis.call('EXISTS', unpack(task_keys)) > 0
    e_task_keys, e_stored_now, e_to_push = task_keys, {}, {}
  end

  local results = { now }
  local all_created = true
  local i = 4
  local n = 0
  while i <= #argv do
    local o = argv[i + 3]
    n = n + 1
    local result = enqueue_one(i, o, n)
    results[#results + 1] = result
    if result ~= 'created' then
      all_created = false
    end
    i = i + 4 + #o
  end
  if e_to_push then
    for priority, ids in pairs(e_to_push) do
      if redis.call('LPUSH', k.pending .. priority, unpack(ids)) == #ids then
        e_woke = true
      end
    end
  end
  send_wake(e_qs, e_woke, now_arg)
  if e_scheduled_due then
    wake_for_due(k.wake, e_scheduled_due, now)
  end
  e_argv, e_k, e_qs, e_events = nil, nil, nil, nil
  e_task_keys, e_stored_now, e_to_push, e_scheduled_due = nil, nil, nil, nil
  if all_created then
    return now -- a number, not a table of one: a table costs Redis ~4 k instructions to reply
  end
  return results
end
