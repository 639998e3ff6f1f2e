--[[
  repair: fixes task hashes that say running without a lease (possible only after a partial loss of
  Redis data); they go back to the front of their pending list (the queue's or their group's), keeping
  their readyAt (see put_back). Ids come from a SCAN of task hashes.

  KEYS[1] pending prefix  tq:{q}:pending:
  KEYS[2] running         tq:{q}:running
  KEYS[3] task prefix     tq:{q}:task:
  KEYS[4] meta            tq:{q}:meta      HASH (events mode; limits: lib/settings.lua)
  KEYS[5] events          tq:{q}:events    STREAM (lua/lib/events.lua)
  KEYS[6] group prefix    tq:{q}:g:        (group keys derived from it: lib/groups.lua)

  ARGV[1] now ms ('' = Redis TIME)
  ARGV[2] wake channel
  ARGV[3..] ids to check

  Returns the ids repaired.
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
local repaired = {}
local back = {}
for i = 3, #ARGV do
  local id = ARGV[i]
  local task_key = task_prefix .. id
  local f = redis.call('HMGET', task_key, 'status', 'priority', 'readyAt', 'createdAt', 'group', 'c')
  if f[1] == 'running' and not redis.call('ZSCORE', running_key, id) then
    local group = f[5] or nil
    end_lease(qs, task_key, group, false)
    redis.call('HSET', task_key, 'status', 'pending')
    back[#back + 1] = { id = id, priority = f[2] or '0', ready_at = tonumber(f[3] or f[4] or f[6]), group = group }
    emit_event(events, id, 'pending')
    repaired[#repaired + 1] = id
  end
end
local pushed = put_back(qs, pending_prefix, task_prefix, back)
send_wake(qs, was_empty and pushed > 0)
return repaired
