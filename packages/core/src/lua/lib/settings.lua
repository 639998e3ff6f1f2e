-- A queue's settings, read at most once per script call, and the wake message a call owes the idle
-- workers (docs/scheduling.md). Needs events (before it) and common.

-- The state of one script call over one queue: its meta hash and group prefix (tq:{q}:meta, tq:{q}:g:),
-- the settings once read, and whether the workers waiting on `wake_channel` must be woken at the end.
-- `now_arg`: the call's time as resolve_now's string (nil = none: the number goes to Redis as it is).
-- `ended_running`: entries of the running set whose lease the call has ended but not yet moved out (set by
-- complete_and_claim; a claim's concurrency limit does not count them).
local function queue_state(meta_key, group_prefix, wake_channel, now_arg)
  return { meta = meta_key, group_prefix = group_prefix, wake_channel = wake_channel, settings = nil, wake = false,
    now_arg = now_arg, ended_running = 0 }
end

-- The queue's settings from its meta hash: paused, grouped (it holds or held a task with a group), and
-- its limits (nil = none): rate_max starts per rate_period ms, concurrency, group_concurrency.
local function settings_from(f)
  return {
    paused = f[1] ~= false,
    grouped = f[2] ~= false,
    rate_max = tonumber(f[3]),
    rate_period = tonumber(f[4]),
    concurrency = tonumber(f[5]),
    group_concurrency = tonumber(f[6]),
  }
end

local function settings(qs)
  if not qs.settings then
    qs.settings = settings_from(redis.call('HMGET', qs.meta, 'paused', 'grouped', 'rateMax', 'ratePeriodMs',
      'concurrency', 'groupConcurrency'))
  end
  return qs.settings
end

-- For claim and complete_and_claim (ADR 0056): the settings (as settings), the event stream target (as
-- events_target) and whether scheduled or retry holds a task. The usual queue has no meta hash (no setting,
-- no events mode, not grouped) and nothing delayed: one EXISTS of the three keys says so, and the HMGET of
-- eight fields (~10 k instructions with its reply) is left out. A meta hash holding other fields only (the
-- partition layout, a lapsed field) reads as no settings, as before. Returns the event target (or nil),
-- then `delayed`.
local function claim_settings(qs, scheduled_key, retry_key, events_key, now)
  local found = redis.call('EXISTS', qs.meta, scheduled_key, retry_key)
  if found == 0 then
    qs.settings = { paused = false, grouped = false } -- a table per call: mark_grouped may change it
    return nil, false
  end
  local f = redis.call('HMGET', qs.meta, 'paused', 'grouped', 'rateMax', 'ratePeriodMs', 'concurrency',
    'groupConcurrency', 'events', 'eventsUntil')
  qs.settings = settings_from(f)
  local delayed = found >= 2
  if found == 1 then
    -- One of the three: the meta hash when it holds a field read here; else ask the two sets.
    local meta_read = false
    for i = 1, 8 do
      meta_read = meta_read or f[i] ~= false
    end
    delayed = not meta_read and redis.call('EXISTS', scheduled_key, retry_key) > 0
  end
  local events = nil
  if events_written(f[7], f[8], now) then
    events = events_key
  end
  return events, delayed
end

-- Call once `ended` tasks have left running: when that took the queue below its concurrency limit, the
-- workers the limit held back are owed a wake message.
local function running_ended(qs, running_key, ended)
  if ended > 0 then
    local limit = settings(qs).concurrency
    if limit then
      local after = redis.call('ZCARD', running_key)
      if after < limit and after + ended >= limit then
        qs.wake = true
      end
    end
  end
end

-- Publishes the wake message when the call owes one (or `also` says so): one per call. A wake has an id (`id`,
-- else the call's time, else '1'), pushed to the queue's signal list (kept to one element) and sent as the
-- message: a parked claim (ADR 0061) waiting on the list runs the moment it is pushed, and its worker knows the
-- message with that id for its own; the message wakes every other idle worker, as before.
local function send_wake(qs, also, id)
  if qs.wake or also then
    id = id or qs.now_arg or '1'
    local signal = string.sub(qs.wake_channel, 1, -5) .. 'signal' -- <base>wake -> <base>signal
    if redis.call('LPUSH', signal, id) > 1 then
      redis.call('LTRIM', signal, 0, 0)
    end
    redis.call('PUBLISH', qs.wake_channel, id)
  end
end
