--[[
  release: gives running tasks back to the front of their pending list (the queue's or their group's)
  without spending an attempt (a worker shutting down before a handler finished), keeping their readyAt
  (see put_back).

  KEYS[1] pending prefix  tq:{q}:pending:
  KEYS[2] running         tq:{q}:running
  KEYS[3] task prefix     tq:{q}:task:
  KEYS[4] meta            tq:{q}:meta      HASH (events mode; limits: lib/settings.lua)
  KEYS[5] events          tq:{q}:events    STREAM (lua/lib/events.lua)
  KEYS[6] group prefix    tq:{q}:g:        (group keys derived from it: lib/groups.lua)

  ARGV[1] now ms ('' = Redis TIME)
  ARGV[2] wake channel
  ARGV[3..] pairs: id, lease token

  Returns one code per pair: 'ok', 'not_found', 'lease_lost'.
]]
-- @include events
-- @include common
-- @include settings
-- @include groups

local pending_prefix = KEYS[1]
local running_key = KEYS[2]
local task_prefix = KEYS[3]
local meta_key = KEYS[4]
local events_key = KEYS[5]
local group_prefix = KEYS[6]

local now = resolve_now(ARGV[1])
local wake_channel = ARGV[2]
local events = events_target(meta_key, events_key, now)
local qs = queue_state(meta_key, group_prefix, wake_channel)

local was_empty = pending_total(pending_prefix) == 0
local back = {}
local results = {}
for i = 3, #ARGV, 2 do
  local id, token = ARGV[i], ARGV[i + 1]
  local task_key = task_prefix .. id
  local code, group = check_lease(task_key, token)
  if code == 'ok' then
    local f = redis.call('HMGET', task_key, 'priority', 'readyAt', 'createdAt', 'c')
    redis.call('ZREM', running_key, id)
    end_lease(qs, task_key, group, true)
    redis.call('HSET', task_key, 'status', 'pending')
    back[#back + 1] = { id = id, priority = f[1] or '0', ready_at = tonumber(f[2] or f[3] or f[4]), group = group }
    emit_event(events, id, 'pending')
  end
  results[#results + 1] = code
end
local released = #back
local pushed = put_back(qs, pending_prefix, task_prefix, back)
running_ended(qs, running_key, released)
send_wake(qs, was_empty and pushed > 0)
return results
