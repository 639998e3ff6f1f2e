--[[
  purge_dead: deletes dead tasks for good.

  KEYS[1] dead         tq:{q}:dead
  KEYS[2] task prefix  tq:{q}:task:

  ARGV[1] most tasks to delete when no ids are given (oldest first)
  ARGV[2..] ids to delete (none = the oldest ARGV[1])

  Returns the number deleted.
]]
local dead_key = KEYS[1]
local task_prefix = KEYS[2]

local limit = tonumber(ARGV[1])

local ids = {}
for i = 2, #ARGV do
  ids[#ids + 1] = ARGV[i]
end
if #ids == 0 then
  ids = redis.call('ZRANGE', dead_key, 0, limit - 1)
end

local deleted = 0
for _, id in ipairs(ids) do
  if redis.call('ZREM', dead_key, id) == 1 then
    redis.call('DEL', task_prefix .. id)
    deleted = deleted + 1
  end
end
return deleted
