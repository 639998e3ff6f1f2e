--[[
  set_limits: replaces the queue's limits (ADR 0028) and wakes the idle workers, so that a raised limit applies
  at once. A group that a claim dropped from the rotation at the per-group concurrency limit (ADR 0029) is
  given turns again when the new limit (or none) lets it run more: only a group with running tasks can be held
  at its limit, so the groups looked at are those of the running-count hash, O(groups with running tasks).

  KEYS[1] meta          tq:{q}:meta  HASH (limit fields: rateMax, ratePeriodMs, concurrency, groupConcurrency)
  KEYS[2] group prefix  tq:{q}:g:    (rotation, backlog and running keys derived from it: lib/groups.lua)

  ARGV[1] wake channel  tq:{q}:wake
  ARGV[2..] pairs: limit field, value (a whole number of at least 1); a limit not given is removed

  Returns 'ok'.
]]
-- @include events
-- @include common
-- @include settings
-- @include groups

local meta_key = KEYS[1]
local group_prefix = KEYS[2]
local wake_channel = ARGV[1]

redis.call('HDEL', meta_key, 'rateMax', 'ratePeriodMs', 'concurrency', 'groupConcurrency')
if #ARGV > 1 then
  redis.call('HSET', meta_key, unpack(ARGV, 2))
end

local qs = queue_state(meta_key, group_prefix, wake_channel, nil)
if settings(qs).grouped then
  local running = redis.call('HKEYS', group_prefix .. 'running')
  for _, group in ipairs(running) do
    if redis.call('ZSCORE', group_prefix .. 'backlog', group) then
      group_ready(qs, group)
    end
  end
end
-- The message '1' as before: a wake of no parked claim's, so every idle worker claims again.
redis.call('PUBLISH', wake_channel, '1')
return 'ok'
