--[[
  list_groups: the groups of a queue with the most pending tasks (the top N by backlog), with their
  running tasks, read at one instant. O(log groups + N).

  KEYS[1] group prefix  tq:{q}:g:  (backlog ZSET and running HASH derived from it: lib/groups.lua)

  ARGV[1] most groups to return

  Returns {groups with pending tasks, groups with running tasks, rows}: rows holds 3 strings per group,
  most pending first: name, pending, running.
]]

local group_prefix = KEYS[1]
local limit = tonumber(ARGV[1])

local backlog_key = group_prefix .. 'backlog'
local running_key = group_prefix .. 'running'
local top = redis.call('ZREVRANGE', backlog_key, 0, limit - 1, 'WITHSCORES')
local rows = {}
for i = 1, #top, 2 do
  rows[#rows + 1] = top[i]
  rows[#rows + 1] = top[i + 1]
  rows[#rows + 1] = redis.call('HGET', running_key, top[i]) or '0'
end
return { redis.call('ZCARD', backlog_key), redis.call('HLEN', running_key), rows }
