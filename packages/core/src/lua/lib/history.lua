-- Per-minute counts of ended attempts (GET /stats/history): one HASH per queue and hour,
-- <prefix><hour since the epoch>, fields p<minute> (attempts that ended: completed or failed) and f<minute>
-- (failed), minute 0..59 (at most 120 small fields: Redis keeps the hash in its compact encoding). Each
-- hash expires 24 h after its hour has ended. See history.lua.

local HOUR_MS = 3600000
local HISTORY_KEEP_MS = 24 * HOUR_MS

-- The key and fields of the minute counted last, kept from one call to the next (a function library's top
-- level runs once, ADR 0047; as EVAL each call starts afresh): formatting them cost every acknowledgement
-- ~6 k Redis instructions, and a busy queue counts into the same minute thousands of times.
local last_counted = { prefix = nil, minute = -1, hour = 0, key = nil, processed = nil, failed = nil }

-- Adds `processed` ended attempts, `failed` of them failed, to the minute of `now`.
local function count_ended(history_prefix, now, processed, failed)
  if processed <= 0 then
    return
  end
  local minute = math.floor(now / 60000)
  local at = last_counted
  if at.minute ~= minute or at.prefix ~= history_prefix then
    local hour = math.floor(minute / 60)
    local m = int_arg(minute % 60)
    at.prefix, at.minute, at.hour = history_prefix, minute, hour
    at.key, at.processed, at.failed = history_prefix .. int_arg(hour), 'p' .. m, 'f' .. m
  end
  -- The first count of a minute sets the expiry (a relative one: `now` may be an injected clock's).
  if redis.call('HINCRBY', at.key, at.processed, int_string(processed)) == processed then
    redis.call('PEXPIRE', at.key, (at.hour + 1) * HOUR_MS + HISTORY_KEEP_MS - now)
  end
  if failed > 0 then
    redis.call('HINCRBY', at.key, at.failed, int_string(failed))
  end
end
