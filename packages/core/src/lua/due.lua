--[[
  due: the reaper's cheap look at one queue: the earliest lease deadline, scheduled run time and retry
  time, so a pass runs the reap and promote scripts only for queues with due work, most overdue first;
  and the earliest slot of its schedules, so it fires them only when one is due. Reads four ZSET
  heads: O(1).

  KEYS[1] running    tq:{q}:running
  KEYS[2] scheduled  tq:{q}:scheduled
  KEYS[3] retry      tq:{q}:retry
  KEYS[4] schedules  tq:{q}:schedules  ZSET schedule id -> next slot ms
  KEYS[5] meta       tq:{q}:meta       HASH: partition 0's holds the queue's partition layout (ADR 0040)

  ARGV[1] now ms ('' = Redis TIME)

  Returns {now, earliest of the three heads (ms, -1 = all empty), next slot of KEYS[4] (ms, -1 = none),
  the layout generation KEYS[5] holds (0 = none)}: when partition 0's is not the one the reaper looked with, it
  reads the layout again and looks again in the same pass (ADR 0064).
]]
-- @include common

local now = resolve_now(ARGV[1])
local earliest = -1
for i = 1, 3 do
  local head = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
  if head[2] then
    local at = tonumber(head[2])
    if earliest < 0 or at < earliest then
      earliest = at
    end
  end
end
local schedule = redis.call('ZRANGE', KEYS[4], 0, 0, 'WITHSCORES')
return { now, earliest, schedule[2] and tonumber(schedule[2]) or -1,
  tonumber(redis.call('HGET', KEYS[5], 'partitionGen') or '0') }
