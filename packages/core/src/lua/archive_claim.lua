--[[
  archive_claim: hands finished tasks to an archiver (ADR 0030). Each finished set (done, canceled, dead)
  has a frontier in the archive hash, the (score, id) of the last entry an archiver confirmed; this reads
  the entries just past it, oldest first, with their task hashes, under a lease on the queue so that one
  archiver at a time works on it (others get 'busy' and try another queue). Nothing is moved or deleted:
  the tasks stay finished in Redis until archive_confirm marks them and retention (trim) deletes them.

  KEYS[1] done         tq:{q}:done       ZSET score = finished-at ms
  KEYS[2] canceled     tq:{q}:canceled   ZSET score = finished-at ms
  KEYS[3] dead         tq:{q}:dead       ZSET score = dead-at ms
  KEYS[4] task prefix  tq:{q}:task:
  KEYS[5] archive      tq:{q}:archive    HASH: done, canceled, dead (frontiers "<score> <id>"), epoch,
                                         lease, leaseUntil (ms)

  ARGV[1] now ms ('' = Redis TIME)
  ARGV[2] lease token (unique per archiver process)
  ARGV[3] lease ms: how long the queue stays this archiver's
  ARGV[4] most tasks to return (0 = only look: no lease taken, no task read)
  ARGV[5] most bytes of payload and result to return (at least one task is returned)

  Returns {code, now, oldest, epoch, cursors, rows}:
    code     'ok', or 'busy' (another archiver's lease runs; nothing else is returned)
    oldest   the smallest score past the frontiers before this read (the oldest task not yet archived),
             '' when every finished task is archived
    epoch    the frontiers' epoch (trim bumps it when it moves a frontier back); archive_confirm advances
             frontiers only when it is unchanged
    cursors  {done, canceled, dead}: "<score> <id>" of the last entry read from each set, '' when none
    rows     one array per task read: {set index 1-3, id, score, field, value, field, value, …} (the whole
             hash; just {set index, id, score} for an id without a hash)
]]
-- @include common
-- @include zset

local sets = { KEYS[1], KEYS[2], KEYS[3] }
local task_prefix = KEYS[4]
local archive_key = KEYS[5]

local now = resolve_now(ARGV[1])
local token = ARGV[2]
local lease_ms = tonumber(ARGV[3])
local limit = tonumber(ARGV[4])
local max_bytes = tonumber(ARGV[5])

local CHUNK = 100

local a = redis.call('HMGET', archive_key, 'lease', 'leaseUntil', 'epoch', 'done', 'canceled', 'dead')
local lease, lease_until, epoch = a[1], tonumber(a[2] or '0'), a[3] or '0'
if limit > 0 then
  if lease and lease ~= token and lease_until > now then
    return { 'busy', now, '', epoch, {}, {} }
  end
  redis.call('HSET', archive_key, 'lease', token, 'leaseUntil', now + lease_ms)
end

-- Where each set's walk starts: the rank just past its frontier.
local starts = {}
local oldest, oldest_score = nil, ''
for i = 1, 3 do
  local frontier = a[3 + i]
  local start = 0
  if frontier then
    local space = string.find(frontier, ' ', 1, true)
    local rank, present = rank_of(sets[i], string.sub(frontier, 1, space - 1), string.sub(frontier, space + 1))
    start = rank + (present and 1 or 0)
  end
  starts[i] = start
  local first = redis.call('ZRANGE', sets[i], start, start, 'WITHSCORES')
  if first[2] and (oldest == nil or tonumber(first[2]) < oldest) then
    oldest, oldest_score = tonumber(first[2]), first[2]
  end
end

local rows = {}
local cursors = { '', '', '' }
local bytes = 0
local function full()
  return #rows >= limit or (#rows > 0 and bytes >= max_bytes)
end

-- Reads up to `quota` entries of set i from where its walk stands.
local function read(i, quota)
  local taken = 0
  while taken < quota and not full() do
    local n = math.min(CHUNK, quota - taken)
    local range = redis.call('ZRANGE', sets[i], starts[i], starts[i] + n - 1, 'WITHSCORES')
    if #range == 0 then
      return
    end
    for j = 1, #range, 2 do
      local id, score = range[j], range[j + 1]
      local row = { i, id, score }
      local hash = redis.call('HGETALL', task_prefix .. id)
      for k = 1, #hash, 2 do
        row[#row + 1] = hash[k]
        row[#row + 1] = hash[k + 1]
        if hash[k] == 'payload' or hash[k] == 'p' or hash[k] == 'result' then
          bytes = bytes + #hash[k + 1]
        end
      end
      rows[#rows + 1] = row
      starts[i] = starts[i] + 1
      cursors[i] = score .. ' ' .. id
      taken = taken + 1
      if taken >= quota or full() then
        return
      end
    end
  end
end

if limit > 0 then
  -- A fair share each first, so a busy set does not starve the others; then what is left, in order.
  local share = math.ceil(limit / 3)
  for i = 1, 3 do
    read(i, share)
  end
  for i = 1, 3 do
    read(i, limit)
  end
end

return { 'ok', now, oldest_score, epoch, cursors, rows }
