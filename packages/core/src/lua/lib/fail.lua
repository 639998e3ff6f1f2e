-- Records one failed attempt: the body of fail and postpone (see fail.lua). Needs events, common, settings,
-- groups.

-- A running task whose lease was checked leaves running with `message` in its error history: to dead
-- when `permanent_reason` is not '' or its attempts are spent, else to retry in `delay_ms`. Returns
-- 'dead' or 'retry'. `events`: the event stream target (events_target) or nil.
local function fail_attempt(qs, running_key, retry_key, dead_key, task_key, id, group, now, message, delay_ms,
                            permanent_reason, history_max, retry_due, events)
  local f = redis.call('HMGET', task_key, 'attempt', 'maxAttempts', 'm') -- either format (ADR 0045)
  local attempt, max_attempts = tonumber(f[1]), tonumber(f[2] or f[3] or DEFAULT_MAX_ATTEMPTS)
  redis.call('ZREM', running_key, id)
  end_lease(qs, task_key, group, false)
  record_error(task_key, attempt, now, message, history_max)
  if permanent_reason ~= '' or attempt >= max_attempts then
    local reason = permanent_reason ~= '' and permanent_reason or 'max_attempts'
    redis.call('ZADD', dead_key, now, id)
    redis.call('HSET', task_key, 'status', 'dead', 'deadReason', reason, 'finishedAt', now)
    emit_event(events, id, 'dead', reason)
    return 'dead'
  end
  local run_at = now + tonumber(delay_ms)
  track_due(retry_due, run_at)
  redis.call('ZADD', retry_key, run_at, id)
  redis.call('HSET', task_key, 'status', 'retry', 'runAt', run_at)
  emit_event(events, id, 'retry')
  return 'retry'
end
