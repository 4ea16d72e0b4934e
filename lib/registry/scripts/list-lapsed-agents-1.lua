--[[
  Lists agents whose heartbeat deadline passed on the server clock, without claiming them:
  the sweep reads their records, then claims and announces them with claim-expired-1.lua.

  KEYS[1] agent index (sorted set scored by deadline ms)

  ARGV[1] most members to list

  Returns the lapsed members (`type/instance`), earliest deadline first.
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000.0 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. string.format('%.0f', now),
  'LIMIT', 0, tonumber(ARGV[1]))
