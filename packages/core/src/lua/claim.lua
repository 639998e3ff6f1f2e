--[[
  claim: promotes due scheduled/retry tasks, then leases up to `count` pending tasks, highest priority
  first and FIFO within a priority. The attempt is counted here, so a task that kills its worker every
  time still runs out of attempts.

  KEYS[1] pending prefix  tq:{q}:pending:  (lists <prefix>0..9 derived from it)
  KEYS[2] scheduled       tq:{q}:scheduled
  KEYS[3] retry           tq:{q}:retry
  KEYS[4] running         tq:{q}:running   ZSET score = lease deadline ms
  KEYS[5] meta            tq:{q}:meta      HASH (field paused)
  KEYS[6] task prefix     tq:{q}:task:
  KEYS[7] events          tq:{q}:events    STREAM (lua/lib/events.lua)

  ARGV[1] now ms ('' = Redis TIME)
  ARGV[2] count: most tasks to lease
  ARGV[3] lease ms
  ARGV[4] token nonce: random per call, without spaces; the lease token is "<nonce>.<n>"
  ARGV[5] most due tasks to promote from each of scheduled and retry
  ARGV[6] wake channel

  Returns {now, nextDueAt (-1 = none, or not computed when all `count` tasks were found), tasks}, where
    tasks holds two strings per task (a client pays for every reply element it decodes):
    "<id> <token> <attempt> <maxAttempts> <timeoutMs or ''> <createdAt> <readyAt> <traceparent or ''> <type>" (the type last:
    it is the rest of the string), then the payload.
  A pending id without a hash is dropped (orphan repair) and not returned.
]]
-- @include events
-- @include common
-- @include claim

local pending_prefix = KEYS[1]
local scheduled_key = KEYS[2]
local retry_key = KEYS[3]
local running_key = KEYS[4]
local meta_key = KEYS[5]
local task_prefix = KEYS[6]
local events_key = KEYS[7]

local now = resolve_now(ARGV[1])
local count = tonumber(ARGV[2])
local lease_ms = tonumber(ARGV[3])
local nonce = ARGV[4]
local promote_limit = tonumber(ARGV[5])
local wake_channel = ARGV[6]

return claim_tasks(pending_prefix, scheduled_key, retry_key, running_key, meta_key, task_prefix, now, count,
  lease_ms, nonce, promote_limit, wake_channel, events_target(meta_key, events_key, now))
