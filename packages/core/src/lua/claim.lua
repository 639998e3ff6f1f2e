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

  ARGV[1] now ms ('' = Redis TIME)
  ARGV[2] count: most tasks to lease
  ARGV[3] lease ms
  ARGV[4] token nonce: random per call; the lease token is "<nonce>.<n>"
  ARGV[5] most due tasks to promote from each of scheduled and retry
  ARGV[6] wake channel

  Returns {now, nextDueAt (-1 = none, or not computed when all `count` tasks were found), tasks}; each is
    {id, token, attempt, type, payload, maxAttempts, timeoutMs|false, createdAt, readyAt}
  A pending id without a hash is dropped (orphan repair) and not returned.
]]
-- @include common

local pending_prefix = KEYS[1]
local scheduled_key = KEYS[2]
local retry_key = KEYS[3]
local running_key = KEYS[4]
local meta_key = KEYS[5]
local task_prefix = KEYS[6]

local now = resolve_now(ARGV[1])
local count = tonumber(ARGV[2])
local lease_ms = tonumber(ARGV[3])
local nonce = ARGV[4]
local promote_limit = tonumber(ARGV[5])
local wake_channel = ARGV[6]

local promoted = promote_due(scheduled_key, pending_prefix, task_prefix, now, promote_limit)
  + promote_due(retry_key, pending_prefix, task_prefix, now, promote_limit)

-- LMPOP over the pending lists from the highest priority down: one command finds the first non-empty.
-- (unpack must come last in a call, so the arguments are built in one table.)
local lmpop = { 'LMPOP', PRIORITY_LEVELS }
for p = PRIORITY_LEVELS - 1, 0, -1 do
  lmpop[#lmpop + 1] = pending_prefix .. p
end
lmpop[#lmpop + 1] = 'RIGHT'
lmpop[#lmpop + 1] = 'COUNT'
local count_at = #lmpop + 1

local claimed = {}
if redis.call('HEXISTS', meta_key, 'paused') == 0 then
  while #claimed < count do
    lmpop[count_at] = count - #claimed
    local popped = redis.call(unpack(lmpop))
    if not popped then
      break
    end
    for _, id in ipairs(popped[2]) do
      local task_key = task_prefix .. id
      local f = redis.call('HMGET', task_key, 'type', 'payload', 'maxAttempts', 'timeoutMs', 'createdAt', 'readyAt', 'attempt')
      if f[1] then
        local attempt = tonumber(f[7] or '0') + 1
        local token = nonce .. '.' .. (#claimed + 1)
        redis.call('HSET', task_key, 'status', 'running', 'token', token, 'startedAt', now, 'attempt', attempt)
        redis.call('ZADD', running_key, now + lease_ms, id)
        claimed[#claimed + 1] = { id, token, attempt, f[1], f[2], f[3], f[4], f[5], f[6] or f[5] }
      end
    end
  end
end

-- Promoted tasks this call left in pending should wake the other workers.
if promoted > 0 and #claimed == count then
  redis.call('PUBLISH', wake_channel, '1')
end
-- A worker that got less than it asked for is about to idle: tell it when the next task is due.
local due = -1
if #claimed < count then
  due = next_due(scheduled_key, retry_key)
end
return { now, due, claimed }
