--[[
  delete_task: deletes finished tasks (done, canceled or dead) for good, and leaves a tombstone so that an
  archiver which read a task before the delete deletes the row it writes (archive_confirm answers
  'deleted'). Pending, scheduled, retry and running tasks are refused: cancel them first.

  KEYS[1] done         tq:{q}:done
  KEYS[2] canceled     tq:{q}:canceled
  KEYS[3] dead         tq:{q}:dead
  KEYS[4] task prefix  tq:{q}:task:
  KEYS[5] deleted      tq:{q}:deleted   ZSET id -> deleted-at ms; entries older than ARGV[2] are dropped
                                        here, and the key expires ARGV[2] after the last delete

  ARGV[1] now ms ('' = Redis TIME)
  ARGV[2] how long a tombstone is kept, ms (longer than an archiver's lease)
  ARGV[3..] ids

  Returns one {code, status} per id: 'deleted', 'not_finished' (status says which state), 'not_found'.
]]
-- @include common

local sets = { done = KEYS[1], canceled = KEYS[2], dead = KEYS[3] }
local task_prefix = KEYS[4]
local deleted_key = KEYS[5]

local now = resolve_now(ARGV[1])
local keep_ms = tonumber(ARGV[2])

local results = {}
local deleted = 0
for i = 3, #ARGV do
  local id = ARGV[i]
  local f = redis.call('HMGET', task_prefix .. id, 'status', 't')
  local status = task_status(f[1], f[2])
  local set_key = status and sets[status]
  if not status then
    results[#results + 1] = { 'not_found', '' }
  elseif not set_key then
    results[#results + 1] = { 'not_finished', status }
  else
    redis.call('ZREM', set_key, id)
    redis.call('DEL', task_prefix .. id)
    redis.call('ZADD', deleted_key, now, id)
    deleted = deleted + 1
    results[#results + 1] = { 'deleted', status }
  end
end
if deleted > 0 then
  redis.call('ZREMRANGEBYSCORE', deleted_key, '-inf', now - keep_ms)
  redis.call('PEXPIRE', deleted_key, keep_ms)
end
return results
