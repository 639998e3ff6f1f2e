-- Per-minute counts of ended attempts (GET /stats/history): one HASH per queue and hour,
-- <prefix><hour since the epoch>, fields p<minute> (attempts that ended: completed or failed) and f<minute>
-- (failed), minute 0..59 (at most 120 small fields: Redis keeps the hash in its compact encoding). Each
-- hash expires 24 h after its hour has ended. See history.lua.

local HOUR_MS = 3600000
local HISTORY_KEEP_MS = 24 * HOUR_MS

-- Adds `processed` ended attempts, `failed` of them failed, to the minute of `now`.
local function count_ended(history_prefix, now, processed, failed)
  if processed <= 0 then
    return
  end
  local hour = math.floor(now / HOUR_MS)
  local minute = math.floor(now / 60000) % 60
  local key = history_prefix .. int_arg(hour)
  -- The first count of a minute sets the expiry (a relative one: `now` may be an injected clock's).
  if redis.call('HINCRBY', key, 'p' .. int_arg(minute), int_arg(processed)) == processed then
    redis.call('PEXPIRE', key, (hour + 1) * HOUR_MS + HISTORY_KEEP_MS - now)
  end
  if failed > 0 then
    redis.call('HINCRBY', key, 'f' .. minute, failed)
  end
end
