--[[
  extend: moves the lease deadline of running tasks to now + lease ms (the heartbeat), counted from
  the time of the call like SQS ChangeMessageVisibility.

  KEYS[1] running      tq:{q}:running
  KEYS[2] task prefix  tq:{q}:task:

  ARGV[1] now ms ('' = Redis TIME)
  ARGV[2] lease ms
  ARGV[3] caller's deadline, ms on the clock of `now` ('' = none): past it the caller has given up on this
          call and its lease timer was not moved, so nothing is extended (ADR 0006)
  ARGV[4..] pairs: id, lease token

  Returns one code per pair: 'ok', 'cancel_requested' (extended, but an operator asked to cancel the task
  during this lease: the worker aborts the handler and acknowledges with finish_canceled, ADR 0019),
  'not_found' (no such task), 'lease_lost' (token not current); or, past the deadline, the single string
  'late'.
]]
-- @include common

local running_key = KEYS[1]
local task_prefix = KEYS[2]

local now = resolve_now(ARGV[1])
local lease_ms = tonumber(ARGV[2])
if past_deadline(ARGV[3], now) then
  return 'late'
end

local results = {}
for i = 4, #ARGV, 2 do
  local id, token = ARGV[i], ARGV[i + 1]
  local code = check_lease(task_prefix .. id, token)
  if code == 'ok' then
    redis.call('ZADD', running_key, now + lease_ms, id)
    -- Extended all the same: the lease must outlast the abort and the acknowledgement that follow.
    if redis.call('HGET', task_prefix .. id, 'cancelToken') == token then
      code = 'cancel_requested'
    end
  end
  results[#results + 1] = code
end
return results
