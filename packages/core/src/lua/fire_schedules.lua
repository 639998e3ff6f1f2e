--[[
  fire_schedules: for each schedule, if it is still at the revision and cursor the caller read (with
  due_schedules), enqueues one task per planned slot and advances the cursor, together. This
  compare-and-advance is what makes each slot exactly one task whatever the number of reapers: a second
  reaper that planned the same slots finds the cursor moved and fires nothing, and a reaper that stalls
  past any timeout still holds a cursor that is no longer current (ADR 0025).

  KEYS[1] schedules        tq:{q}:schedules   ZSET id -> next slot ms
  KEYS[2] schedule prefix  tq:{q}:schedule:   (hashes <prefix><id> derived from it, same hash tag)
  KEYS[3] pending prefix   tq:{q}:pending:    (lists <prefix>0..9 derived from it)
  KEYS[4] task prefix      tq:{q}:task:       (task hashes <prefix><id> derived from it)
  KEYS[5] meta             tq:{q}:meta        HASH (events mode)
  KEYS[6] events           tq:{q}:events      STREAM (lua/lib/events.lua): a 'pending' event per task

  ARGV[1] now ms ('' = Redis TIME): the tasks' createdAt, the schedule's lastFiredAt
  ARGV[2] wake channel: '1' when a pending list was empty
  ARGV[3..] per schedule: id, revision read, cursor read (ms), new cursor (ms), next slot ms (the score;
          NEVER_MS when none is left), slots skipped by the misfire policy, k; then k x (task local id,
          slot ms, missed slots it stands for: 0 for a slot on time, n for the run-once catch-up). A task's
          id length tells the stored format it is written in, as in enqueue (ADR 0045).

  A task is skipped instead (counted in skippedOverlap, by the slots it stands for) when the schedule's overlap policy is 'skip' and
  the last task it enqueued is not finished (pending, scheduled, running or retry).

  Returns one {id, code, created local ids, overlap skips} per schedule; code is 'fired', or 'stale'
  (the schedule changed, was paused, fired or deleted since it was read: nothing written).
]]
-- @include events
-- @include common

local index_key = KEYS[1]
local schedule_prefix = KEYS[2]
local pending_prefix = KEYS[3]
local task_prefix = KEYS[4]
local now = resolve_now(ARGV[1])
local wake_channel = ARGV[2]
local events = events_target(KEYS[5], KEYS[6], now)

local UNFINISHED = { pending = true, scheduled = true, running = true, retry = true }
local woke = false
local results = {}

local function create_task(schedule_key, s, schedule_id, id, slot, missed)
  -- Format 2 (a COMPACT_ID_LENGTH id): one-letter names, no m at DEFAULT_MAX_ATTEMPTS, no status while
  -- pending; format 1: the full names (see enqueue.lua).
  local fields
  if #id == COMPACT_ID_LENGTH then
    fields = { 't', s.type, 'p', s.payload, 'c', now, 'schedule', schedule_id, 'slot', slot }
    if s.maxAttempts ~= DEFAULT_MAX_ATTEMPTS then
      fields[#fields + 1] = 'm'
      fields[#fields + 1] = s.maxAttempts
    end
  else
    fields = {
      'type', s.type, 'payload', s.payload, 'maxAttempts', s.maxAttempts, 'createdAt', now,
      'status', 'pending', 'schedule', schedule_id, 'slot', slot,
    }
  end
  if s.priority ~= '0' then
    fields[#fields + 1] = 'priority'
    fields[#fields + 1] = s.priority
  end
  if s.timeoutMs then
    fields[#fields + 1] = 'timeoutMs'
    fields[#fields + 1] = s.timeoutMs
  end
  if missed ~= '0' then
    fields[#fields + 1] = 'missed'
    fields[#fields + 1] = missed
  end
  redis.call('HSET', task_prefix .. id, unpack(fields))
  if redis.call('LPUSH', pending_prefix .. s.priority, id) == 1 then
    woke = true
  end
  emit_event(events, id, 'pending')
end

local i = 3
while i <= #ARGV do
  local id, rev, cursor, new_cursor = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local next_at, misfire_skipped, k = ARGV[i + 4], tonumber(ARGV[i + 5]), tonumber(ARGV[i + 6])
  local first_task = i + 7
  i = first_task + 3 * k

  local schedule_key = schedule_prefix .. id
  local f = redis.call('HMGET', schedule_key, 'rev', 'cursor', 'paused', 'overlap', 'lastTaskId',
    'type', 'payload', 'priority', 'maxAttempts', 'timeoutMs')
  if f[1] ~= rev or f[2] ~= cursor or f[3] then
    results[#results + 1] = { id, 'stale', {}, 0 }
  else
    local s = { type = f[6], payload = f[7], priority = f[8] or '0', maxAttempts = f[9], timeoutMs = f[10] }
    local last_task = f[5]
    local created = {}
    local overlap_skipped = 0
    local last_slot = nil
    for t = first_task, first_task + 3 * (k - 1), 3 do
      local task_id, slot, missed = ARGV[t], ARGV[t + 1], ARGV[t + 2]
      local busy = false
      if f[4] == 'skip' and last_task then
        -- The last task may be of either format: a format 2 one without status is pending.
        local last = redis.call('HMGET', task_prefix .. last_task, 'status', 't')
        busy = UNFINISHED[task_status(last[1], last[2]) or 'gone'] or false
      end
      if busy then
        -- A run-once catch-up skipped this way skips every slot it stood for.
        overlap_skipped = overlap_skipped + math.max(1, tonumber(missed))
      else
        create_task(schedule_key, s, id, task_id, slot, missed)
        created[#created + 1] = task_id
        last_task = task_id
        last_slot = slot
        if missed ~= '0' then
          redis.call('HINCRBY', schedule_key, 'missedRunOnce', tonumber(missed))
        end
      end
    end
    local set = { 'cursor', new_cursor }
    if #created > 0 then
      set[#set + 1] = 'lastTaskId'
      set[#set + 1] = last_task
      set[#set + 1] = 'lastSlot'
      set[#set + 1] = last_slot
      set[#set + 1] = 'lastFiredAt'
      set[#set + 1] = now
      redis.call('HINCRBY', schedule_key, 'fired', #created)
    end
    redis.call('HSET', schedule_key, unpack(set))
    if overlap_skipped > 0 then
      redis.call('HINCRBY', schedule_key, 'skippedOverlap', overlap_skipped)
    end
    if misfire_skipped > 0 then
      redis.call('HINCRBY', schedule_key, 'skippedMisfire', misfire_skipped)
    end
    redis.call('ZADD', index_key, next_at, id)
    results[#results + 1] = { id, 'fired', created, overlap_skipped }
  end
end
if woke then
  redis.call('PUBLISH', wake_channel, '1')
end
return results
