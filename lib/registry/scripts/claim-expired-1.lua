--[[
  Claims agents whose heartbeat deadline passed on the server clock. Removing them from the
  index is the claim, so exactly one caller gets each lapsed agent and announces it.

  KEYS[1] agent index (sorted set scored by deadline ms)

  ARGV[1] most members to claim

  Returns the claimed members (`type/instance`).
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000.0 + math.floor(tonumber(t[2]) / 1000)
local lapsed = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. string.format('%.0f', now),
  'LIMIT', 0, tonumber(ARGV[1]))
for _, member in ipairs(lapsed) do
  redis.call('ZREM', KEYS[1], member)
end
return lapsed
