--[[
  trim: retention. Deletes finished (done, canceled) and dead tasks older than their window or beyond
  their count cap, oldest first, at most ARGV[6] per set per call.

  While archiving is on (ARGV[7] = '1', ADR 0030) only tasks an archiver confirmed (their `archived` mark
  is their current "<status>:<finishedAt>") are deleted; the others are held, and counted. A held task at
  or before its set's archive frontier (a task finished with a clock behind the frontier's) moves the
  frontier back to it and bumps the epoch, so the archivers read it again. The memory guard: a set never
  keeps more than its count cap plus ARGV[8] tasks (0 = no guard); past that its oldest tasks are deleted
  archived or not, and the ids of the unarchived ones are returned so that the loss is logged and counted.

  KEYS[1] done         tq:{q}:done
  KEYS[2] canceled     tq:{q}:canceled
  KEYS[3] dead         tq:{q}:dead
  KEYS[4] task prefix  tq:{q}:task:
  KEYS[5] archive      tq:{q}:archive   HASH (see archive_claim)

  ARGV[1] now ms ('' = Redis TIME)
  ARGV[2] finished max age ms      ARGV[3] finished max count (per set)
  ARGV[4] dead max age ms          ARGV[5] dead max count
  ARGV[6] most deletions per set in this call
  ARGV[7] '1' = archiving is on: delete archived tasks only
  ARGV[8] archiving on: most tasks a set holds past its count cap (the memory guard; 0 = no guard)

  Returns {{deleted done, canceled, dead}, {held done, canceled, dead}, {ids deleted unarchived}}; held
  counts the unarchived tasks among the oldest examined (at most ARGV[6] per set), not all of them.
]]
-- @include common
-- @include zset

local sets = { KEYS[1], KEYS[2], KEYS[3] }
local set_names = { 'done', 'canceled', 'dead' }
local task_prefix = KEYS[4]
local archive_key = KEYS[5]

local now = resolve_now(ARGV[1])
local max_ages = { tonumber(ARGV[2]), tonumber(ARGV[2]), tonumber(ARGV[4]) }
local max_counts = { tonumber(ARGV[3]), tonumber(ARGV[3]), tonumber(ARGV[5]) }
local limit = tonumber(ARGV[6])
local archiving = ARGV[7] == '1'
local hold_max = tonumber(ARGV[8] or '0')

local dropped = {}

local function delete(set_key, id)
  redis.call('ZREM', set_key, id)
  redis.call('DEL', task_prefix .. id)
end

-- Whether entry (score, id) lies at or before frontier "<score> <id>".
local function not_after(score, id, frontier)
  local space = string.find(frontier, ' ', 1, true)
  local fs = tonumber(string.sub(frontier, 1, space - 1))
  if tonumber(score) ~= fs then
    return tonumber(score) < fs
  end
  return not member_less(string.sub(frontier, space + 1), id)
end

local function trim_set(i)
  local set_key, max_age, max_count = sets[i], max_ages[i], max_counts[i]
  local ids = redis.call('ZRANGEBYSCORE', set_key, '-inf', now - max_age, 'LIMIT', 0, limit)
  local over = redis.call('ZCARD', set_key) - #ids - max_count
  if over > 0 and #ids < limit then
    local extra = redis.call('ZRANGE', set_key, #ids, #ids + math.min(over, limit - #ids) - 1)
    for _, id in ipairs(extra) do
      ids[#ids + 1] = id
    end
  end
  if not archiving then
    for _, id in ipairs(ids) do
      delete(set_key, id)
    end
    return #ids, 0
  end
  local deleted, held, rewound = 0, 0, false
  for _, id in ipairs(ids) do
    local f = redis.call('HMGET', task_prefix .. id, 'status', 'finishedAt', 'archived')
    -- An entry without a hash has nothing to archive.
    if not f[1] or f[3] == f[1] .. ':' .. (f[2] or '') then
      delete(set_key, id)
      deleted = deleted + 1
    else
      held = held + 1
      if not rewound then
        local frontier = redis.call('HGET', archive_key, set_names[i])
        local score = redis.call('ZSCORE', set_key, id)
        if frontier and not_after(score, id, frontier) then
          -- '' sorts before every id: the next claim reads this score's entries again from the first.
          redis.call('HSET', archive_key, set_names[i], score .. ' ')
          redis.call('HINCRBY', archive_key, 'epoch', 1)
        end
        rewound = true
      end
    end
  end
  if hold_max > 0 then
    local excess = redis.call('ZCARD', set_key) - max_count - hold_max
    if excess > 0 then
      for _, id in ipairs(redis.call('ZRANGE', set_key, 0, math.min(excess, limit) - 1)) do
        local f = redis.call('HMGET', task_prefix .. id, 'status', 'finishedAt', 'archived')
        if f[1] and f[3] ~= f[1] .. ':' .. (f[2] or '') then
          dropped[#dropped + 1] = id
        end
        delete(set_key, id)
        deleted = deleted + 1
      end
    end
  end
  return deleted, held
end

local deleted, held = {}, {}
for i = 1, 3 do
  deleted[i], held[i] = trim_set(i)
end
return { deleted, held, dropped }
