--[[
  Drops every dead letter of one agent; ids still inside their de-duplication window
  stay remembered, so a purged message cannot be sent again by mistake within it.

  KEYS[1] dead zset        KEYS[4] errors hash
  KEYS[2] bodies hash      KEYS[5] dedup zset
  KEYS[3] attempts hash

  ARGV[1] de-duplication window ms

  Returns the number of messages dropped.
]]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000.0 + math.floor(tonumber(time[2]) / 1000)
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
for _, id in ipairs(ids) do
  local stored = redis.call('HGET', KEYS[2], id)
  local enqueued = stored and tonumber(string.match(stored, '^(%d+):'))
  if enqueued and tonumber(ARGV[1]) > 0 and enqueued + tonumber(ARGV[1]) > now then
    redis.call('ZADD', KEYS[5], string.format('%.0f', enqueued + tonumber(ARGV[1])), id)
  end
  redis.call('HDEL', KEYS[2], id)
  redis.call('HDEL', KEYS[3], id)
  redis.call('HDEL', KEYS[4], id)
end
redis.call('DEL', KEYS[1])
return #ids
