-- Leases tasks: the body of claim and complete_and_claim (see claim.lua for the contract). Needs events,
-- common, settings, groups, limits.

-- Stale rotation entries (groups found empty or at their limit) a claim may drop beyond two per task it
-- asks for; past that it answers with what it has and nextDueAt = now, so the worker claims again.
local ROTATION_SLACK = 16

-- The pending lists' suffixes, claimed first to last, as strings: `prefix .. p` with a number p formats it
-- (sprintf '%.14g', ~1.5 k instructions each), which was a tenth of a one-task claim (callgrind, issue 18).
local PENDING_SUFFIXES = { '9', '8', '7', '6', '5', '4', '3', '2', '1', '0' }

-- A stored attempt ('0'..'999') -> the next one, memoized across calls like int_string's (lib/common.lua): the
-- next attempt is looked up instead of formatted per task. Deterministic, and bounded to 1000 entries.
local NEXT_ATTEMPT = {}

local function next_attempt(stored)
  local s = NEXT_ATTEMPT[stored]
  if not s then
    local n = tonumber(stored) + 1
    s = int_arg(n)
    if n <= 1000 and stored == int_arg(n - 1) then
      NEXT_ATTEMPT[stored] = s
    end
  end
  return s
end

-- Most leases one ZADD of the running set carries (2 arguments each; unpack's stack stays far below its limit).
local RUNNING_ZADD_MAX = 1000

-- The LMPOP arguments of each prefix, but the count, memoized across calls like int_string's (ten
-- concatenations and a table per pop otherwise): at most POP_ARGS_MAX prefixes (a grouped queue's groups
-- each have one), then it starts again empty.
local POP_ARGS_MAX = 256
local pop_args, pop_args_n = {}, 0

