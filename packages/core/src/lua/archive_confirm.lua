--[[
  archive_confirm: an archiver says which finished tasks PostgreSQL now holds (committed). Each task whose
  status and finishedAt are still the ones archived gets the mark `archived` = "<status>:<finishedAt>",
  which is what retention (trim) requires before it deletes a task while archiving is on. The frontiers
  move forward (never back) to the cursors archive_claim gave, unless trim moved a frontier back since
  that claim (the epoch changed): then the next claim reads again from there.

  KEYS[1] archive      tq:{q}:archive   HASH (see archive_claim)
  KEYS[2] task prefix  tq:{q}:task:
  KEYS[3] deleted      tq:{q}:deleted   ZSET id -> deleted-at ms: tasks deleted by a user (delete_task)

  ARGV[1] lease token   (the lease is given back when ARGV[2] is '1' and the token still holds it)
  ARGV[2] '1' = release the lease
  ARGV[3] epoch the claim saw
  ARGV[4..6] new frontiers of done, canceled, dead ("<score> <id>"; '' = unchanged)
  ARGV[7..] triples: id, status archived, finishedAt archived (ms)

  Returns one code per triple:
    'ok'       marked archived
    'changed'  the task moved on since it was read (requeued, …): its later state is archived later
    'gone'     no hash: retention deleted it after another archiver confirmed it, or it was purged
    'deleted'  a user deleted it (delete_task) since it was read: the archiver deletes the row it wrote
]]
-- @include zset

local archive_key = KEYS[1]
local task_prefix = KEYS[2]
local deleted_key = KEYS[3]

local token = ARGV[1]
local release = ARGV[2] == '1'
local epoch = ARGV[3]

local set_names = { 'done', 'canceled', 'dead' }

-- Whether frontier "<score> <id>" a lies past b.
local function after(a, b)
  local sa, sb = string.find(a, ' ', 1, true), string.find(b, ' ', 1, true)
  local score_a, score_b = tonumber(string.sub(a, 1, sa - 1)), tonumber(string.sub(b, 1, sb - 1))
  if score_a ~= score_b then
    return score_a > score_b
  end
  return member_less(string.sub(b, sb + 1), string.sub(a, sa + 1))
end

local a = redis.call('HMGET', archive_key, 'epoch', 'lease', 'done', 'canceled', 'dead')
if (a[1] or '0') == epoch then
  for i = 1, 3 do
    local new = ARGV[3 + i]
    local current = a[2 + i]
    if new ~= '' and (not current or after(new, current)) then
      redis.call('HSET', archive_key, set_names[i], new)
    end
  end
end
if release and a[2] == token then
  redis.call('HDEL', archive_key, 'lease', 'leaseUntil')
end

local codes = {}
for i = 7, #ARGV, 3 do
  local id, status, finished_at = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local task_key = task_prefix .. id
  local f = redis.call('HMGET', task_key, 'status', 'finishedAt')
  if not f[1] then
    codes[#codes + 1] = redis.call('ZSCORE', deleted_key, id) and 'deleted' or 'gone'
  elseif f[1] == status and f[2] == finished_at then
    redis.call('HSET', task_key, 'archived', status .. ':' .. finished_at)
    codes[#codes + 1] = 'ok'
  else
    codes[#codes + 1] = 'changed'
  end
end
return codes
