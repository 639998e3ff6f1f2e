--[[
  stats: counts per state, the oldest runnable task (pending, or scheduled/retry already due) and the
  queue's settings, read at one instant.

  KEYS[1] pending prefix  tq:{q}:pending:
  KEYS[2] scheduled       tq:{q}:scheduled
  KEYS[3] running         tq:{q}:running
  KEYS[4] retry           tq:{q}:retry
  KEYS[5] dead            tq:{q}:dead
  KEYS[6] done            tq:{q}:done
  KEYS[7] canceled        tq:{q}:canceled
  KEYS[8] meta            tq:{q}:meta
  KEYS[9] task prefix     tq:{q}:task:
  KEYS[10] group prefix   tq:{q}:g:        (group keys derived from it: lib/groups.lua)

  ARGV[1] now ms ('' = Redis TIME)

  Returns {now, pending, scheduled, running, retry, dead, done, canceled, paused (0/1),
           oldest runnable readyAt ms (-1 = none), expired leases not yet reaped, events mode, groups with
           pending tasks, rate max, rate period ms, concurrency, group concurrency (-1 = no such limit)}.
  Pending tasks of a group are looked for in the OLDEST_GROUPS groups with the most pending tasks (a
  bounded read, whatever the number of groups).
]]
-- @include events
-- @include common
-- @include settings
-- @include groups

local pending_prefix = KEYS[1]
local scheduled_key = KEYS[2]
local running_key = KEYS[3]
local retry_key = KEYS[4]
local dead_key = KEYS[5]
local done_key = KEYS[6]
local canceled_key = KEYS[7]
local meta_key = KEYS[8]
local task_prefix = KEYS[9]
local group_prefix = KEYS[10]
local OLDEST_GROUPS = 3

local now = resolve_now(ARGV[1])
local qs = queue_state(meta_key, group_prefix, nil)
local s = settings(qs)

-- The tail of each priority list is its oldest entry: enqueue and promotion add at the head, and what
-- goes back to the tail (release, reap, repair) keeps its readyAt and is never newer than the entry it
-- covers (put_back). A scheduled or retry task already due that nobody promoted yet is runnable too,
-- since its due time. Exact up to promotion lateness: a task promoted late lands at the head with its
-- due time, behind newer entries, so until those are claimed the age can be short by that lateness.
local oldest = -1
local function consider(ready_at)
  if ready_at and ready_at <= now and (oldest < 0 or ready_at < oldest) then
    oldest = ready_at
  end
end
local function consider_lists(prefix)
  for p = 0, PRIORITY_LEVELS - 1 do
    local id = redis.call('LINDEX', prefix .. p, -1)
    if id then
      consider(ready_time(task_prefix .. id))
    end
  end
end
consider_lists(pending_prefix)
local groups = 0
if s.grouped then
  groups = redis.call('ZCARD', group_prefix .. 'backlog')
  for _, group in ipairs(redis.call('ZREVRANGE', group_prefix .. 'backlog', 0, OLDEST_GROUPS - 1)) do
    consider_lists(group_list_prefix(qs, group))
  end
end
for _, key in ipairs({ scheduled_key, retry_key }) do
  local due = first_score(key)
  if due >= 0 then
    consider(due)
  end
end

return {
  now,
  pending_count(qs, pending_prefix),
  redis.call('ZCARD', scheduled_key),
  redis.call('ZCARD', running_key),
  redis.call('ZCARD', retry_key),
  redis.call('ZCARD', dead_key),
  redis.call('ZCARD', done_key),
  redis.call('ZCARD', canceled_key),
  s.paused and 1 or 0,
  oldest,
  redis.call('ZCOUNT', running_key, '-inf', now),
  redis.call('HGET', meta_key, 'events') or 'auto',
  groups,
  s.rate_max or -1,
  s.rate_period or -1,
  s.concurrency or -1,
  s.group_concurrency or -1,
}
