--[[
  claim: promotes due scheduled/retry tasks, then leases up to `count` pending tasks, highest priority
  first and FIFO within a priority, within the queue's limits, and in turn over the groups of a grouped
  queue (docs/scheduling.md). The attempt is counted here, so a task that kills its worker every time
  still runs out of attempts.

  KEYS[1] pending prefix  tq:{q}:pending:  (lists <prefix>0..9 derived from it)
  KEYS[2] scheduled       tq:{q}:scheduled
  KEYS[3] retry           tq:{q}:retry
  KEYS[4] running         tq:{q}:running   ZSET score = lease deadline ms
  KEYS[5] meta            tq:{q}:meta      HASH (paused, grouped, limits: lib/settings.lua; events mode)
  KEYS[6] task prefix     tq:{q}:task:
  KEYS[7] events          tq:{q}:events    STREAM (lua/lib/events.lua)
  KEYS[8] starts          tq:{q}:starts    ZSET '<lease token> <task id>' -> start ms: the rate window (lib/limits.lua)
  KEYS[9] group prefix    tq:{q}:g:        (group keys derived from it: lib/groups.lua)

  ARGV[1] now ms ('' = Redis TIME)
  ARGV[2] count: most tasks to lease
  ARGV[3] lease ms
  ARGV[4] token nonce: random per call, without spaces; the lease token is "<nonce>.<n>"
  ARGV[5] most due tasks to promote from each of scheduled and retry
  ARGV[6] wake channel
  ARGV[7] caller's deadline, ms on the clock of `now` ('' = none): past it the caller has given up on this
          call, so the claim leases nothing and answers limitedBy 'deadline' (ADR 0006)
  ARGV[8] the claiming worker's id, stored on each leased task as `worker` (absent or '' = none)

  Returns {now, nextDueAt, tasks, limitedBy, retryAt}:
    nextDueAt  when the next scheduled or retry task is due (-1 = none, or not computed when all `count`
               tasks were found); `now` when a grouped claim stopped at its budget with tasks maybe left
    tasks      two strings per task, "<id> <token> <attempt> <maxAttempts> <timeoutMs or ''> <createdAt>
               <readyAt> <traceparent or ''> <type>" (the type last: it is the rest of the string) and the
               payload; from two tasks on packed into one string (ADR 0054; a client pays for every reply
               element it decodes): the number of strings and the byte length of each as 4-byte big-endian
               numbers, then the strings one after the other
    limitedBy  'deadline' (see ARGV[7]), '' or the limit that stopped the claim short of `count`: 'concurrency' (a wake message
               follows when a running task ends) or 'rate'
    retryAt    with 'rate', when the next start fits in the window, ms; else -1
  A pending id without a hash is dropped (orphan repair) and not returned.
]]
-- @include events
-- @include common
-- @include settings
-- @include groups
-- @include limits
-- @include claim

local pending_prefix = KEYS[1]
local scheduled_key = KEYS[2]
local retry_key = KEYS[3]
local running_key = KEYS[4]
local meta_key = KEYS[5]
local task_prefix = KEYS[6]
local events_key = KEYS[7]
local starts_key = KEYS[8]
local group_prefix = KEYS[9]

local now, now_arg = resolve_now(ARGV[1])
local count = tonumber(ARGV[2])
local lease_ms = tonumber(ARGV[3])
local nonce = ARGV[4]
local promote_limit = ARGV[5] -- a string: it goes to Redis as it came (int_arg)
local wake_channel = ARGV[6]

local claimed
if past_deadline(ARGV[7], now) then
  claimed = late_claim(now)
else
  local qs = queue_state(meta_key, group_prefix, wake_channel, now_arg)
  claimed = claim_tasks(qs, pending_prefix, scheduled_key, retry_key, running_key, starts_key, task_prefix, now,
    count, lease_ms, nonce, promote_limit, settings_and_events(qs, events_key, now), ARGV[8] or '')
end
claimed[3] = packed_rows(claimed[3])
return claimed
