-- Ends running tasks: the body of complete and complete_and_claim (see complete.lua), and of
-- finish_canceled. Needs events, common, settings, groups.

-- Most ids one ZREM or ZADD of move_ended takes (Lua's unpack has a limit of about 8,000 values).
local MOVE_CHUNK = 1000

-- The task-hash half of running -> `status` ('done' or 'canceled', also the event's name) at `at` (the
-- call's time as a string); `result` ('' or nil = none) is stored with it. The lease was checked by the
-- caller; `group`: the task's group or nil. The caller moves the id from running to the status's set.
local function end_task(qs, task_key, id, group, status, at, events, result)
  -- A blank token is never current, so one HSET both finishes the task and ends its lease.
  if result and result ~= '' then
    redis.call('HSET', task_key, 'status', status, 'finishedAt', at, 'token', '', 'result', result)
  else
    redis.call('HSET', task_key, 'status', status, 'finishedAt', at, 'token', '')
  end
  if group then
    group_ended(qs, group)
  end
  emit_event(events, id, status)
end

-- Moves the ids of tasks that ended from running to `set_key`, scored `at`: one ZREM and one ZADD per
-- MOVE_CHUNK ids instead of one each per task (a redis.call costs ~2.5 k instructions besides its work).
local function move_ended(running_key, set_key, at, ids)
  for first = 1, #ids, MOVE_CHUNK do
    local last = math.min(first + MOVE_CHUNK - 1, #ids)
    redis.call('ZREM', running_key, unpack(ids, first, last))
    local scored = {}
    for j = first, last do
      scored[#scored + 1] = at
      scored[#scored + 1] = ids[j]
    end
    redis.call('ZADD', set_key, unpack(scored))
  end
end

-- running -> `status` for one task (as end_task, and its move).
local function finish_running(qs, running_key, set_key, task_key, id, group, status, now, events, result)
  local at = qs.now_arg or now
  redis.call('ZREM', running_key, id)
  redis.call('ZADD', set_key, at, id)
  end_task(qs, task_key, id, group, status, at, events, result)
end

-- For complete and finish_canceled: the settings an ending task reads (the concurrency limits: a task that
-- leaves running may owe the waiting workers a wake, running_ended and group_ended; grouped: complete_tasks
-- asks for a task's group only on a queue marked grouped) and the event target (as events_target), in one
-- HMGET of 5 fields instead of settings_and_events' 8 (~0.9 k instructions a field); paused is not read by
-- these scripts. The usual queue has no meta hash (no limit, no events mode, never grouped): one EXISTS says
-- so and the HMGET with its reply is left out, as claim_settings does for the claims (ADR 0056, 0059). A
-- meta hash holding other fields only reads as no limits, as before.
local function ending_settings_and_events(qs, events_key, now)
  if redis.call('EXISTS', qs.meta) == 0 then
    qs.settings = { grouped = false }
    return nil
  end
  local f = redis.call('HMGET', qs.meta, 'concurrency', 'groupConcurrency', 'events', 'eventsUntil', 'grouped')
  qs.settings = { concurrency = tonumber(f[1]), group_concurrency = tonumber(f[2]), grouped = f[5] ~= false }
  if events_written(f[3], f[4], now) then
    return events_key
  end
  return nil
end

-- Completes the tasks of argv[first..] (the script's ARGV: id, lease token, and with `stride` 3 a result JSON;
-- `stride` 2: none) when the token is the current lease: running -> done. Returns '' when every one was
-- completed, else one code per task ('ok', 'not_found' or 'lease_lost') joined by spaces; then how many were
-- completed. A call of several tasks moves them to done together at its end (move_ended); one task goes at
-- once, without the tables (each table costs a call ~1-2 k instructions with its garbage collection).
-- `events`: the event stream target (events_target) or nil. `defer_move` (complete_and_claim): a call of several
-- tasks leaves their move to the caller, who gets their ids third (move_ended); all but the first are then still
-- in running.
local function complete_tasks(qs, running_key, done_key, task_prefix, now, events, argv, first, stride, defer_move)
  local at = qs.now_arg or now
  local ended = #argv >= first + stride and {} or nil
  local completed = 0
  local codes = nil -- made at the first task not completed
  local n = 0
  -- A queue never marked grouped holds no task with a group: its leases are checked without that field.
  local ungrouped = qs.settings.grouped == false
  for i = first, #argv, stride do
    n = n + 1
    local id = argv[i]
    local task_key = task_prefix .. id
    local code, group = check_lease(task_key, argv[i + 1], ungrouped)
    if code == 'ok' then
      completed = completed + 1
      if completed == 1 then
        -- The call's first write frees memory: run as EVAL on a full Redis (maxmemory, ADR 0047), a script
        -- whose first write is one Redis refuses there (HSET, ZADD) is refused, and one that freed memory
        -- first runs to its end. (move_ended removes this id again, which costs nothing.)
        redis.call('ZREM', running_key, id)
      end
      if ended then
        ended[completed] = id
      else
        redis.call('ZADD', done_key, at, id)
      end
      end_task(qs, task_key, id, group, 'done', at, events, stride == 3 and argv[i + 2] or nil)
    elseif not codes then
      codes = {}
      for _ = 1, n - 1 do
        codes[#codes + 1] = 'ok'
      end
    end
    if codes then
      codes[#codes + 1] = code
    end
  end
  if ended and not defer_move then
    move_ended(running_key, done_key, at, ended)
    ended = nil
  end
  return codes and table.concat(codes, ' ') or '', completed, ended
end
