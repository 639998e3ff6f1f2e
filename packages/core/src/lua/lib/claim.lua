-- Leases tasks: the body of claim and complete_and_claim (see claim.lua for the contract). Needs events, common.

-- Promotes due scheduled/retry tasks, then leases up to `count` pending tasks, highest priority first and
-- FIFO within a priority, counting each one's attempt. Returns {now, nextDueAt (-1 = none, or not computed
-- when all `count` tasks were found), tasks}, tasks being two strings per task (see claim.lua).
-- `events`: the event stream target (events_target) or nil.
local function claim_tasks(pending_prefix, scheduled_key, retry_key, running_key, meta_key, task_prefix, now,
                           count, lease_ms, nonce, promote_limit, wake_channel, events)
  local promoted = promote_due(scheduled_key, pending_prefix, task_prefix, now, promote_limit, events)
    + promote_due(retry_key, pending_prefix, task_prefix, now, promote_limit, events)

  -- LMPOP over the pending lists from the highest priority down: one command finds the first non-empty.
  -- (unpack must come last in a call, so the arguments are built in one table.)
  local lmpop = { 'LMPOP', PRIORITY_LEVELS }
  for p = PRIORITY_LEVELS - 1, 0, -1 do
    lmpop[#lmpop + 1] = pending_prefix .. p
  end
  lmpop[#lmpop + 1] = 'RIGHT'
  lmpop[#lmpop + 1] = 'COUNT'
  local count_at = #lmpop + 1

  -- Two strings per task, not a row of nine: the client decodes each reply element at a cost.
  local claimed = {}
  local n = 0
  if redis.call('HEXISTS', meta_key, 'paused') == 0 then
    while n < count do
      lmpop[count_at] = count - n
      local popped = redis.call(unpack(lmpop))
      if not popped then
        break
      end
      for _, id in ipairs(popped[2]) do
        local task_key = task_prefix .. id
        local f = redis.call('HMGET', task_key, 'type', 'payload', 'maxAttempts', 'timeoutMs', 'createdAt', 'readyAt', 'attempt',
          'traceparent')
        if f[1] then
          n = n + 1
          local attempt = tonumber(f[7] or '0') + 1
          local token = nonce .. '.' .. n
          redis.call('HSET', task_key, 'status', 'running', 'token', token, 'startedAt', now, 'attempt', attempt)
          redis.call('ZADD', running_key, now + lease_ms, id)
          emit_event(events, id, 'running', attempt)
          claimed[#claimed + 1] = table.concat({ id, token, attempt, f[3], f[4] or '', f[5], f[6] or f[5], f[8] or '', f[1] },
            ' ')
          claimed[#claimed + 1] = f[2]
        end
      end
    end
  end

  -- Promoted tasks this call left in pending should wake the other workers.
  if promoted > 0 and n == count then
    redis.call('PUBLISH', wake_channel, '1')
  end
  -- A worker that got less than it asked for is about to idle: tell it when the next task is due.
  local due = -1
  if n < count then
    due = next_due(scheduled_key, retry_key)
  end
  return { now, due, claimed }
end
