-- A queue's settings, read at most once per script call, and the wake message a call owes the idle
-- workers (docs/scheduling.md). Needs events (before it) and common.

-- The state of one script call over one queue: its meta hash and group prefix (tq:{q}:meta, tq:{q}:g:),
-- the settings once read, and whether the workers waiting on `wake_channel` must be woken at the end.
-- `now_arg`: the call's time as resolve_now's string (nil = none: the number goes to Redis as it is).
local function queue_state(meta_key, group_prefix, wake_channel, now_arg)
  return { meta = meta_key, group_prefix = group_prefix, wake_channel = wake_channel, settings = nil, wake = false,
    now_arg = now_arg }
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

-- The settings (as settings) and the event stream target (as events_target) in one read of the meta hash,
-- for the scripts every task goes through (claim, complete, complete_and_claim): one HMGET fewer per call.
local function settings_and_events(qs, events_key, now)
  local f = redis.call('HMGET', qs.meta, 'paused', 'grouped', 'rateMax', 'ratePeriodMs', 'concurrency',
    'groupConcurrency', 'events', 'eventsUntil')
  qs.settings = settings_from(f)
  if events_written(f[7], f[8], now) then
    return events_key
  end
  return nil
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

-- Publishes the wake message when the call owes one (or `also` says so): one message per call.
local function send_wake(qs, also)
  if qs.wake or also then
    redis.call('PUBLISH', qs.wake_channel, '1')
  end
end
