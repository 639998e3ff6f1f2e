--[[
  events_listen: an API with SSE clients of this queue asks for its events, in the default 'auto' mode:
  scripts write events while eventsUntil is in the future (see lua/lib/events.lua). Renewed well before
  it runs out while clients stay; never shortened, so several APIs renew it without coordinating.

  KEYS[1] meta  tq:{q}:meta  HASH (field eventsUntil, ms)

  ARGV[1] now ms ('' = Redis TIME)
  ARGV[2] lease ms: events are written until now + lease at least

  Returns the mode: 'auto', 'on' or 'off' (then nothing is written, whatever the lease).
]]
-- @include common

local meta_key = KEYS[1]

local now = resolve_now(ARGV[1])
local lease_ms = tonumber(ARGV[2])

local f = redis.call('HMGET', meta_key, 'events', 'eventsUntil')
local mode = f[1] or 'auto'
if mode == 'auto' and (not f[2] or tonumber(f[2]) < now + lease_ms) then
  redis.call('HSET', meta_key, 'eventsUntil', now + lease_ms)
end
return mode
