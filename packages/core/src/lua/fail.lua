--[[
  fail: records a failed attempt of running tasks. The task waits in retry for its backoff delay, or
  goes to dead when the error is permanent or its attempts are spent. The error joins its history.

  KEYS[1] running      tq:{q}:running
  KEYS[2] retry        tq:{q}:retry     ZSET score = next attempt ms
  KEYS[3] dead         tq:{q}:dead      ZSET score = dead-at ms
  KEYS[4] task prefix  tq:{q}:task:
  KEYS[5] history prefix tq:{q}:history:  (per-hour counts <prefix><hour>, see lib/history.lua)
  KEYS[6] meta         tq:{q}:meta      HASH (events mode)
  KEYS[7] events       tq:{q}:events    STREAM (lua/lib/events.lua)

  ARGV[1] now ms ('' = Redis TIME)
  ARGV[2] most entries kept in the error history
  ARGV[3] wake channel: 'due:<ms>' when a retry now comes first (see wake_for_due)
  ARGV[4..] 5 fields per task: id, lease token, error message, retry delay ms,
            dead reason when permanent ('' = retryable; 'max_attempts' is used when attempts run out)

  Returns one code per task: 'retry', 'dead', 'not_found', 'lease_lost'.
]]
-- @include events
-- @include common
-- @include history

local running_key = KEYS[1]
local retry_key = KEYS[2]
local dead_key = KEYS[3]
local task_prefix = KEYS[4]
local history_prefix = KEYS[5]
local meta_key = KEYS[6]
local events_key = KEYS[7]

local now = resolve_now(ARGV[1])
local history_max = tonumber(ARGV[2])
local wake_channel = ARGV[3]
local events = events_target(meta_key, events_key, now)

local retry_due = due_tracker(retry_key)
local results = {}
local failed = 0
for i = 4, #ARGV, 5 do
  local id, token, message, delay_ms, permanent_reason = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  local task_key = task_prefix .. id
  local code = check_lease(task_key, token)
  if code == 'ok' then
    local f = redis.call('HMGET', task_key, 'attempt', 'maxAttempts')
    local attempt, max_attempts = tonumber(f[1]), tonumber(f[2])
    redis.call('ZREM', running_key, id)
    redis.call('HDEL', task_key, 'token')
    record_error(task_key, attempt, now, message, history_max)
    if permanent_reason ~= '' or attempt >= max_attempts then
      local reason = permanent_reason ~= '' and permanent_reason or 'max_attempts'
      redis.call('ZADD', dead_key, now, id)
      redis.call('HSET', task_key, 'status', 'dead', 'deadReason', reason, 'finishedAt', now)
      emit_event(events, id, 'dead', reason)
      code = 'dead'
    else
      local run_at = now + tonumber(delay_ms)
      track_due(retry_due, run_at)
      redis.call('ZADD', retry_key, run_at, id)
      redis.call('HSET', task_key, 'status', 'retry', 'runAt', run_at)
      emit_event(events, id, 'retry')
      code = 'retry'
    end
    failed = failed + 1
  end
  results[#results + 1] = code
end
wake_for_due(wake_channel, retry_due, now)
count_ended(history_prefix, now, failed, failed)
return results