-- Pops up to `count` ids from the pending lists of `prefix` (<prefix>9 first, FIFO within one): one LMPOP
-- finds the first non-empty list. Returns {key, ids} or false, then whether every list is empty after it.
local function pop_pending(prefix, count)
  -- (unpack must come last in a call, so the arguments are built in one table.)
  local args = pop_args[prefix]
  if not args then
    args = { 'LMPOP', '10' } -- PRIORITY_LEVELS lists
    for i = 1, PRIORITY_LEVELS do
      args[i + 2] = prefix .. PENDING_SUFFIXES[i]
    end
    args[#args + 1] = 'RIGHT'
    args[#args + 1] = 'COUNT'
    if pop_args_n >= POP_ARGS_MAX then
      pop_args, pop_args_n = {}, 0
    end
    pop_args[prefix] = args
    pop_args_n = pop_args_n + 1
  end
  args[PRIORITY_LEVELS + 5] = int_string(count)
  local popped = redis.call(unpack(args))
  -- LMPOP takes from the first non-empty list: fewer than `count` from the last one (priority 0) leaves every
  -- list of the prefix empty, and the caller need not ask again (an idle worker's claim: ~8 k instructions).
  return popped, popped and #popped[2] < count and popped[1] == args[PRIORITY_LEVELS + 2]
end

-- The state of the claim_tasks call under way, in library-level locals rather than in locals of claim_tasks
-- shared with functions made inside it: those three closures and the ~15 upvalues they captured were made and
-- collected on every call, 14.6 k of a one-task claim's 169.6 k instructions (callgrind, issue 18). A library's
-- functions read its locals as fast as their own upvalues, and a script call never runs inside another, so one
-- set serves every call: claim_tasks sets each at its start and lets go of the tables at its end.
local c_n, c_claimed, c_started -- leases made, their reply strings (two per task), their rate-limit log entries
local c_task_prefix, c_now, c_at, c_lease_ms, c_nonce, c_worker, c_events
local c_deadline -- the leases' running score as a string, made on the first lease
-- The leases' running entries, added by one ZADD per RUNNING_ZADD_MAX leases (add_running) instead of one ZADD
-- per task: each redis.call costs its own arguments, command lookup and reply. Nothing in a claim reads the
-- running set between a lease and the flush at the end. One table for every call (its first c_running_n pairs
-- are the call's; what lies beyond, up to RUNNING_ZADD_MAX pairs of an earlier call, is not sent).
local c_running_args, c_running_n = { 'ZADD' }, 0

local function add_running()
  if c_running_n > 0 then
    redis.call(unpack(c_running_args, 1, 2 + 2 * c_running_n))
    c_running_n = 0
  end
end

-- Leases the pending task `id`; false for an id without a hash (an orphan: dropping it is the repair).
local function lease(id)
  local task_key = c_task_prefix .. id
  -- One HGETALL, not an HMGET of eight names: a pending task holds a few fields (three, the usual one), and
  -- each name sent costs Redis ~0.9 k instructions and a lookup in the hash (ADR 0056). Either format's names
  -- (ADR 0045), the usual ones first.
  local h = redis.call('HGETALL', task_key)
  local task_type, payload, created_at, max_attempts, timeout_ms, ready_at, stored_attempt, traceparent
  for i = 1, #h, 2 do
    local name, value = h[i], h[i + 1]
    if name == 't' or name == 'type' then
      task_type = value
    elseif name == 'p' or name == 'payload' then
      payload = value
    elseif name == 'c' or name == 'createdAt' then
      created_at = value
    elseif name == 'm' or name == 'maxAttempts' then
      max_attempts = value
    elseif name == 'attempt' then
      stored_attempt = value
    elseif name == 'readyAt' then
      ready_at = value
    elseif name == 'timeoutMs' then
      timeout_ms = value
    elseif name == 'traceparent' then
      traceparent = value
    end
  end
  if not task_type then
    return false
  end
  local n = c_n + 1
  c_n = n
  local attempt = next_attempt(stored_attempt or '0')
  local token = c_nonce .. '.' .. int_string(n)
  if c_worker ~= '' then
    redis.call('HSET', task_key, 'status', 'running', 'token', token, 'startedAt', c_at, 'attempt', attempt,
      'worker', c_worker)
  else
    redis.call('HSET', task_key, 'status', 'running', 'token', token, 'startedAt', c_at, 'attempt', attempt)
  end
  if not c_deadline then
    c_deadline = int_arg(c_now + c_lease_ms)
  end
  local r = c_running_n
  c_running_args[3 + 2 * r] = c_deadline
  c_running_args[4 + 2 * r] = id
  c_running_n = r + 1
  if r + 1 == RUNNING_ZADD_MAX then
    add_running()
  end
  emit_event(c_events, id, 'running', attempt)
  -- One concatenation of all the parts (no table per task).
  local claimed = c_claimed
  claimed[2 * n - 1] = id .. ' ' .. token .. ' ' .. attempt .. ' ' .. (max_attempts or DEFAULT_MAX_ATTEMPTS)
    .. ' ' .. (timeout_ms or '') .. ' ' .. created_at .. ' ' .. (ready_at or created_at) .. ' ' .. (traceparent or '')
    .. ' ' .. task_type
  claimed[2 * n] = payload
  if c_started then
    c_started[n] = token .. ' ' .. id
  end
  return true
end

-- The groups in turn (lib/groups.lua): each turn leases one task of the group at the head of the rotation,
-- which goes to the back while it has pending tasks under its limit. Returns true when the claim stopped at
-- its budget of turns (more tasks may be ready).
local function claim_in_turn(qs, s, pending_prefix, want)
  local rotation = qs.group_prefix .. 'rotation'
  if not redis.call('ZSCORE', rotation, '') then
    rotation_append(qs, '')
  end
  local turns, budget = 0, 2 * want + ROTATION_SLACK
  local empty_at = -1 -- c_n when the queue's own lists were last found empty
  while c_n < want do
    if turns >= budget then
      return true
    end
    local head = redis.call('ZPOPMIN', rotation)
    if not head[1] then
      break
    end
    turns = turns + 1
    local group = head[1]
    if group == '' then
      rotation_append(qs, '')
      local popped = pop_pending(pending_prefix, 1)
      if popped then
        lease(popped[2][1])
      elseif empty_at == c_n then
        break -- a whole round of the rotation found nothing to lease
      else
        empty_at = c_n
      end
    elseif not group_blocked(qs, group) then
      local popped = pop_pending(group_list_prefix(qs, group), 1)
      if popped then
        local left = group_unpend(qs, group)
        local running = 0
        if lease(popped[2][1]) then
          running = redis.call('HINCRBY', qs.group_prefix .. 'running', group, 1)
        end
        if left > 0 and not (s.group_concurrency and running >= s.group_concurrency) then
          rotation_append(qs, group)
        end
      end
      -- A group without pending tasks stays out of the rotation until one arrives.
    end
    -- A group at its limit stays out until one of its tasks ends (group_ended).
  end
  return false
end

-- Promotes due scheduled/retry tasks, then leases up to `count` pending tasks, counting each one's
-- attempt, within the queue's limits: highest priority first and FIFO within a priority, in turn over
-- the groups in a grouped queue. Returns {now, nextDueAt (-1 = none, or not computed when all `count`
-- tasks were found), tasks, limitedBy, retryAt}, tasks being two strings per task (see claim.lua).
-- `k`: the queue's names (queue_names). `events`: the event stream target (events_target) or nil.
-- `worker`: the claiming worker's id, stored on each task it leases ('' = none given). `delayed`: whether
-- scheduled or retry holds a task (claim_settings): a sorted set that empties is deleted, and most claims find
-- both absent, which spares them the two promotion reads and, when the claim comes back short, the two reads
-- of the next due time.
local function claim_tasks(qs, k, now, count, lease_ms, nonce, promote_limit, events, worker, delayed)
  local pending_prefix, scheduled_key, retry_key = k.pending, k.scheduled, k.retry
  local running_key, starts_key, task_prefix = k.running, k.starts, k.task
  local promoted = 0
  if delayed then
    promoted = promote_due(qs, scheduled_key, pending_prefix, task_prefix, now, promote_limit, events)
      + promote_due(qs, retry_key, pending_prefix, task_prefix, now, promote_limit, events)
  end
  local group_woke = qs.wake
  qs.wake = false
  local s = settings(qs)

  -- Two strings per task, not a row of nine: the client decodes each reply element at a cost. Only a rate
  -- limit logs the starts (log_starts): without one, no '<token> <id>' string per task. Strings, not numbers,
  -- for redis.call (int_arg).
  local claimed, started = {}, nil
  if s.rate_max and s.rate_period then
    started = {}
  end
  c_n, c_claimed, c_started = 0, claimed, started
  c_task_prefix, c_now, c_at, c_lease_ms = task_prefix, now, qs.now_arg or now, lease_ms
  c_nonce, c_worker, c_events = nonce, worker, events
  c_deadline, c_running_n = nil, 0
  c_running_args[2] = running_key

  local limited_by, allowed, more = '', count, false
  if not s.paused then
    if s.concurrency or s.rate_max then
      allowed, limited_by = claim_allowance(s, running_key, starts_key, now, count, qs.ended_running)
    end
    if s.grouped then
      more = claim_in_turn(qs, s, pending_prefix, allowed)
    else
      while c_n < allowed do
        local popped, emptied = pop_pending(pending_prefix, allowed - c_n)
        if not popped then
          break
        end
        for _, id in ipairs(popped[2]) do
          lease(id)
        end
        if emptied then
          break
        end
      end
    end
    add_running()
    if started then
      log_starts(s, starts_key, now, started)
    end
  end
  local n = c_n
  c_claimed, c_started = nil, nil

  -- Promoted tasks this call left in pending should wake the other workers.
  if (promoted > 0 or group_woke) and n == count then
    redis.call('PUBLISH', qs.wake_channel, '1')
  end
  -- A limit that held the claim back says so; a rate limit says when the next start fits.
  local retry_at = -1
  if limited_by ~= '' and n == allowed then
    if limited_by == 'rate' then
      retry_at = rate_free_at(s, starts_key, now)
    end
  else
    limited_by = ''
  end
  -- A worker that got less than it asked for is about to idle: tell it when the next task is due.
  local due = -1
  if more then
    due = now
  elseif n < count and delayed then
    due = next_due(scheduled_key, retry_key)
  end
  return { now, due, claimed, limited_by, retry_at }
end

-- The memoized struct.pack formats of packed lengths ('>I4' and one 'I4' per string), by number of strings,
-- like int_string's: at most PACK_FORMATS_MAX.
local PACK_FORMATS_MAX = 1000
local PACK_FORMATS = {}

local function pack_format(n)
  local f = PACK_FORMATS[n]
  if not f then
    f = '>I4' .. string.rep('I4', n)
    if n <= PACK_FORMATS_MAX then
      PACK_FORMATS[n] = f
    end
  end
  return f
end

-- A claim's reply as one string (ADR 0060: Redis replies a table at ~1 k instructions an element and a few k
-- per table, nested ones included; one string at well under 1 k, and the client decodes one element). `claimed`:
-- what claim_tasks (or late_claim) returns; `now_s`: its `now` as a string (resolve_now's second value);
-- `first`: a line put before it (complete_and_claim's codes), or nil. The string: `first` and '\n' when given,
-- the line "<now> <nextDueAt> <retryAt> <limitedBy>\n", then the claimed tasks' strings (two per task), when
-- there are any, packed as ADR 0054 packs them: their count and the byte length of each as 4-byte big-endian
-- numbers, then the strings one after the other.
local function claim_reply(claimed, now_s, first)
  local due, retry_at = claimed[2], claimed[5]
  local head = now_s .. ' ' .. (due < 0 and '-1' or int_arg(due)) .. ' ' .. (retry_at < 0 and '-1' or int_arg(retry_at))
    .. ' ' .. claimed[4] .. '\n'
  if first then
    head = first .. '\n' .. head
  end
  local rows = claimed[3]
  local n = #rows
  if n == 0 then
    return head
  end
  local lengths = {}
  for i = 1, n do
    lengths[i] = #rows[i]
  end
  rows[0] = head .. struct.pack(pack_format(n), n, unpack(lengths))
  return table.concat(rows, '', 0, n)
end
