--[[
  cancel: stops tasks. One that is not running goes to canceled at once (pending, scheduled or retry ->
  canceled). A running one, when ARGV[3] asks for it, gets a cancel request bound to its current lease
  (cancelToken = its lease token, cancelAt = now): its worker reads it in the answer of its next lease
  extension (extend.lua answers 'cancel_requested'), aborts the handler and acknowledges with that token
  (finish_canceled.lua); a request bound to an older lease means nothing (ADR 0019).

  KEYS[1] pending prefix  tq:{q}:pending:
  KEYS[2] scheduled       tq:{q}:scheduled
  KEYS[3] retry           tq:{q}:retry
  KEYS[4] canceled        tq:{q}:canceled  ZSET score = canceled-at ms
  KEYS[5] task prefix     tq:{q}:task:
  KEYS[6] meta            tq:{q}:meta      HASH (events mode)
  KEYS[7] events          tq:{q}:events    STREAM (lua/lib/events.lua)
  KEYS[8] group prefix    tq:{q}:g:        (group keys derived from it: lib/groups.lua)

  ARGV[1] now ms ('' = Redis TIME)
  ARGV[2] '1': request the cancel of running tasks; '0': refuse them ('running')
  ARGV[3..] ids

  Returns one {code, status before} per id: code 'canceled', 'cancel_requested' (running; asked again, it
  answers the same and keeps the first request's time), 'running' (refused: ARGV[2] is '0'), 'finished'
  (refused: already done, dead or canceled), 'not_found'.
  Canceling a pending task is O(pending tasks of its priority, in its group) (LREM).
]]
-- @include events
-- @include common
-- @include settings
-- @include groups

local pending_prefix = KEYS[1]
local scheduled_key = KEYS[2]
local retry_key = KEYS[3]
local canceled_key = KEYS[4]
local task_prefix = KEYS[5]
local meta_key = KEYS[6]
local events_key = KEYS[7]
local group_prefix = KEYS[8]

local now = resolve_now(ARGV[1])
local cancel_running = ARGV[2] == '1'
local events = events_target(meta_key, events_key, now)
local qs = nil

local results = {}
for i = 3, #ARGV do
  local id = ARGV[i]
  local task_key = task_prefix .. id
  local f = redis.call('HMGET', task_key, 'status', 'priority', 'group', 'token', 'cancelToken', 't')
  local status = task_status(f[1], f[6])
  local code = 'canceled'
  if not status then
    code, status = 'not_found', ''
  elseif status == 'running' then
    if not cancel_running then
      code = 'running'
    else
      code = 'cancel_requested'
      if f[5] ~= f[4] then
        redis.call('HSET', task_key, 'cancelToken', f[4], 'cancelAt', now)
      end
    end
  elseif status == 'pending' and f[3] then
    qs = qs or queue_state(meta_key, group_prefix, nil)
    redis.call('LREM', group_list_prefix(qs, f[3]) .. (f[2] or '0'), 1, id)
    group_canceled(qs, f[3])
  elseif status == 'pending' then
    redis.call('LREM', pending_prefix .. (f[2] or '0'), 1, id)
  elseif status == 'scheduled' then
    redis.call('ZREM', scheduled_key, id)
  elseif status == 'retry' then
    redis.call('ZREM', retry_key, id)
  else
    code = 'finished'
  end
  if code == 'canceled' then
    redis.call('ZADD', canceled_key, now, id)
    redis.call('HSET', task_key, 'status', 'canceled', 'finishedAt', now)
    emit_event(events, id, 'canceled')
  end
  results[#results + 1] = { code, status }
end
return results
