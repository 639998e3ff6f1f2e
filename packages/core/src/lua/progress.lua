--[[
  progress: stores a running task's progress (a handler's ctx.progress) and emits a 'progress' event.
  Only the attempt's current lease token may write it, so a stale worker cannot overwrite a later
  attempt's progress. The value is kept after the attempt: it is the last progress any attempt reported.

  KEYS[1] task prefix  tq:{q}:task:
  KEYS[2] meta         tq:{q}:meta      HASH (events mode)
  KEYS[3] events       tq:{q}:events    STREAM (lua/lib/events.lua)

  ARGV[1] now ms ('' = Redis TIME)
  ARGV[2] id
  ARGV[3] lease token
  ARGV[4] progress: JSON, size-checked by the caller

  Returns 'ok', 'not_found' (no such task) or 'lease_lost' (token not current).
]]
-- @include events
-- @include common

local task_prefix = KEYS[1]
local meta_key = KEYS[2]
local events_key = KEYS[3]

local now = resolve_now(ARGV[1])
local id = ARGV[2]
local token = ARGV[3]
local value = ARGV[4]

local task_key = task_prefix .. id
local code = check_lease(task_key, token)
if code == 'ok' then
  redis.call('HSET', task_key, 'progress', value)
  emit_event(events_target(meta_key, events_key, now), id, 'progress', value)
end
return code
