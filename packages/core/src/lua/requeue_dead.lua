--[[
  requeue_dead: the redrive. Dead tasks go back to pending with a fresh set of attempts; their error
  history is kept.

  KEYS[1] pending prefix  tq:{q}:pending:
  KEYS[2] dead            tq:{q}:dead
  KEYS[3] task prefix     tq:{q}:task:

  ARGV[1] now ms ('' = Redis TIME)
  ARGV[2] wake channel
  ARGV[3] most tasks to requeue when no ids are given (oldest dead first)
  ARGV[4..] ids to requeue (none = the oldest ARGV[3])

  Returns {requeued ids, ids given that were not dead}.
]]
-- @include common

local pending_prefix = KEYS[1]
local dead_key = KEYS[2]
local task_prefix = KEYS[3]

local now = resolve_now(ARGV[1])
local wake_channel = ARGV[2]
local limit = tonumber(ARGV[3])

local ids = {}
for i = 4, #ARGV do
  ids[#ids + 1] = ARGV[i]
end
if #ids == 0 then
  ids = redis.call('ZRANGE', dead_key, 0, limit - 1)
end

local was_empty = pending_total(pending_prefix) == 0
local requeued, missing = {}, {}
for _, id in ipairs(ids) do
  local task_key = task_prefix .. id
  if redis.call('ZREM', dead_key, id) == 1 and redis.call('EXISTS', task_key) == 1 then
    local priority = redis.call('HGET', task_key, 'priority') or '0'
    redis.call('HSET', task_key, 'status', 'pending', 'attempt', 0, 'readyAt', now)
    redis.call('HDEL', task_key, 'deadReason', 'finishedAt', 'token')
    redis.call('LPUSH', pending_prefix .. priority, id)
    requeued[#requeued + 1] = id
  else
    missing[#missing + 1] = id
  end
end
wake_if_was_empty(was_empty, #requeued, wake_channel)
return { requeued, missing }
