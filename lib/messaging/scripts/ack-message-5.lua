--[[
  Acknowledges a delivery: the message is removed for good and its id is remembered
  for the rest of its de-duplication window.

  KEYS[1] reserved zset   KEYS[4] dedup zset
  KEYS[2] bodies hash     KEYS[5] errors hash
  KEYS[3] attempts hash

  ARGV[1] token
  ARGV[2] message id (the id inside the token)
  ARGV[3] de-duplication window ms

  Returns 1 acknowledged, 0 unknown, stale or used token.
]]
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then
  return 0
end
local stored = redis.call('HGET', KEYS[2], ARGV[2])
redis.call('HDEL', KEYS[2], ARGV[2])
-- A delivery reserved with no failed attempt before it has no attempt count or error to drop:
-- every path that records one (nack, recovery) also ends this token's reservation.
if string.match(ARGV[1], '^%d+:(%d+):') ~= '0' then
  redis.call('HDEL', KEYS[3], ARGV[2])
  redis.call('HDEL', KEYS[5], ARGV[2])
end
local enqueued = stored and tonumber(string.match(stored, '^(%d+):'))
-- A window of 0 remembers nothing. The id is remembered until enqueuedAt + window without
-- reading the clock: a time already past is swept by the next send before it looks.
if enqueued and tonumber(ARGV[3]) > 0 then
  redis.call('ZADD', KEYS[4], string.format('%.0f', enqueued + tonumber(ARGV[3])), ARGV[2])
end
return 1
