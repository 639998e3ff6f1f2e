-- Sorted-set cursor helpers, inlined where a script says `-- @include zset`.

-- Byte order, as Redis orders members of equal score (Lua's < on strings follows the locale).
local function member_less(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then
      return x < y
    end
  end
  return #a < #b
end

-- How many entries sort before (score, member), and whether it is in the set. Entries of one score sort
-- by member: a binary search over that run of ranks finds the place of a member that has left.
local function rank_of(key, score, member)
  local current = redis.call('ZSCORE', key, member)
  if current and tonumber(current) == tonumber(score) then
    return redis.call('ZRANK', key, member), true
  end
  local lo = redis.call('ZCOUNT', key, '-inf', '(' .. score)
  local hi = redis.call('ZCOUNT', key, '-inf', score)
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if member_less(redis.call('ZRANGE', key, mid, mid)[1], member) then
      lo = mid + 1
    else
      hi = mid
    end
  end
  return lo, false
end
