--[[
  Holds a quota back: nothing is admitted, in any process, until now + ms (a provider's 429
  with Retry-After). A longer penalty already running is kept.

  KEYS[1..6] as acquire-quota: state, log, charge, slot, seat, seat deadline
  ARGV[1] ms to hold back
  ARGV[2] ms every key lives after a write

  Returns when the quota admits again: ms on the Redis clock.
]]
local stateKey, logKey, chargeKey = KEYS[1], KEYS[2], KEYS[3]
local slotKey, seatKey, seatTtlKey = KEYS[4], KEYS[5], KEYS[6]
--#include quota-housekeeping.lua
local untilMs = now + tonumber(ARGV[1])
local blocked = tonumber(redis.call('HGET', stateKey, 'blockedUntil')) or 0
if untilMs > blocked then
  redis.call('HSET', stateKey, 'blockedUntil', string.format('%.0f', untilMs))
  blocked = untilMs
end
keep(tonumber(ARGV[2]), { stateKey })
return math.floor(blocked)
