-- Fair groups (ADR 0029): where a pending task waits, and the rotation claims take over the groups.
-- Needs events, common, settings.
--
-- A task with a `group` waits in its group's pending lists instead of the queue's. Keys derived from the
-- group prefix G = tq:{q}:g: (keys.ts spells the same names; the prefix carries the queue's hash tag):
--   G..'p:'..<group>..':'..<p>  LIST    the group's pending ids at priority p, like tq:{q}:pending:<p>
--   G..'backlog'                ZSET    group -> its pending tasks; a group leaves at 0
--   G..'pending'                STRING  the pending tasks of every group (deleted at 0)
--   G..'rotation'               ZSET    group -> turn: the groups a claim takes in turn, lowest turn first;
--                                       '' stands for the queue's own lists (tasks without a group)
--   G..'running'                HASH    group -> its running tasks; a field leaves at 0
-- A group is in the rotation when it has pending tasks and is under the per-group concurrency limit (a
-- group that stops being either is dropped when a claim meets it). Only a queue marked `grouped` has a
-- rotation: the enqueue of its first grouped task marks it and adds ''.

local function group_list_prefix(qs, group)
  return qs.group_prefix .. 'p:' .. group .. ':'
end

-- Whether `group` has as many running tasks as the per-group concurrency limit allows.
local function group_blocked(qs, group)
  local limit = settings(qs).group_concurrency
  return limit ~= nil and tonumber(redis.call('HGET', qs.group_prefix .. 'running', group) or '0') >= limit
end

-- Adds `group` (or '') at the back of the rotation.
local function rotation_append(qs, group)
  local rotation = qs.group_prefix .. 'rotation'
  local last = redis.call('ZRANGE', rotation, -1, -1, 'WITHSCORES')
  redis.call('ZADD', rotation, (tonumber(last[2]) or 0) + 1, group)
end

-- Gives `group` turns again (at the back of the rotation) unless it has them or is at its limit; the
-- idle workers are then owed a wake message.
local function group_ready(qs, group)
  if redis.call('ZSCORE', qs.group_prefix .. 'rotation', group) or group_blocked(qs, group) then
    return
  end
  rotation_append(qs, group)
  qs.wake = true
end

-- Marks the queue grouped (its claims rotate from now on), once: the queue's own lists join the rotation.
local function mark_grouped(qs)
  if not settings(qs).grouped then
    redis.call('HSET', qs.meta, 'grouped', '1')
    rotation_append(qs, '')
    qs.settings.grouped = true
  end
end

-- Bookkeeping of a task that left its group's pending lists (claimed or canceled). Returns the group's
-- pending tasks left.
local function group_unpend(qs, group)
  local backlog = qs.group_prefix .. 'backlog'
  local left = tonumber(redis.call('ZINCRBY', backlog, -1, group))
  if left <= 0 then
    redis.call('ZREM', backlog, group)
  end
  if redis.call('DECR', qs.group_prefix .. 'pending') <= 0 then
    redis.call('DEL', qs.group_prefix .. 'pending')
  end
  return left
end

-- A pending task of `group` was canceled: a group left without any leaves the rotation too.
local function group_canceled(qs, group)
  if group_unpend(qs, group) <= 0 then
    redis.call('ZREM', qs.group_prefix .. 'rotation', group)
  end
end

-- A task of `group` left running: it no longer counts against the group's limit, and a group with
-- pending tasks takes turns again.
local function group_ended(qs, group)
  local running = qs.group_prefix .. 'running'
  if redis.call('HINCRBY', running, group, -1) <= 0 then
    redis.call('HDEL', running, group)
  end
  if redis.call('ZSCORE', qs.group_prefix .. 'backlog', group) then
    group_ready(qs, group)
  end
end

-- A running task's lease ends without the task ending (released, postponed, failed, expired, repaired):
-- the lease token goes and the task stops counting against its group's limit (`group` nil = none).
-- `refund`: the attempt did not count (release, postpone), so the next claim counts it again and the
-- attempt's startedAt goes too. The caller moves the task out of running and sets its new status.
local function end_lease(qs, task_key, group, refund)
  if refund then
    redis.call('HINCRBY', task_key, 'attempt', -1)
    redis.call('HDEL', task_key, 'token', 'startedAt')
  else
    redis.call('HDEL', task_key, 'token')
  end
  if group then
    group_ended(qs, group)
  end
end

-- Counts a task that entered `group`'s pending lists, and gives the group turns if it needs them.
local function group_pended(qs, group)
  redis.call('ZINCRBY', qs.group_prefix .. 'backlog', 1, group)
  redis.call('INCR', qs.group_prefix .. 'pending')
  group_ready(qs, group)
end

-- Puts a task that becomes pending (new, due or redriven) at the back of its group's list (`group` not
-- nil) or the queue's. Returns 1 when it went to the queue's lists (for the caller's empty -> non-empty
-- wake), else 0 (a group that gets turns sets qs.wake).
local function push_pending(qs, pending_prefix, id, priority, group)
  if not group then
    redis.call('LPUSH', pending_prefix .. priority, id)
    return 1
  end
  redis.call('LPUSH', group_list_prefix(qs, group) .. priority, id)
  group_pended(qs, group)
  return 0
