-- Task events: the one place a script writes to the queue's event stream (see ADR 0020). Include it
-- before common (promote_due there emits).

-- Entries kept per queue stream, about (MAXLEN ~ trims whole radix-tree nodes, so a little more may stay).
local EVENTS_MAX_LEN = 10000

-- The stream key when this queue's events are written now, else nil. Mode `events` in the meta hash:
-- 'on' always, 'off' never, absent ('auto') only while an API holds a listener lease (eventsUntil, ms,
-- renewed by events_listen while it has SSE clients), so a queue nobody watches pays one HMGET per call.
local function events_written(mode, until_ms, now)
  return mode == 'on' or (mode ~= 'off' and until_ms and tonumber(until_ms) > now)
end

local function events_target(meta_key, events_key, now)
  local f = redis.call('HMGET', meta_key, 'events', 'eventsUntil')
  if events_written(f[1], f[2], now) then
    return events_key
  end
  return nil
end

-- Appends one event {t = local task id, e = kind, v = value} when `target` (from events_target) is set.
-- Kinds are the task statuses a transition leads to, and 'progress'. Values: the attempt for 'running', the
-- reason for 'dead', the JSON value for 'progress'; none otherwise. The entry id (ms-seq) is the event time.
local function emit_event(target, id, kind, value)
  if not target then
    return
  end
  if value then
    redis.call('XADD', target, 'MAXLEN', '~', EVENTS_MAX_LEN, '*', 't', id, 'e', kind, 'v', value)
  else
    redis.call('XADD', target, 'MAXLEN', '~', EVENTS_MAX_LEN, '*', 't', id, 'e', kind)
  end
end
