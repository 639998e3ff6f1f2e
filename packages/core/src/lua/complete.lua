--[[
  complete: finishes running tasks with a result (running -> done).

  KEYS[1] the queue's key base  tq:{q}:  (ADR 0052: the script derives the names it uses from it, spelled
          as in keys.ts, made once per base by queue_names in lib/common.lua): running ZSET, done ZSET score =
          finished-at ms (retention trims it), task:<id> HASHes, history:<hour> (per-hour counts,
          lib/history.lua), meta (HASH: events mode, limits: lib/settings.lua), events (STREAM,
          lib/events.lua), the group keys g:... (lib/groups.lua), and the wake channel: '1' when the queue
          drops below its concurrency limit, or a group below its own)

  ARGV[1] now ms ('' = Redis TIME)
  ARGV[2] what each task carries: '2' id and lease token; '3' id, lease token and result JSON ('' = none)
  ARGV[3..] the tasks (a call without results leaves them out: ~1 k instructions an argument, issue 18)

  Returns '' when every task was completed, else one code per task joined by spaces: 'ok', 'not_found',
  'lease_lost'.
]]
-- @include events
-- @include common
-- @include settings
-- @include groups
-- @include finish
-- @include history

local k = queue_names(KEYS[1])

local now, now_arg = resolve_now(ARGV[1])
local qs = queue_state(k.meta, k.group, k.wake, now_arg)
local events = ending_settings_and_events(qs, k.events, now)

local codes, completed = complete_tasks(qs, k.running, k.done, k.task, now, events, ARGV, 3, tonumber(ARGV[2]))
count_ended(k.history, now, completed, 0)
running_ended(qs, k.running, completed)
send_wake(qs)
return codes
