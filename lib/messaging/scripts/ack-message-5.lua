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
redis.call('HDEL', KEYS[3], ARGV[2])
redis.call('HDEL', KEYS[5], ARGV[2])
local enqueued = stored and tonumber(string.match(stored, '^(%d+):'))
-- A window of 0 remembers nothing; decided without the clock, which can step back.
if enqueued and tonumber(ARGV[3]) > 0 then
  local time = redis.call('TIME')
  local now = tonumber(time[1]) * 1000.0 + math.floor(tonumber(time[2]) / 1000)
  local until_ms = enqueued + tonumber(ARGV[3])
  if until_ms > now then
    redis.call('ZADD', KEYS[4], string.format('%.0f', until_ms), ARGV[2])
  end
end
return 1
