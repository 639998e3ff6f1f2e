--[[
  delete_task: deletes a finished task (done, canceled or dead) for good, and leaves a tombstone so that an
  archiver which read the task before the delete deletes the row it writes (archive_confirm answers
  'deleted'). Pending, scheduled, retry and running tasks are refused: cancel them first.

  KEYS[1] done         tq:{q}:done
  KEYS[2] canceled     tq:{q}:canceled
  KEYS[3] dead         tq:{q}:dead
  KEYS[4] task prefix  tq:{q}:task:
  KEYS[5] deleted      tq:{q}:deleted   ZSET id -> deleted-at ms; entries older than ARGV[3] are dropped
                                        here, and the key expires ARGV[3] after the last delete

  ARGV[1] now ms ('' = Redis TIME)
  ARGV[2] id
  ARGV[3] how long a tombstone is kept, ms (longer than an archiver's lease)

  Returns {code, status}: 'deleted', 'not_finished' (status says which state), 'not_found'.
]]
-- @include common

local sets = { done = KEYS[1], canceled = KEYS[2], dead = KEYS[3] }
local task_prefix = KEYS[4]
local deleted_key = KEYS[5]

local now = resolve_now(ARGV[1])
local id = ARGV[2]
local keep_ms = tonumber(ARGV[3])

local status = redis.call('HGET', task_prefix .. id, 'status')
if not status then
  return { 'not_found', '' }
end
local set_key = sets[status]
if not set_key then
  return { 'not_finished', status }
end
redis.call('ZREM', set_key, id)
redis.call('DEL', task_prefix .. id)
redis.call('ZREMRANGEBYSCORE', deleted_key, '-inf', now - keep_ms)
redis.call('ZADD', deleted_key, now, id)
redis.call('PEXPIRE', deleted_key, keep_ms)
return { 'deleted', status }
