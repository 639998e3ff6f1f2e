--[[
  fail: records a failed attempt of running tasks. The task waits in retry for its backoff delay, or
  goes to dead when the error is permanent or its attempts are spent. The error joins its history.

  KEYS[1] running        tq:{q}:running
  KEYS[2] retry          tq:{q}:retry     ZSET score = next attempt ms
  KEYS[3] dead           tq:{q}:dead      ZSET score = dead-at ms
  KEYS[4] task prefix    tq:{q}:task:
  KEYS[5] history prefix tq:{q}:history:  (per-hour counts <prefix><hour>, see lib/history.lua)
  KEYS[6] meta           tq:{q}:meta      HASH (events mode; limits: lib/settings.lua)
  KEYS[7] events         tq:{q}:events    STREAM (lua/lib/events.lua)
  KEYS[8] group prefix   tq:{q}:g:        (group keys derived from it: lib/groups.lua)

  ARGV[1] now ms ('' = Redis TIME)
  ARGV[2] most entries kept in the error history
  ARGV[3] wake channel: 'due:<ms>' when a retry now comes first (see wake_for_due); '1' when the queue
          drops below its concurrency limit, or a group below its own
  ARGV[4..] 5 fields per task: id, lease token, error message, retry delay ms,
            dead reason when permanent ('' = retryable; 'max_attempts' is used when attempts run out)

  Returns one code per task: 'retry', 'dead', 'not_found', 'lease_lost'.
]]
-- @include events
-- @include common
-- @include settings
-- @include groups
-- @include fail
-- @include history

local running_key = KEYS[1]
local retry_key = KEYS[2]
local dead_key = KEYS[3]
local task_prefix = KEYS[4]
local history_prefix = KEYS[5]
local meta_key = KEYS[6]
local events_key = KEYS[7]
local group_prefix = KEYS[8]

local now = resolve_now(ARGV[1])
local history_max = tonumber(ARGV[2])
local wake_channel = ARGV[3]
local events = events_target(meta_key, events_key, now)
local qs = queue_state(meta_key, group_prefix, wake_channel)

local retry_due = due_tracker(retry_key)
local results = {}
local failed = 0
for i = 4, #ARGV, 5 do
  local id, token, message, delay_ms, permanent_reason = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  local task_key = task_prefix .. id
  local code, group = check_lease(task_key, token)
  if code == 'ok' then
    code = fail_attempt(qs, running_key, retry_key, dead_key, task_key, id, group, now, message, delay_ms,
      permanent_reason, history_max, retry_due, events)
    failed = failed + 1
  end
  results[#results + 1] = code
end
wake_for_due(wake_channel, retry_due, now)
count_ended(history_prefix, now, failed, failed)
running_ended(qs, running_key, failed)
send_wake(qs)
return results
