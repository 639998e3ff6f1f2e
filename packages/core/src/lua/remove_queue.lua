--[[
  remove_queue: the queue-side half of removing a queue from tq:queues. Checks that the queue holds no
  task in any of its seven states and, for an idle removal, no settings and no serving worker or event
  listener; then (unless dry) deletes its `registered` marker, its event stream and its wake signal, so the next enqueue
  registers the queue again before it writes. The caller removes the name from tq:queues BEFORE the non-dry call and adds it back when that
  call refuses: an enqueue that lands before the call makes it refuse, one after it registers again.

  KEYS[1] pending prefix  tq:{q}:pending:   (lists <prefix>0..9)
  KEYS[2] scheduled       tq:{q}:scheduled
  KEYS[3] running         tq:{q}:running
  KEYS[4] retry           tq:{q}:retry
  KEYS[5] dead            tq:{q}:dead
  KEYS[6] done            tq:{q}:done
  KEYS[7] canceled        tq:{q}:canceled
  KEYS[8] meta            tq:{q}:meta        settings (paused, …)
  KEYS[9] registered      tq:{q}:registered
  KEYS[10] served         tq:{q}:served      set while a worker serves the queue
  KEYS[11] events         tq:{q}:events      STREAM of task events (deleted with the queue)
  KEYS[12] schedules      tq:{q}:schedules   ZSET of the queue's schedules
  KEYS[13] archive        tq:{q}:archive     HASH of archive frontiers (deleted with the queue)
  KEYS[14] starts         tq:{q}:starts      the rate window (lib/limits.lua; deleted with the queue)
  KEYS[15] group prefix   tq:{q}:g:          (group keys derived from it: lib/groups.lua)

  ARGV[1] mode: 'delete' (an operator's DELETE: settings and limits go too, not a partition layout) or 'idle' (automatic: never a
          queue with settings, limits included, or a serving worker)
  ARGV[2] '1' = dry run: check only
  ARGV[3] now ms ('' = Redis TIME): an events listener lease (meta eventsUntil) still running counts as served
  ARGV[4] ms the layout of a removed partitioned queue is kept ('' = for ever: a partition other than 0,
          or an unpartitioned queue): partition 0's meta, left with the layout alone, expires then
          (ADR 0050); the next registration of any partition PERSISTs it (Queue.confirmInRegistry)

  Returns {code, pending, scheduled, running, retry, dead, done, canceled}; code is
    'removed'   (or would be, when dry)
    'not_empty' some state holds a task
    'schedules' the queue holds schedules (they enqueue into it: delete them first)
    'settings'  idle mode: the queue has settings (meta; a lapsed eventsUntil is not one, nor the
                `grouped` mark, nor a partitioned queue's layout, which an idle removal keeps: ADR 0041)
    'served'    idle mode: a worker serves the queue, or an API holds its events listener lease
]]
-- @include events
-- @include common
-- @include settings
-- @include groups

local pending_prefix = KEYS[1]
local meta_key = KEYS[8]
local registered_key = KEYS[9]
local served_key = KEYS[10]
local events_key = KEYS[11]
local schedules_key = KEYS[12]
local archive_key = KEYS[13]
local starts_key = KEYS[14]
local group_prefix = KEYS[15]
local mode = ARGV[1]
-- A partitioned queue's layout in partition 0's meta (ADR 0040, 0043): not a setting, kept in both modes.
local LAYOUT_FIELDS = { 'partitions', 'partitionGen', 'partitionTags', 'partitionHistory' }
local is_layout = {}
for _, field in ipairs(LAYOUT_FIELDS) do
  is_layout[field] = true
end
local dry = ARGV[2] == '1'
local now = resolve_now(ARGV[3])
local layout_ttl = tonumber(ARGV[4])

local counts = { pending_count(queue_state(meta_key, group_prefix, nil), pending_prefix) }
for i = 2, 7 do
  counts[#counts + 1] = redis.call('ZCARD', KEYS[i])
end
local code = 'removed'
for _, n in ipairs(counts) do
  if n > 0 then
    code = 'not_empty'
  end
end
if code == 'removed' and redis.call('EXISTS', schedules_key) == 1 then
  code = 'schedules'
end
if code == 'removed' and mode == 'idle' then
  -- eventsUntil is the events listener lease, not a setting: while it runs the queue is in use.
  local listened_until = tonumber(redis.call('HGET', meta_key, 'eventsUntil') or '0')
  local setting_fields = redis.call('HLEN', meta_key) - (listened_until > 0 and 1 or 0)
    - redis.call('HEXISTS', meta_key, 'grouped')
  for _, field in ipairs(LAYOUT_FIELDS) do
    setting_fields = setting_fields - redis.call('HEXISTS', meta_key, field)
  end
  if setting_fields > 0 then
    code = 'settings'
  elseif redis.call('EXISTS', served_key) == 1 or listened_until > now then
    code = 'served'
  end
end
if code == 'removed' and not dry then
  -- No task is left, so the rotation holds at most '' and no group runs anything: the next task with a
  -- group marks the queue grouped again.
  redis.call('DEL', registered_key, events_key, archive_key, starts_key, group_prefix .. 'rotation',
    group_prefix .. 'running', string.sub(KEYS[1], 1, -9) .. 'signal') -- <base>pending: -> <base>signal
  if mode == 'idle' then
    -- Left with no setting but a lapsed lease, the grouped mark and a partitioned queue's layout.
    redis.call('HDEL', meta_key, 'eventsUntil', 'grouped')
  else
    -- Every setting goes in delete mode, but not the layout (ADR 0041).
    local fields = redis.call('HKEYS', meta_key)
    local settings = {}
    for _, field in ipairs(fields) do
      if not is_layout[field] then
        settings[#settings + 1] = field
      end
    end
    if #settings > 0 then
      redis.call('HDEL', meta_key, unpack(settings))
    end
  end
  -- A partitioned queue's layout stays in both modes: the queue keeps its partitions when a task comes
  -- again (producers may hold the layout; a resize changes the count, not a removal). It expires after
  -- the longest idempotency window unless a task comes (ADR 0050): its records in partitions 1.. are gone.
  if layout_ttl and redis.call('HEXISTS', meta_key, 'partitionGen') == 1 then
    redis.call('PEXPIRE', meta_key, layout_ttl)
  end
end
return { code, unpack(counts) }
