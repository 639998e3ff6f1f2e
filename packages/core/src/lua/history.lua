--[[
  history: processed and failed attempts per minute over the last ARGV[2] minutes, the current minute
  last (it is still counting). Written by complete, complete_and_claim, fail and reap (lib/history.lua).

  KEYS[1] history prefix  tq:{q}:history:  (HASH per hour <prefix><hour since the epoch>: p<minute>, f<minute>)

  ARGV[1] now ms ('' = Redis TIME)
  ARGV[2] minutes, 1..1440

  Returns {now, processed per minute, failed per minute}, oldest minute first.
]]
-- @include common

local history_prefix = KEYS[1]

local now = resolve_now(ARGV[1])
local minutes = tonumber(ARGV[2])

local MINUTE_MS = 60000
local last = math.floor(now / MINUTE_MS)
local processed, failed = {}, {}
local m = last - minutes + 1
while m <= last do
  -- One HMGET per hour: the minutes of the window that fall in it.
  local hour = math.floor(m / 60)
  local fields = {}
  local first = m
  while m <= last and math.floor(m / 60) == hour do
    fields[#fields + 1] = 'p' .. (m % 60)
    fields[#fields + 1] = 'f' .. (m % 60)
    m = m + 1
  end
  local values = redis.call('HMGET', history_prefix .. hour, unpack(fields))
  for i = 1, m - first do
    processed[#processed + 1] = tonumber(values[2 * i - 1] or '0')
    failed[#failed + 1] = tonumber(values[2 * i] or '0')
  end
end
return { now, processed, failed }
