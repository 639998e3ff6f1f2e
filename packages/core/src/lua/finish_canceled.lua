--[[
  finish_canceled: ends running tasks whose cancel was requested (cancel.lua with ARGV[2] '1') and whose
  worker has aborted the handler (running -> canceled). Neither retried nor dead: the attempt is not a
  failure. Acknowledged with the lease token like every acknowledgement, and only for a cancel requested
  during that very lease.

  KEYS[1] running        tq:{q}:running
  KEYS[2] canceled       tq:{q}:canceled  ZSET score = canceled-at ms
  KEYS[3] task prefix    tq:{q}:task:
  KEYS[4] history prefix tq:{q}:history:  (per-hour counts: the attempt ended, not failed; lib/history.lua)
  KEYS[5] meta           tq:{q}:meta      HASH (events mode; limits: lib/settings.lua)
  KEYS[6] events         tq:{q}:events    STREAM (lua/lib/events.lua)
  KEYS[7] group prefix   tq:{q}:g:        (group keys derived from it: lib/groups.lua)

  ARGV[1] now ms ('' = Redis TIME)
  ARGV[2] wake channel: '1' when the queue drops below its concurrency limit, or a group below its own
  ARGV[3..] pairs: id, lease token

  Returns one code per pair: 'ok', 'not_found', 'lease_lost' (token not current), 'not_requested' (the
  lease is current but nobody asked to cancel the task: it stays running).
]]
-- @include events
-- @include common
-- @include settings
-- @include groups
-- @include finish
-- @include history

local running_key = KEYS[1]
local canceled_key = KEYS[2]
local task_prefix = KEYS[3]
local history_prefix = KEYS[4]
local meta_key = KEYS[5]
local events_key = KEYS[6]
local group_prefix = KEYS[7]

local now = resolve_now(ARGV[1])
local qs = queue_state(meta_key, group_prefix, ARGV[2])
local events = ending_settings_and_events(qs, events_key, now)

local results = {}
local ended = 0
for i = 3, #ARGV, 2 do
  local id, token = ARGV[i], ARGV[i + 1]
  local task_key = task_prefix .. id
  local code, group = check_lease(task_key, token)
  if code == 'ok' and redis.call('HGET', task_key, 'cancelToken') ~= token then
    code = 'not_requested'
  end
  if code == 'ok' then
    finish_running(qs, running_key, canceled_key, task_key, id, group, 'canceled', now, events)
    ended = ended + 1
  end
  results[#results + 1] = code
end
count_ended(history_prefix, now, ended, 0)
running_ended(qs, running_key, ended)
send_wake(qs)
return results
