--[[
  requeue_dead: the redrive. Dead tasks go back to pending (the queue's or their group's) with a fresh set
  of attempts and postponements; their error history is kept. Given ids, those. Otherwise the tasks that were dead when the redrive started: the
  first call ('start') copies the dead set, with each task's dead-at time, into a snapshot key; each call
  ('start' or 'next') then takes up to ARGV[3] entries of the snapshot, oldest first, and requeues each
  that is still dead since that same time, so a task that is redriven and dies again while the redrive
  runs stays dead instead of being redriven twice.

  KEYS[1] pending prefix  tq:{q}:pending:
  KEYS[2] dead            tq:{q}:dead
  KEYS[3] task prefix     tq:{q}:task:
  KEYS[4] snapshot        tq:{q}:redrive:<nonce>  ZSET id -> dead-at ms (unused in mode 'ids')
  KEYS[5] meta            tq:{q}:meta      HASH (events mode; the per-group limit: lib/settings.lua)
  KEYS[6] events          tq:{q}:events    STREAM (lua/lib/events.lua)
  KEYS[7] group prefix    tq:{q}:g:        (group keys derived from it: lib/groups.lua)

  ARGV[1] now ms ('' = Redis TIME)
  ARGV[2] wake channel
  ARGV[3] most snapshot entries to take in this call
  ARGV[4] mode: 'ids' (requeue ARGV[6..]), 'start' (take the snapshot, then as 'next'), 'next'
  ARGV[5] snapshot lifetime ms: a redrive that stops half-way leaves nothing behind for longer
  ARGV[6..] ids to requeue (mode 'ids')

  Returns {requeued ids, ids given that were not dead (mode 'ids'), snapshot entries left}.
]]
-- @include events
-- @include common
-- @include settings
-- @include groups

local pending_prefix = KEYS[1]
local dead_key = KEYS[2]
local task_prefix = KEYS[3]
local snapshot_key = KEYS[4]
local meta_key = KEYS[5]
local events_key = KEYS[6]
local group_prefix = KEYS[7]

local now = resolve_now(ARGV[1])
local wake_channel = ARGV[2]
local limit = tonumber(ARGV[3])
local mode = ARGV[4]
local snapshot_ttl_ms = ARGV[5]
local events = events_target(meta_key, events_key, now)

local ids = {}
-- In the snapshot modes: the dead-at time each id had when the snapshot was taken.
local dead_at = nil
if mode == 'ids' then
  for i = 6, #ARGV do
    ids[#ids + 1] = ARGV[i]
  end
else
  if mode == 'start' then
    redis.call('DEL', snapshot_key)
    if redis.call('ZUNIONSTORE', snapshot_key, 1, dead_key) > 0 then
      redis.call('PEXPIRE', snapshot_key, snapshot_ttl_ms)
    end
  end
  dead_at = {}
  local entries = redis.call('ZRANGE', snapshot_key, 0, limit - 1, 'WITHSCORES')
  for i = 1, #entries, 2 do
    ids[#ids + 1] = entries[i]
    dead_at[entries[i]] = entries[i + 1]
  end
  if #ids > 0 then
    redis.call('ZREM', snapshot_key, unpack(ids))
  end
end

local qs = queue_state(meta_key, group_prefix, wake_channel)
local was_empty = pending_total(pending_prefix) == 0
local requeued, missing, pushed = {}, {}, 0
for _, id in ipairs(ids) do
  local task_key = task_prefix .. id
  local score = redis.call('ZSCORE', dead_key, id)
  local still_dead = score and (dead_at == nil or dead_at[id] == score)
  if still_dead and redis.call('ZREM', dead_key, id) == 1 and redis.call('EXISTS', task_key) == 1 then
    local f = redis.call('HMGET', task_key, 'priority', 'group')
    redis.call('HSET', task_key, 'status', 'pending', 'attempt', 0, 'readyAt', now)
    redis.call('HDEL', task_key, 'deadReason', 'finishedAt', 'token', 'postponed')
    pushed = pushed + push_pending(qs, pending_prefix, id, f[1] or '0', f[2] or nil)
    emit_event(events, id, 'pending')
    requeued[#requeued + 1] = id
  elseif dead_at == nil then
    missing[#missing + 1] = id
  end
end
send_wake(qs, was_empty and pushed > 0)
local left = 0
if dead_at ~= nil then
  left = redis.call('ZCARD', snapshot_key)
end
return { requeued, missing, left }
