--[[
  run_now: an operator's "run it now": scheduled and retry tasks go to the back of their pending list (the
  queue's or their group's) at once instead of waiting for their time. Nothing else changes: a retry keeps
  its attempts and error history. readyAt becomes now (the task became runnable now), so the tail of each
  list stays its oldest entry (see put_back in lib/groups.lua).

  KEYS[1] pending prefix  tq:{q}:pending:
  KEYS[2] scheduled       tq:{q}:scheduled
  KEYS[3] retry           tq:{q}:retry
  KEYS[4] task prefix     tq:{q}:task:
  KEYS[5] meta            tq:{q}:meta      HASH (events mode; the per-group limit: lib/settings.lua)
  KEYS[6] events          tq:{q}:events    STREAM (lua/lib/events.lua)
  KEYS[7] group prefix    tq:{q}:g:        (group keys derived from it: lib/groups.lua)

  ARGV[1] now ms ('' = Redis TIME)
  ARGV[2] wake channel
  ARGV[3..] ids

  Returns one {code, status before} per id: code 'pending' (moved), 'not_waiting' (refused: the status says
  which state it is in; only scheduled and retry tasks wait for a time), 'not_found'.
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
local events = events_target(meta_key, events_key, now)
local qs = queue_state(meta_key, group_prefix, ARGV[2])
local sets = { scheduled = scheduled_key, retry = retry_key }

local was_empty = pending_total(pending_prefix) == 0
local pushed = 0
local results = {}
for i = 3, #ARGV do
  local id = ARGV[i]
  local task_key = task_prefix .. id
  local f = redis.call('HMGET', task_key, 'status', 'priority', 'group', 't')
  local status = task_status(f[1], f[4])
  local code = 'pending'
  if not status then
    code, status = 'not_found', ''
  elseif not sets[status] then
    code = 'not_waiting'
  else
    redis.call('ZREM', sets[status], id)
    pushed = pushed + promote_task(qs, pending_prefix, task_key, id, f, now, events)
  end
  results[#results + 1] = { code, status }
end
send_wake(qs, was_empty and pushed > 0)
return results
