-- Finishes one task: the body of complete and complete_and_claim (see complete.lua). Needs events, common,
-- settings, groups.

-- running -> done when `token` is the current lease; returns 'ok', 'not_found' or 'lease_lost'.
-- `events`: the event stream target (events_target) or nil.
local function complete_task(qs, running_key, done_key, task_prefix, now, id, token, result, events)
  local task_key = task_prefix .. id
  local code, group = check_lease(task_key, token)
  if code == 'ok' then
    redis.call('ZREM', running_key, id)
    redis.call('ZADD', done_key, now, id)
    -- A blank token is never current, so one HSET both finishes the task and ends its lease.
    if result ~= '' then
      redis.call('HSET', task_key, 'status', 'done', 'finishedAt', now, 'token', '', 'result', result)
    else
      redis.call('HSET', task_key, 'status', 'done', 'finishedAt', now, 'token', '')
    end
    if group then
      group_ended(qs, group)
    end
    emit_event(events, id, 'done')
  end
  return code
end
