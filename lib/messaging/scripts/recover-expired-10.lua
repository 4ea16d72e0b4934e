--[[
  Returns expired reservations to the front of their ready list, counting each as a failed
  delivery; a message over its retry limit is dead-lettered instead. Its token goes stale.

  KEYS[1] reserved zset    KEYS[6] ready list, priority 9
  KEYS[2] bodies hash      KEYS[7] ready list, priority 5
  KEYS[3] attempts hash    KEYS[8] ready list, priority 1
  KEYS[4] errors hash      KEYS[9] sequence counter
  KEYS[5] dead zset        KEYS[10] wake list

  ARGV[1] retry attempts allowed
  ARGV[2] most reservations to move in this call
  ARGV[3] error text recorded on the message

  Returns {moved, dead-lettered}.
]]
--#include ready-list-for.lua
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000.0 + math.floor(tonumber(time[2]) / 1000)
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. string.format('%.0f', now), 'LIMIT', 0, tonumber(ARGV[2]))
local dead = 0
for _, token in ipairs(expired) do
  redis.call('ZREM', KEYS[1], token)
  local id = string.match(token, '^%d+:%d+:(.+)$')
  local stored = id and redis.call('HGET', KEYS[2], id)
  if stored then
    local attempts = redis.call('HINCRBY', KEYS[3], id, 1)
    redis.call('HSET', KEYS[4], id, ARGV[3])
    if attempts > tonumber(ARGV[1]) then
      redis.call('ZADD', KEYS[5], redis.call('INCR', KEYS[9]), id)
      dead = dead + 1
    else
      redis.call('LPUSH', ready_list_for(stored, KEYS[6], KEYS[7], KEYS[8]), id)
    end
  end
end
if #expired > dead and redis.call('LLEN', KEYS[10]) == 0 then
  redis.call('RPUSH', KEYS[10], '1')
end
return {#expired, dead}
