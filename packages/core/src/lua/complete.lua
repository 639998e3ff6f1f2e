--[[
  complete: finishes running tasks with a result (running -> done).

  KEYS[1] running        tq:{q}:running
  KEYS[2] done           tq:{q}:done      ZSET score = finished-at ms (retention trims it)
  KEYS[3] task prefix    tq:{q}:task:
  KEYS[4] history prefix tq:{q}:history:  (per-hour counts <prefix><hour>, see lib/history.lua)
  KEYS[5] meta           tq:{q}:meta      HASH (events mode; limits: lib/settings.lua)
  KEYS[6] events         tq:{q}:events    STREAM (lua/lib/events.lua)
  KEYS[7] group prefix   tq:{q}:g:        (group keys derived from it: lib/groups.lua)

  ARGV[1] now ms ('' = Redis TIME)
  ARGV[2] wake channel: '1' when the queue drops below its concurrency limit, or a group below its own
  ARGV[3] what each task carries: '2' id and lease token; '3' id, lease token and result JSON ('' = none)
  ARGV[4..] the tasks (a call without results leaves them out: ~1 k instructions an argument, issue 18)

  Returns '' when every task was completed, else one code per task joined by spaces: 'ok', 'not_found',
  'lease_lost'.
]]
-- @include events
-- @include common
-- @include settings
-- @include groups
-- @include finish
-- @include history

local running_key = KEYS[1]
local done_key = KEYS[2]
local task_prefix = KEYS[3]
local history_prefix = KEYS[4]
local meta_key = KEYS[5]
local events_key = KEYS[6]
local group_prefix = KEYS[7]

local now, now_arg = resolve_now(ARGV[1])
local qs = queue_state(meta_key, group_prefix, ARGV[2], now_arg)
local events = ending_settings_and_events(qs, events_key, now)

local codes, completed = complete_tasks(qs, running_key, done_key, task_prefix, now, events, ARGV, 4,
  tonumber(ARGV[3]))
count_ended(history_prefix, now, completed, 0)
running_ended(qs, running_key, completed)
send_wake(qs)
return codes
