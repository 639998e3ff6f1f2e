--[[
  delete_schedule: removes a schedule from its queue. Tasks it already enqueued stay.

  KEYS[1] schedules  tq:{q}:schedules      ZSET id -> next slot ms
  KEYS[2] schedule   tq:{q}:schedule:<id>  HASH

  ARGV[1] schedule id

  Returns 1 when it existed, 0 when not.
]]

local removed = redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[1], ARGV[1])
return removed
