--[[
  complete_and_claim: complete, then claim, in one call: a worker acknowledges the tasks its handlers
  finished and leases the next ones in one round trip (like BullMQ's moveToFinished with fetchNext). Each
  half does exactly what `complete` and `claim` do (lua/lib/finish.lua, lua/lib/claim.lua).

  KEYS[1] the queue's key base  tq:{q}:  as claim's (claim.lua), which also names done (ZSET score =
          finished-at ms, retention trims it) and history:<hour> (per-hour counts, lib/history.lua)

  ARGV[1..7] are claim's (claim.lua) in its order, so one builder in queue.ts makes both calls; here each is
  sent, the defaults too: complete's arguments follow them.
  ARGV[1] now ms ('' = Redis TIME)
  ARGV[2] count: most tasks to lease
  ARGV[3] lease ms
  ARGV[4] token nonce: random per call, without spaces; the lease token is "<nonce>.<n>"
  ARGV[5] caller's deadline, ms on the clock of `now` ('' = none): past it the completes still run (a
          lease token makes them safe whenever they run) but the claim leases nothing (as claim, ADR 0006)
  ARGV[6] the claiming worker's id, stored on each leased task as `worker` ('' = none)
  ARGV[7] most due tasks to promote from each of scheduled and retry
  ARGV[8] what each task to complete carries: '2' id and lease token; '3' id, lease token, result JSON
  ARGV[9..] the tasks to complete first (as complete's ARGV[3..])

  Returns one string: the line of `codes` as complete returns them ('' when every task was completed, else one
  code per task joined by spaces), then what claim returns (claim_reply in lib/claim.lua, ADR 0060).
]]
-- @include events
-- @include common
-- @include settings
-- @include groups
-- @include limits
-- @include finish
-- @include claim
-- @include history

local k = queue_names(KEYS[1])

local now, now_arg = resolve_now(ARGV[1])
local qs = queue_state(k.meta, k.group, k.wake, now_arg)
local events, delayed = claim_settings(qs, k.scheduled, k.retry, k.events, now)

-- The completed tasks leave the running set after the claim's leases have joined it (ADR 0056): at 1x100 the
-- set then holds old and new leases for a moment, goes past zset-max-listpack-entries (128) once and stays a
-- skiplist, instead of emptying every call and taking each batch one by one into a listpack, which scans the
-- whole set per entry added or removed (~20 k of ~110 k instructions per task).
local codes, completed, moving = complete_tasks(qs, k.running, k.done, k.task, now, events, ARGV, 9,
  tonumber(ARGV[8]), true)
if moving and completed > 1 then
  qs.ended_running = completed - 1 -- the first left at once (complete_tasks)
end
count_ended(k.history, now, completed, 0)
local claimed
if past_deadline(ARGV[5], now) then
  claimed = late_claim(now)
else
  claimed = claim_tasks(qs, k, now, tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[7], events, ARGV[6],
    delayed)
end
if moving then
  move_ended(k.running, k.done, qs.now_arg or now, moving)
end
-- The completes may have freed room under the concurrency limit that this claim did not fill.
running_ended(qs, k.running, completed - #claimed[3] / 2)
send_wake(qs)
return claim_reply(claimed, now_arg, codes)
