--[[
  Records that an agent beat: its index score becomes the heartbeat deadline (server ms).

  KEYS[1] agent index (sorted set)

  ARGV[1] member (`type/instance`)
  ARGV[2] heartbeat TTL ms

  Returns 1 when the member was not indexed (new, or revived after being claimed expired),
  0 when its deadline was only moved.
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000.0 + math.floor(tonumber(t[2]) / 1000)
local deadline = string.format('%.0f', now + tonumber(ARGV[2]))
return redis.call('ZADD', KEYS[1], deadline, ARGV[1])
