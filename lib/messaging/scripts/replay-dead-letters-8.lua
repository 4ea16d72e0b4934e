--[[
  Puts dead letters back at the end of their ready list with attempts and error reset.

  KEYS[1] dead zset        KEYS[5] ready list, priority 9
  KEYS[2] bodies hash      KEYS[6] ready list, priority 5
  KEYS[3] attempts hash    KEYS[7] ready list, priority 1
  KEYS[4] errors hash      KEYS[8] wake list

  ARGV[1..n] message ids; none means every dead letter

  Returns the number of messages put back.
]]
--#include ready-list-for.lua
local ids = ARGV
if #ids == 0 then
  ids = redis.call('ZRANGE', KEYS[1], 0, -1)
end
local moved = 0
for _, id in ipairs(ids) do
  if redis.call('ZREM', KEYS[1], id) == 1 then
    local stored = redis.call('HGET', KEYS[2], id)
    redis.call('HDEL', KEYS[3], id)
    redis.call('HDEL', KEYS[4], id)
    if stored then
      redis.call('RPUSH', ready_list_for(stored, KEYS[5], KEYS[6], KEYS[7]), id)
      moved = moved + 1
    end
  end
end
if moved > 0 and redis.call('LLEN', KEYS[8]) == 0 then
  redis.call('RPUSH', KEYS[8], '1')
end
return moved
