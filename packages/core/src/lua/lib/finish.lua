-- Ends running tasks: the body of complete and complete_and_claim (see complete.lua), and of
-- finish_canceled. Needs events, common, settings, groups.

-- running -> `status` ('done' or 'canceled', also the event's name), scored now in `set_key`; `result` (''
-- or nil = none) is stored with it. The lease was checked by the caller; `group`: the task's group or nil.
local function finish_running(qs, running_key, set_key, task_key, id, group, status, now, events, result)
  local at = qs.now_arg or now
  redis.call('ZREM', running_key, id)
  redis.call('ZADD', set_key, at, id)
  -- A blank token is never current, so one HSET both finishes the task and ends its lease.
  if result and result ~= '' then
    redis.call('HSET', task_key, 'status', status, 'finishedAt', at, 'token', '', 'result', result)
  else
    redis.call('HSET', task_key, 'status', status, 'finishedAt', at, 'token', '')
  end
  if group then
    group_ended(qs, group)
  end
  emit_event(events, id, status)
end

-- running -> done when `token` is the current lease; returns 'ok', 'not_found' or 'lease_lost'.
-- `events`: the event stream target (events_target) or nil.
local function complete_task(qs, running_key, done_key, task_prefix, now, id, token, result, events)
  local task_key = task_prefix .. id
  local code, group = check_lease(task_key, token)
  if code == 'ok' then
    finish_running(qs, running_key, done_key, task_key, id, group, 'done', now, events, result)
  end
  return code
end
