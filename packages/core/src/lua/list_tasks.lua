--[[
  list_tasks: one page of the tasks in one state, read at one instant, from a cursor (see ADR 0015).
  A sorted-set state is walked in (score, id) order (ascending: due first; descending: newest first) from
  just past the cursor's (score, id), which need not still be in the set. The pending lists are walked in
  claim order (priority 9 first, oldest first within one), from the cursor's task, found again near the
  position it had: claims and releases move it, new tasks do not.
  At most ARGV[3] entries are examined, so a type filter over a huge state answers a short page and a
  cursor rather than a slow one.

  KEYS[1] source       the state's ZSET (tq:{q}:scheduled, …), or the pending prefix tq:{q}:pending:
                       (lists <prefix>0..9 derived from it) for state pending
  KEYS[2] task prefix  tq:{q}:task:

  ARGV[1] order: 'asc' or 'desc' (a ZSET), 'pending' (the lists)
  ARGV[2] most tasks to return (1..1000)
  ARGV[3] most entries to examine (the scan budget, >= ARGV[2])
  ARGV[4] task type to keep ('' = every type)
  ARGV[5] cursor: ZSET: the score of the last entry examined; pending: its priority ('' = from the start)
  ARGV[6] cursor: ZSET: its id; pending: its index counted from the tail of its list
  ARGV[7] cursor: pending: its id

  Returns {total, scanned, next, rows}:
    total    entries in the state now
    scanned  entries examined
    next     {} when nothing is left, else the cursor of the last entry examined: {score, id} or
             {priority, tail index, id}
    rows     14 strings per task ('' = none): id, score (pending: '<priority>:<tail index>' where it was examined), type, status, priority, attempt,
             maxAttempts, createdAt, readyAt, runAt, startedAt, finishedAt, lastError (at most 500 bytes),
             deadReason
  An id without a task hash (an orphan a reaper has not dropped yet) is examined but not returned.
]]
-- @include common
-- @include zset

local source = KEYS[1]
local task_prefix = KEYS[2]

local order = ARGV[1]
local limit = tonumber(ARGV[2])
local budget = tonumber(ARGV[3])
local type_filter = ARGV[4]
local cursor_a, cursor_b, cursor_c = ARGV[5], ARGV[6], ARGV[7]

local CHUNK = 200 -- entries read per LRANGE / ZRANGE
local LIST_WINDOW_AHEAD = 100 -- releases (pushes at the front) a cursor's task may have seen
local LAST_ERROR_MAX = 500

local rows = {}
local found = 0
local scanned = 0

-- Adds the task to the page when it passes the filter. The type is read alone first when filtering, so
-- skipped tasks cost one field.
local function examine(id, score)
  scanned = scanned + 1
  local task_key = task_prefix .. id
  local compact = #id == COMPACT_ID_LENGTH -- the record's format (ADR 0045)
  if type_filter ~= '' and redis.call('HGET', task_key, compact and 't' or 'type') ~= type_filter then
    return
  end
  local f
  if compact then
    f = redis.call('HMGET', task_key, 't', 'status', 'priority', 'attempt', 'm', 'c', 'readyAt', 'runAt',
      'startedAt', 'finishedAt', 'lastError', 'deadReason')
    f[2] = task_status(f[2], f[1])
    f[5] = f[5] or DEFAULT_MAX_ATTEMPTS
  else
    f = redis.call('HMGET', task_key, 'type', 'status', 'priority', 'attempt', 'maxAttempts', 'createdAt',
      'readyAt', 'runAt', 'startedAt', 'finishedAt', 'lastError', 'deadReason')
  end
  if not f[2] then
    return
  end
  rows[#rows + 1] = id
  rows[#rows + 1] = score
  for i = 1, 12 do
    local v = f[i] or ''
    if i == 11 and #v > LAST_ERROR_MAX then
      v = string.sub(v, 1, LAST_ERROR_MAX)
    end
    rows[#rows + 1] = v
  end
  found = found + 1
end

local function full()
  return found >= limit or scanned >= budget
end

local function walk_zset(key)
  local total = redis.call('ZCARD', key)
  local desc = order == 'desc'
  -- `start` counts from the first entry in walking order (ZRANGE's REV ranks when descending).
  local start = 0
  if cursor_a ~= '' then
    local before, present = rank_of(key, cursor_a, cursor_b)
    if desc then
      start = total - before
    else
      start = before + (present and 1 or 0)
    end
  end
  local last_score, last_id
  local at = start
  while not full() and at < total do
    local n = math.min(CHUNK, budget - scanned)
    local range
    if desc then
      range = redis.call('ZRANGE', key, at, at + n - 1, 'REV', 'WITHSCORES')
    else
      range = redis.call('ZRANGE', key, at, at + n - 1, 'WITHSCORES')
    end
    if #range == 0 then
      break
    end
    for i = 1, #range, 2 do
      last_id, last_score = range[i], range[i + 1]
      at = at + 1
      examine(last_id, last_score)
      if full() then
        break
      end
    end
  end
  local next = {}
  if last_id and at < total then
    next = { last_score, last_id }
  end
  return total, next
end

-- The tail index (0 = next to be claimed) just past the cursor's task in `list`, found near tail index
-- `t`: claims and cancels ahead of it move it toward the tail, releases and reaps away from it. 0 when it
-- is not near there any more (claimed or canceled): the page then starts again at the front, so a task
-- still pending is never skipped (it may be shown twice instead).
local function resume_at(list, t, id)
  if redis.call('LINDEX', list, -(t + 1)) == id then
    return t + 1
  end
  local from = math.max(0, t - budget)
  local to = t + LIST_WINDOW_AHEAD
  local window = redis.call('LRANGE', list, -(to + 1), -(from + 1))
  local n = #window
  for i = n, 1, -1 do
    if window[i] == id then
      return from + (n - i) + 1
    end
  end
  return 0
end

local function walk_pending(prefix)
  local total = pending_total(prefix)
  local p, t = PRIORITY_LEVELS - 1, 0
  if cursor_a ~= '' then
    p = tonumber(cursor_a)
    t = resume_at(prefix .. p, tonumber(cursor_b), cursor_c)
  end
  local last_p, last_t, last_id
  while not full() and p >= 0 do
    local list = prefix .. p
    local n = math.min(CHUNK, budget - scanned)
    -- Tail indexes t .. t+n-1, answered head first: the last element is tail index t.
    -- (Past the head of the list the range is empty.)
    local ids = redis.call('LRANGE', list, -(t + n), -(t + 1))
    for i = #ids, 1, -1 do
      last_p, last_t, last_id = p, t, ids[i]
      t = t + 1
      examine(last_id, last_p .. ':' .. last_t)
      if full() then
        break
      end
    end
    if #ids < n and not full() then
      p, t = p - 1, 0
    end
  end
  local next = {}
  if last_id then
    local more = redis.call('LLEN', prefix .. last_p) > last_t + 1
    for q = last_p - 1, 0, -1 do
      more = more or redis.call('LLEN', prefix .. q) > 0
    end
    if more then
      next = { last_p, last_t, last_id }
    end
  end
  return total, next
end

local total, next
if order == 'pending' then
  total, next = walk_pending(source)
else
  total, next = walk_zset(source)
end
return { total, scanned, next, rows }
