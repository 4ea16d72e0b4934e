--[[
  Lists agents whose heartbeat deadline has not passed on the server clock.

  KEYS[1] agent index (sorted set scored by deadline ms)

  Returns the live members (`type/instance`).
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000.0 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZRANGEBYSCORE', KEYS[1], string.format('%.0f', now), '+inf')
