--[[
  complete_and_claim: complete, then claim, in one call: a worker acknowledges the tasks its handlers
  finished and leases the next ones in one round trip (like BullMQ's moveToFinished with fetchNext). Each
  half does exactly what `complete` and `claim` do (lua/lib/finish.lua, lua/lib/claim.lua).

  KEYS[1..9] and ARGV[1..8] are claim's (claim.lua) in its order, so one builder in queue.ts makes both calls;
  complete's keys follow.
  KEYS[1] pending prefix  tq:{q}:pending:  (lists <prefix>0..9 derived from it)
  KEYS[2] scheduled       tq:{q}:scheduled
  KEYS[3] retry           tq:{q}:retry
  KEYS[4] running         tq:{q}:running   ZSET score = lease deadline ms
  KEYS[5] meta            tq:{q}:meta      HASH (paused, grouped, limits: lib/settings.lua; events mode)
  KEYS[6] task prefix     tq:{q}:task:
  KEYS[7] events          tq:{q}:events    STREAM (lua/lib/events.lua)
  KEYS[8] starts          tq:{q}:starts    ZSET: the rate window (lib/limits.lua)
  KEYS[9] group prefix    tq:{q}:g:        (group keys derived from it: lib/groups.lua)
  KEYS[10] done           tq:{q}:done      ZSET score = finished-at ms (retention trims it)
  KEYS[11] history prefix tq:{q}:history:  (per-hour counts <prefix><hour>, see lib/history.lua)

  ARGV[1] now ms ('' = Redis TIME)
  ARGV[2] count: most tasks to lease
  ARGV[3] lease ms
  ARGV[4] token nonce: random per call, without spaces; the lease token is "<nonce>.<n>"
  ARGV[5] most due tasks to promote from each of scheduled and retry
  ARGV[6] wake channel
  ARGV[7] caller's deadline, ms on the clock of `now` ('' = none): past it the completes still run (a
          lease token makes them safe whenever they run) but the claim leases nothing (as claim, ADR 0006)
  ARGV[8] the claiming worker's id, stored on each leased task as `worker` ('' = none)
  ARGV[9] what each task to complete carries: '2' id and lease token; '3' id, lease token, result JSON
  ARGV[10..] the tasks to complete first (as complete's ARGV[3..])

  Returns {codes, now, nextDueAt, tasks, limitedBy, retryAt}: `codes` as complete returns them ('' when every
  task was completed, else one code per task joined by spaces); the rest as claim returns it.
]]
-- @include events
-- @include common
-- @include settings
-- @include groups
-- @include limits
-- @include finish
-- @include claim
-- @include history

local pending_prefix = KEYS[1]
local scheduled_key = KEYS[2]
local retry_key = KEYS[3]
local running_key = KEYS[4]
local meta_key = KEYS[5]
local task_prefix = KEYS[6]
local events_key = KEYS[7]
local starts_key = KEYS[8]
local group_prefix = KEYS[9]
local done_key = KEYS[10]
local history_prefix = KEYS[11]

local now, now_arg = resolve_now(ARGV[1])
local count = tonumber(ARGV[2])
local lease_ms = tonumber(ARGV[3])
local nonce = ARGV[4]
local promote_limit = ARGV[5] -- a string: it goes to Redis as it came (int_arg)
local wake_channel = ARGV[6]
local qs = queue_state(meta_key, group_prefix, wake_channel, now_arg)
local events = settings_and_events(qs, events_key, now)

local codes, completed = complete_tasks(qs, running_key, done_key, task_prefix, now, events, ARGV, 10,
  tonumber(ARGV[9]))
count_ended(history_prefix, now, completed, 0)
local claimed
if past_deadline(ARGV[7], now) then
  claimed = late_claim(now)
else
  claimed = claim_tasks(qs, pending_prefix, scheduled_key, retry_key, running_key, starts_key, task_prefix, now,
    count, lease_ms, nonce, promote_limit, events, ARGV[8])
end
-- The completes may have freed room under the concurrency limit that this claim did not fill.
running_ended(qs, running_key, completed - #claimed[3] / 2)
send_wake(qs)
-- The tasks packed (packed_rows, ADR 0054): a few reply elements per call.
return { codes, claimed[1], claimed[2], packed_rows(claimed[3]), claimed[4], claimed[5] }
