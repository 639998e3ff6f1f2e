-- The queue's rate and concurrency limits, as a claim applies them (ADR 0028). Needs common, settings.
--
-- Rate: at most rate_max task starts in any window of rate_period ms, closed at both ends, on the
-- script's clock. The starts of the last rate_period ms are logged in the starts ZSET (member = lease
-- token and task id, score = start ms: the id keeps apart two runs of one claim, which share their lease
-- tokens when a dropped connection made the client resend it); a claim first drops the entries older than
-- the window, so the log never holds more than rate_max entries (more only after the limit is lowered,
-- until they age out), and it expires STARTS_KEEP_MIN_MS or rate_period ms after the last start, whichever is
-- later. The expiry only frees memory (the window is the scores'): it runs on Redis's clock, while the window
-- runs on the script's, which a caller may give (a test's manual clock): expired after exactly one period on
-- Redis's clock, a log went while a stopped manual clock still had its starts in the window (the randomized
-- test saw two starts in a window of one, on a busy machine).
-- Concurrency: at most `concurrency` tasks in running (leases held, expired ones until the reaper takes
-- them back) at once.

local STARTS_KEEP_MIN_MS = 60000

-- How many of `count` tasks the limits let a claim start now, and which limit allows the fewest ('' when
-- neither allows fewer than `count`). `ended`: entries of the running set whose lease this call has already
-- ended (complete_and_claim moves them out after its claim).
local function claim_allowance(s, running_key, starts_key, now, count, ended)
  local allowed, limited_by = count, ''
  if s.concurrency then
    local free = s.concurrency - (redis.call('ZCARD', running_key) - ended)
    if free < allowed then
      allowed, limited_by = math.max(free, 0), 'concurrency'
    end
  end
  if s.rate_max and s.rate_period and allowed > 0 then
    redis.call('ZREMRANGEBYSCORE', starts_key, '-inf', '(' .. (now - s.rate_period))
    local free = s.rate_max - redis.call('ZCARD', starts_key)
    if free < allowed then
      allowed, limited_by = math.max(free, 0), 'rate'
    end
  end
  return allowed, limited_by
end

-- Logs the starts of a claim in the rate window: one member per task leased, '<lease token> <task id>'.
local function log_starts(s, starts_key, now, started)
  if s.rate_max and s.rate_period and #started > 0 then
    local args = { 'ZADD', starts_key }
    for _, member in ipairs(started) do
      args[#args + 1] = now
      args[#args + 1] = member
    end
    redis.call(unpack(args))
    redis.call('PEXPIRE', starts_key, math.max(s.rate_period + 1, STARTS_KEEP_MIN_MS))
  end
end

-- When the next start fits in the rate window: just after its oldest start leaves it, ms.
local function rate_free_at(s, starts_key, now)
  local oldest = redis.call('ZRANGE', starts_key, 0, 0, 'WITHSCORES')
  if oldest[2] then
    return tonumber(oldest[2]) + s.rate_period + 1
  end
  return now
end
