-- Shared helpers, inlined into a script where it says `-- @include common`.

local PRIORITY_LEVELS = 10 -- pending lists <prefix>0 .. <prefix>9; 9 is claimed first

-- Task records come in two formats (ADR 0045), told by the id's length: format 1 (26-character ULID)
-- names every field in full; format 2 (COMPACT_ID_LENGTH) names the fields every task has with one
-- letter (t type, p payload, c createdAt, m maxAttempts) and leaves out m at DEFAULT_MAX_ATTEMPTS and
-- status while the task is pending since its enqueue. Every other field has its full name in both, so a
-- script that writes status or any other field writes the same in both. Readers take both formats.
local COMPACT_ID_LENGTH = 20
local DEFAULT_MAX_ATTEMPTS = '5'

-- A task's status from its 'status' and 't' fields as HMGET read them: format 2 leaves status out while
-- pending; false when neither is stored (no such task).
local function task_status(status, t)
  return status or (t and 'pending')
end

-- The names a script derives from the queue's key base (ADR 0052, 0056), spelled as keys.ts spells them, made
-- once per base and memoized across calls (a library's locals live as long as it is loaded; a concatenation
-- costs ~0.6 k instructions, a table lookup a few dozen): at most NAMES_MAX bases, then it starts again empty.
local NAMES_MAX = 256
local names_of, names_n = {}, 0

local function queue_names(base)
  local k = names_of[base]
  if not k then
    k = {
      pending = base .. 'pending:',
      scheduled = base .. 'scheduled',
      retry = base .. 'retry',
      running = base .. 'running',
      meta = base .. 'meta',
      task = base .. 'task:',
      events = base .. 'events',
      starts = base .. 'starts',
      group = base .. 'g:',
      wake = base .. 'wake',
      done = base .. 'done',
      history = base .. 'history:',
      registered = base .. 'registered',
      idem = base .. 'idem:',
    }
    if names_n >= NAMES_MAX then
      names_of, names_n = {}, 0
    end
    names_of[base] = k
    names_n = names_n + 1
  end
  return k
end

-- The one clock: the caller's injected time in ms, or Redis TIME when ARGV carries ''. Returns it as a
-- number, then as the string a redis.call argument takes (see int_arg): TIME's seconds and the first three
-- digits of its microseconds, zero-padded to six.
local function resolve_now(arg)
  if arg ~= nil and arg ~= '' then
    return tonumber(arg), arg
  end
  local t = redis.call('TIME')
  local s = t[1] .. string.sub('00000' .. t[2], -6, -4)
  return tonumber(s), s
end

-- A whole number as a redis.call argument. Redis writes a Lua number it is given with '%.17g' (~3.6 k
-- instructions each, a tenth of a one-task claim: callgrind, issue 18); '%d' costs about half of that, and
-- a string the script already holds (an ARGV, `now`'s from resolve_now) nothing. Other numbers go as they are.
local function int_arg(n)
  if n % 1 == 0 then
    return string.format('%d', n)
  end
  return n
end

-- Small whole numbers as strings, memoized across calls (a library's locals live as long as it is loaded;
-- Redis does not let its code call `string` at load time): a lease token's number and a count are looked up
-- instead of formatted per call or task ('..' of a number or string.format: ~1-1.5 k instructions each, callgrind
-- of a claim in batches of 100). Deterministic, and bounded to the 1001 numbers 0..1000.
local INT_STRINGS = {}

local function int_string(n)
  local s = INT_STRINGS[n]
  if not s then
    s = int_arg(n)
    if n >= 0 and n <= 1000 then
      INT_STRINGS[n] = s
    end
  end
  return s
end

-- True when the caller's deadline (ms on the same clock as `now`; '' = none) has passed: the caller has given
-- up on this call (its command timeout fired), so a lease made now would belong to nobody (ADR 0006).
local function past_deadline(arg, now)
  return arg ~= nil and arg ~= '' and now > tonumber(arg)
end

-- What a claim refused by its deadline answers: no task, and `nextDueAt` = now (claim again at once).
local function late_claim(now)
  return { now, now, {}, 'deadline', -1 }
end

local function pending_total(pending_prefix)
  local total = 0
  for p = 0, PRIORITY_LEVELS - 1 do
    total = total + redis.call('LLEN', pending_prefix .. p)
  end
  return total
end

-- When a task became runnable, ms: readyAt, which enqueue leaves out when it equals createdAt (either format).
local function ready_time(task_key)
  local f = redis.call('HMGET', task_key, 'readyAt', 'createdAt', 'c')
  return tonumber(f[1] or f[2] or f[3])
end

-- Appends {attempt, at, error} to the task's error history, keeping the newest `max_entries`.
local function record_error(task_key, attempt, now, message, max_entries)
  local raw = redis.call('HGET', task_key, 'errors')
  local history = {}
  if raw then
    history = cjson.decode(raw)
  end
  history[#history + 1] = { attempt = tonumber(attempt), at = now, error = message }
  while #history > max_entries do
    table.remove(history, 1)
  end
  redis.call('HSET', task_key, 'errors', cjson.encode(history), 'lastError', message)
end

-- 'ok' when the lease token is the current one of a running task; otherwise why not. Returns the task's
-- group (nil = none) second. `ungrouped`: the caller knows the queue was never marked grouped (no task of
-- it has a group, lib/groups.lua mark_grouped), so the group field is not asked for (~0.9 k instructions).
local function check_lease(task_key, token, ungrouped)
  local f
  if ungrouped then
    f = redis.call('HMGET', task_key, 'status', 'token')
  else
    f = redis.call('HMGET', task_key, 'status', 'token', 'group')
  end
  if not f[1] then
    -- A format 2 task pending since its enqueue has no status (ADR 0045): asked only here, off the hot path.
    return redis.call('HEXISTS', task_key, 't') == 1 and 'lease_lost' or 'not_found'
  end
  if f[1] ~= 'running' or f[2] ~= token then
    return 'lease_lost'
  end
  return 'ok', f[3] or nil
end

-- The score of the first entry of a sorted set, or -1 when it is empty.
local function first_score(key)
  local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  if first[2] then
    return tonumber(first[2])
  end
  return -1
end

-- Where the next scheduled or retry task becomes due (ms), or -1 when none is waiting.
local function next_due(scheduled_key, retry_key)
  local best = -1
  for _, key in ipairs({ scheduled_key, retry_key }) do
    local at = first_score(key)
    if at >= 0 and (best < 0 or at < best) then
      best = at
    end
  end
  return best
end

-- Idle workers sleep until the earliest scheduled or retry due time their last claim reported. A script
-- that adds entries to such a set tracks the earliest one it adds (due_tracker, track_due before each
-- ZADD) and calls wake_for_due at its end: when that entry comes before every earlier one of the set,
-- 'due:<ms from now>' tells the workers to wake then, without a claim. A later entry needs no message:
-- they already wake for an earlier one.
local function due_tracker(set_key)
  return { key = set_key, before = nil, added = -1 }
end

local function track_due(tracker, due_at)
  if tracker.before == nil then
    tracker.before = first_score(tracker.key) -- read once, before the first ZADD of this script
  end
  if tracker.added < 0 or due_at < tracker.added then
    tracker.added = due_at
  end
end

local function wake_for_due(wake_channel, tracker, now)
  local added, before = tracker.added, tracker.before
  if added >= 0 and (before < 0 or added < before) then
    redis.call('PUBLISH', wake_channel, 'due:' .. math.max(0, added - now))
  end
end
