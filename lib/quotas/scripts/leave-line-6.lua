--[[
  Moves a waiting process's seat: to the arrival number of its next waiter, or out of the
  line when it has none left (its waiters gave up).

  KEYS[1..6] as acquire-quota: state, log, charge, slot, seat, seat deadline
  ARGV[1] seat id
  ARGV[2] arrival number of the seat's next waiter, 0 = none
  ARGV[3] seat TTL, ms

  Returns the head seat afterwards, or ''.
]]
local stateKey, logKey, chargeKey = KEYS[1], KEYS[2], KEYS[3]
local slotKey, seatKey, seatTtlKey = KEYS[4], KEYS[5], KEYS[6]
--#include quota-housekeeping.lua
local seat = ARGV[1]
local nextSeq = tonumber(ARGV[2])
if nextSeq > 0 then
  redis.call('ZADD', seatKey, nextSeq, seat)
  redis.call('ZADD', seatTtlKey, now + tonumber(ARGV[3]), seat)
else
  redis.call('ZREM', seatKey, seat)
  redis.call('ZREM', seatTtlKey, seat)
end
return headSeat()
