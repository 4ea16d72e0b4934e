--[[
  Gives a delivery back: counts the failed attempt, then schedules a retry after the
  backoff delay, or dead-letters when the failure is permanent or retries are spent.

  KEYS[1] reserved zset    KEYS[5] delayed zset
  KEYS[2] attempts hash    KEYS[6] sequence counter
  KEYS[3] errors hash      KEYS[7] wake list
  KEYS[4] dead zset (id -> sequence, oldest first)

  ARGV[1] token
  ARGV[2] message id
  ARGV[3] 1 for a permanent failure, else 0
  ARGV[4] retry attempts allowed
  ARGV[5] backoff delay ms
  ARGV[6] error text

  Returns 0 unknown or stale token, 1 scheduled for retry, 2 dead-lettered.
]]
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then
  return 0
end
local id = ARGV[2]
local attempts = redis.call('HINCRBY', KEYS[2], id, 1)
if ARGV[6] ~= '' then
  redis.call('HSET', KEYS[3], id, ARGV[6])
end
if ARGV[3] == '1' or attempts > tonumber(ARGV[4]) then
  redis.call('ZADD', KEYS[4], redis.call('INCR', KEYS[6]), id)
  return 2
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000.0 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZADD', KEYS[5], string.format('%.0f', now + tonumber(ARGV[5])), id)
if redis.call('LLEN', KEYS[7]) == 0 then
  redis.call('RPUSH', KEYS[7], '1')
end
return 1
