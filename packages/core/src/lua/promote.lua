--[[
  promote: moves due scheduled and retry tasks to pending, the queue's or their group's (the reaper's
  job; claim does it too, so delays and retries do not stall while no reaper runs).

  KEYS[1] pending prefix  tq:{q}:pending:
  KEYS[2] scheduled       tq:{q}:scheduled
  KEYS[3] retry           tq:{q}:retry
  KEYS[4] task prefix     tq:{q}:task:
  KEYS[5] meta            tq:{q}:meta      HASH (events mode; the per-group limit: lib/settings.lua)
  KEYS[6] events          tq:{q}:events    STREAM (lua/lib/events.lua)
  KEYS[7] group prefix    tq:{q}:g:        (group keys derived from it: lib/groups.lua)

  ARGV[1] now ms ('' = Redis TIME)
  ARGV[2] most tasks to promote from each ZSET
  ARGV[3] wake channel

  Returns {promoted from scheduled, promoted from retry}.
]]
-- @include events
-- @include common
-- @include settings
-- @include groups

local pending_prefix = KEYS[1]
local scheduled_key = KEYS[2]
local retry_key = KEYS[3]
local task_prefix = KEYS[4]
local meta_key = KEYS[5]
local events_key = KEYS[6]
local group_prefix = KEYS[7]

local now = resolve_now(ARGV[1])
local limit = tonumber(ARGV[2])
local wake_channel = ARGV[3]
local events = events_target(meta_key, events_key, now)
local qs = queue_state(meta_key, group_prefix, wake_channel)

local was_empty = pending_total(pending_prefix) == 0
local plain_scheduled, from_scheduled = promote_due(qs, scheduled_key, pending_prefix, task_prefix, now, limit,
  events)
local plain_retry, from_retry = promote_due(qs, retry_key, pending_prefix, task_prefix, now, limit, events)
send_wake(qs, was_empty and plain_scheduled + plain_retry > 0)
return { from_scheduled, from_retry }
