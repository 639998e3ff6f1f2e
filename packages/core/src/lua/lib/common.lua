-- Shared helpers, inlined into a script where it says `-- @include common`.

local PRIORITY_LEVELS = 10 -- pending lists <prefix>0 .. <prefix>9; 9 is claimed first

-- The one clock: the caller's injected time in ms, or Redis TIME when ARGV carries ''.
local function resolve_now(arg)
  if arg ~= nil and arg ~= '' then
    return tonumber(arg)
  end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function pending_total(pending_prefix)
  local total = 0
  for p = 0, PRIORITY_LEVELS - 1 do
    total = total + redis.call('LLEN', pending_prefix .. p)
  end
  return total
end

-- Idle workers subscribe to the wake channel; one message per empty -> non-empty transition is enough.
local function wake_if_was_empty(was_empty, pushed, wake_channel)
  if was_empty and pushed > 0 then
    redis.call('PUBLISH', wake_channel, '1')
  end
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

-- 'ok' when the lease token is the current one of a running task; otherwise why not.
local function check_lease(task_key, token)
  local f = redis.call('HMGET', task_key, 'status', 'token')
  if not f[1] then
    return 'not_found'
  end
  if f[1] ~= 'running' or f[2] ~= token then
    return 'lease_lost'
  end
  return 'ok'
end

-- Moves due ids of a ZSET (scheduled or retry) to the back of their pending list. Returns how many.
local function promote_due(set_key, pending_prefix, task_prefix, now, limit)
  local due = redis.call('ZRANGEBYSCORE', set_key, '-inf', now, 'WITHSCORES', 'LIMIT', 0, limit)
  local moved = 0
  for i = 1, #due, 2 do
    local id, due_at = due[i], due[i + 1]
    local task_key = task_prefix .. id
    redis.call('ZREM', set_key, id)
    local f = redis.call('HMGET', task_key, 'status', 'priority')
    if f[1] then -- a missing hash is an orphan id: dropping it is the repair
      redis.call('LPUSH', pending_prefix .. (f[2] or '0'), id)
      redis.call('HSET', task_key, 'status', 'pending', 'readyAt', due_at)
      moved = moved + 1
    end
  end
  return moved
end

-- Where the next scheduled or retry task becomes due (ms), or -1 when none is waiting.
local function next_due(scheduled_key, retry_key)
  local best = -1
  for _, key in ipairs({ scheduled_key, retry_key }) do
    local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    if first[2] then
      local at = tonumber(first[2])
      if best < 0 or at < best then
        best = at
      end
    end
  end
  return best
end