end

-- Gives tasks back to the front of their pending lists, the queue's or their group's (release, reap,
-- repair) so they run next, the oldest first. A task keeps its readyAt: losing a lease or being released
-- does not make it younger, so the oldest-pending age counts from when it first became runnable. It never
-- carries a readyAt newer than the task it goes in front of (it takes that one's), so the tail of every
-- list stays its oldest entry, which is what stats reads. `items`: {id = , priority = , ready_at = ,
-- group = (nil: none)} tables. Returns how many went to the queue's own lists (a group that gets turns
-- sets qs.wake).
local function put_back(qs, pending_prefix, task_prefix, items)
  table.sort(items, function(a, b)
    return a.ready_at > b.ready_at -- the newest first: the oldest ends at the tail, claimed first
  end)
  local plain = 0
  for _, item in ipairs(items) do
    local list = (item.group and group_list_prefix(qs, item.group) or pending_prefix) .. item.priority
    local ready_at = item.ready_at
    local tail = redis.call('LINDEX', list, -1)
    if tail then
      local tail_ready = ready_time(task_prefix .. tail)
      if tail_ready and tail_ready < ready_at then
        ready_at = tail_ready
      end
    end
    redis.call('RPUSH', list, item.id)
    redis.call('HSET', task_prefix .. item.id, 'readyAt', ready_at)
    if item.group then
      group_pended(qs, item.group)
    else
      plain = plain + 1
    end
  end
  return plain
end

-- Pending tasks of the queue: its lists and every group's.
local function pending_count(qs, pending_prefix)
  return pending_total(pending_prefix) + tonumber(redis.call('GET', qs.group_prefix .. 'pending') or '0')
end

-- A scheduled or retry task, already out of its ZSET, goes to the back of its pending list (the queue's or
-- its group's), runnable since `ready_at` (ms). `f`: its {status, priority, group} as HMGET reads them.
-- Returns 1 when it went to the queue's own lists, else 0 (as push_pending).
local function promote_task(qs, pending_prefix, task_key, id, f, ready_at, events)
  local plain = push_pending(qs, pending_prefix, id, f[2] or '0', f[3] or nil)
  redis.call('HSET', task_key, 'status', 'pending', 'readyAt', ready_at)
  emit_event(events, id, 'pending')
  return plain
end

-- Moves due ids of a ZSET (scheduled or retry) to the back of their pending list. Returns how many went
-- to the queue's own lists (a group that becomes ready sets qs.wake instead), then how many in all.
-- `events`: the event stream target (events_target) or nil.
local function promote_due(qs, set_key, pending_prefix, task_prefix, now, limit, events)
  local due = redis.call('ZRANGEBYSCORE', set_key, '-inf', qs.now_arg or now, 'WITHSCORES', 'LIMIT', '0', limit)
  local plain, moved = 0, 0
  for i = 1, #due, 2 do
    local id, due_at = due[i], due[i + 1]
    local task_key = task_prefix .. id
    redis.call('ZREM', set_key, id)
    local f = redis.call('HMGET', task_key, 'status', 'priority', 'group')
    if f[1] then -- a missing hash is an orphan id: dropping it is the repair
      plain = plain + promote_task(qs, pending_prefix, task_key, id, f, due_at, events)
      moved = moved + 1
    end
  end
  return plain, moved
end
