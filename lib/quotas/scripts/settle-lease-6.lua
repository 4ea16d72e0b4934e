--[[
  Settles a lease: its charge becomes the tokens actually used (a refund or an extra, kept
  only while its admission is inside the window) and its concurrency slot is released (if
  its TTL has not released it already). The client settles each lease once.

  KEYS[1..6] as acquire-quota: state, log, charge, slot, seat, seat deadline
  ARGV[1] lease id
  ARGV[2] tokens actually used
  ARGV[3] window, ms

  Writes only keys that exist (and expire together), so it sets no TTL.

  Returns {slot released (1/0), charge changed (1/0), head seat or '', now}.
]]
local stateKey, logKey, chargeKey = KEYS[1], KEYS[2], KEYS[3]
local slotKey, seatKey, seatTtlKey = KEYS[4], KEYS[5], KEYS[6]
--#include quota-housekeeping.lua
local lease = ARGV[1]
local actual = tonumber(ARGV[2])
sweep(tonumber(ARGV[3]))
local released = redis.call('ZREM', slotKey, lease)
local changed = 0
local charge = tonumber(redis.call('HGET', chargeKey, lease))
if charge then
  redis.call('HSET', chargeKey, lease, actual)
  redis.call('HINCRBY', stateKey, 'tokens', actual - charge)
  changed = 1
end
return { released, changed, headSeat(), now }
