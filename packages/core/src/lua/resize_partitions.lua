--[[
  resize_partitions: replaces a partitioned queue's layout (ADR 0043), only if its generation is still the
  one the caller read, so of two concurrent resizes one wins and the other writes nothing.

  KEYS[1] meta  tq:{q}:meta  HASH, partition 0's (fields partitions, partitionGen, partitionTags,
                partitionHistory)

  ARGV[1] the generation the caller read (0 = no layout stored: an unpartitioned queue)
  ARGV[2] partitions: how many partitions new tasks go to
  ARGV[3] partitionTags: the placement suffix of each partition served, comma separated (partitions
          from ARGV[2] on are draining)
  ARGV[4] partitionHistory: JSON of the earlier generations still held ('' = none)

  Returns {'ok', generation} with the generation written (the one read + 1), or {'conflict', generation}
  with the one stored, writing nothing.
]]

local meta_key = KEYS[1]
local expected = tonumber(ARGV[1])
local partitions = ARGV[2]
local tags = ARGV[3]
local history = ARGV[4]

local stored = tonumber(redis.call('HGET', meta_key, 'partitionGen') or '0')
if stored ~= expected then
  return { 'conflict', stored }
end
redis.call('HSET', meta_key, 'partitionGen', stored + 1, 'partitions', partitions, 'partitionTags', tags)
if history == '' then
  redis.call('HDEL', meta_key, 'partitionHistory')
else
  redis.call('HSET', meta_key, 'partitionHistory', history)
end
return { 'ok', stored + 1 }
