--[[
  stats: counts per state and the age of the oldest pending task, read at one instant.

  KEYS[1] pending prefix  tq:{q}:pending:
  KEYS[2] scheduled       tq:{q}:scheduled
  KEYS[3] running         tq:{q}:running
  KEYS[4] retry           tq:{q}:retry
  KEYS[5] dead            tq:{q}:dead
  KEYS[6] done            tq:{q}:done
  KEYS[7] canceled        tq:{q}:canceled
  KEYS[8] meta            tq:{q}:meta
  KEYS[9] task prefix     tq:{q}:task:

  ARGV[1] now ms ('' = Redis TIME)

  Returns {now, pending, scheduled, running, retry, dead, done, canceled, paused (0/1),
           oldest pending readyAt ms (-1 = none), expired leases not yet reaped, events mode}.
]]
-- @include common

local pending_prefix = KEYS[1]
local scheduled_key = KEYS[2]
local running_key = KEYS[3]
local retry_key = KEYS[4]
local dead_key = KEYS[5]
local done_key = KEYS[6]
local canceled_key = KEYS[7]
local meta_key = KEYS[8]
local task_prefix = KEYS[9]

local now = resolve_now(ARGV[1])

-- The tail of each priority list is its oldest entry.
local oldest = -1
for p = 0, PRIORITY_LEVELS - 1 do
  local id = redis.call('LINDEX', pending_prefix .. p, -1)
  if id then
    local f = redis.call('HMGET', task_prefix .. id, 'readyAt', 'createdAt')
    local ready_at = tonumber(f[1] or f[2])
    if ready_at and (oldest < 0 or ready_at < oldest) then
      oldest = ready_at
    end
  end
end

return {
  now,
  pending_total(pending_prefix),
  redis.call('ZCARD', scheduled_key),
  redis.call('ZCARD', running_key),
  redis.call('ZCARD', retry_key),
  redis.call('ZCARD', dead_key),
  redis.call('ZCARD', done_key),
  redis.call('ZCARD', canceled_key),
  redis.call('HEXISTS', meta_key, 'paused'),
  oldest,
  redis.call('ZCOUNT', running_key, '-inf', now),
  redis.call('HGET', meta_key, 'events') or 'auto',
}
