--[[
  postpone: a handler reported that what it calls is rate limiting it (RateLimitError): the running task
  waits in scheduled for the delay it was told, without spending its attempt (the next claim counts the
  same attempt again). A task is postponed at most ARGV[4] times; past that each one is a failed attempt,
  as fail records it (retry after the backoff delay, or dead when attempts are spent), so a task that is
  always rate limited still ends.

  KEYS[1] running        tq:{q}:running
  KEYS[2] scheduled      tq:{q}:scheduled ZSET score = run-at ms
  KEYS[3] retry          tq:{q}:retry     ZSET score = next attempt ms
  KEYS[4] dead           tq:{q}:dead      ZSET score = dead-at ms
  KEYS[5] task prefix    tq:{q}:task:     (field `postponed`: postponements so far)
  KEYS[6] history prefix tq:{q}:history:  (per-hour counts: a postponement is no ended attempt)
  KEYS[7] meta           tq:{q}:meta      HASH (events mode; limits: lib/settings.lua)
  KEYS[8] events         tq:{q}:events    STREAM (lua/lib/events.lua)
  KEYS[9] group prefix   tq:{q}:g:        (group keys derived from it: lib/groups.lua)

  ARGV[1] now ms ('' = Redis TIME)
  ARGV[2] most entries kept in the error history
  ARGV[3] wake channel: 'due:<ms>' when the task now comes first in scheduled or retry (see
          wake_for_due); '1' when the queue drops below its concurrency limit, or a group below its own
  ARGV[4] most postponements per task
  ARGV[5..] 4 fields per task: id, lease token, delay ms, retry delay ms (the backoff, when it counts as a
            failed attempt)

  Returns one code per task: 'postponed', or as fail: 'retry', 'dead', 'not_found', 'lease_lost'.
]]
-- @include events
-- @include common
-- @include settings
-- @include groups
-- @include fail
-- @include history

local running_key = KEYS[1]
local scheduled_key = KEYS[2]
local retry_key = KEYS[3]
local dead_key = KEYS[4]
local task_prefix = KEYS[5]
local history_prefix = KEYS[6]
local meta_key = KEYS[7]
local events_key = KEYS[8]
local group_prefix = KEYS[9]

local now = resolve_now(ARGV[1])
local history_max = tonumber(ARGV[2])
local wake_channel = ARGV[3]
local max_postponements = tonumber(ARGV[4])

local events = events_target(meta_key, events_key, now)
local qs = queue_state(meta_key, group_prefix, wake_channel)
local scheduled_due = due_tracker(scheduled_key)
local retry_due = due_tracker(retry_key)
local results = {}
local ended, failed = 0, 0
for i = 5, #ARGV, 4 do
  local id, token, delay_ms, retry_delay_ms = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local task_key = task_prefix .. id
  local code, group = check_lease(task_key, token)
  if code == 'ok' then
    local postponed = tonumber(redis.call('HGET', task_key, 'postponed') or '0')
    if postponed >= max_postponements then
      code = fail_attempt(qs, running_key, retry_key, dead_key, task_key, id, group, now,
        'rate limited: postponed ' .. postponed .. ' times, the most a task may be; this counts as a failed attempt',
        retry_delay_ms, '', history_max, retry_due, events)
      failed = failed + 1
    else
      local run_at = now + tonumber(delay_ms)
      redis.call('ZREM', running_key, id)
      track_due(scheduled_due, run_at)
      redis.call('ZADD', scheduled_key, run_at, id)
      end_lease(qs, task_key, group, true)
      redis.call('HSET', task_key, 'status', 'scheduled', 'runAt', run_at, 'postponed', postponed + 1)
      emit_event(events, id, 'scheduled')
      code = 'postponed'
    end
    ended = ended + 1
  end
  results[#results + 1] = code
end
wake_for_due(wake_channel, scheduled_due, now)
wake_for_due(wake_channel, retry_due, now)
count_ended(history_prefix, now, failed, failed)
running_ended(qs, running_key, ended)
send_wake(qs)
return results
