--[[
  claim: promotes due scheduled/retry tasks, then leases up to `count` pending tasks, highest priority
  first and FIFO within a priority, within the queue's limits, and in turn over the groups of a grouped
  queue (docs/scheduling.md). The attempt is counted here, so a task that kills its worker every time
  still runs out of attempts.

  KEYS[1] the queue's key base  tq:{q}:  (ADR 0052, 0056: the script derives the names it uses from it, spelled
          as in keys.ts, made once per base (queue_names in lib/common.lua): pending:<0..9> LISTs (9 first),
          scheduled and retry ZSETs, running ZSET (score = lease deadline ms), meta HASH (paused, grouped,
          limits: lib/settings.lua; events mode), task:<id> HASHes, events STREAM (lib/events.lua), starts
          ZSET '<lease token> <task id>' -> start ms (the rate window, lib/limits.lua), the group keys g:...
          (lib/groups.lua), and the wake channel: '1' when promoted tasks are left for other workers)

  ARGV[1] now ms ('' = Redis TIME)
  ARGV[2] count: most tasks to lease
  ARGV[3] lease ms
  ARGV[4] token nonce: random per call, without spaces; the lease token is "<nonce>.<n>"
  ARGV[5] caller's deadline, ms on the clock of `now` (absent or '' = none): past it the caller has given up
          on this call, so the claim leases nothing and answers limitedBy 'deadline' (ADR 0006)
  ARGV[6] the claiming worker's id, stored on each leased task as `worker` (absent or '' = none)
  ARGV[7] most due tasks to promote from each of scheduled and retry (absent = 1000)
  The caller leaves out trailing arguments at their default: each costs Redis ~1.25 k instructions.

  Returns one string (claim_reply in lib/claim.lua, ADR 0060): the line "<now> <nextDueAt> <retryAt> <limitedBy>",
  then the leased tasks packed:
    nextDueAt  when the next scheduled or retry task is due (-1 = none, or not computed when all `count`
               tasks were found); `now` when a grouped claim stopped at its budget with tasks maybe left
    retryAt    with limitedBy 'rate', when the next start fits in the window, ms; else -1
    limitedBy  'deadline' (see ARGV[5]), '' or the limit that stopped the claim short of `count`: 'concurrency' (a wake message
               follows when a running task ends) or 'rate'
    tasks      two strings per task, "<id> <token> <attempt> <maxAttempts> <timeoutMs or ''> <createdAt>
               <readyAt> <traceparent or ''> <type>" (the type last: it is the rest of the string) and the
               payload, packed (ADR 0054): the number of strings and the byte length of each as 4-byte
               big-endian numbers, then the strings one after the other; nothing when no task was leased
  A pending id without a hash is dropped (orphan repair) and not returned.
]]
-- @include events
-- @include common
-- @include settings
-- @include groups
-- @include limits
-- @include claim

local k = queue_names(KEYS[1])

local now, now_arg = resolve_now(ARGV[1])
local claimed
if past_deadline(ARGV[5], now) then
  claimed = late_claim(now)
else
  local qs = queue_state(k.meta, k.group, k.wake, now_arg)
  local events, delayed = claim_settings(qs, k.scheduled, k.retry, k.events, now)
  claimed = claim_tasks(qs, k, now, tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[7] or '1000', events,
    ARGV[6] or '', delayed)
end
return claim_reply(claimed, now_arg)
