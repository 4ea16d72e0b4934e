--[[
  Pushes a live reservation's deadline out.

  KEYS[1] reserved zset

  ARGV[1] token
  ARGV[2] new visibility timeout ms, counted from now

  Returns {1, new deadline ms as a decimal string}, {0} for an unknown or stale token,
  {-1} when it already expired.
]]
local deadline = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not deadline then
  return {0}
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000.0 + math.floor(tonumber(time[2]) / 1000)
if tonumber(deadline) < now then
  return {-1}
end
local extended = now + tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], string.format('%.0f', extended), ARGV[1])
return {1, string.format('%.0f', extended)}
