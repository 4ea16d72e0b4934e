--[[
  Acknowledges any number of deliveries, then reserves up to a given number of due messages,
  in one round trip: the ack-message script once per token, then the reserve-message script
  until nothing is due or the number is reached, both included unchanged.

  KEYS as ack-and-reserve-11 (ready lists 9, 5, 1, delayed, reserved, bodies, attempts,
  sequence, wake, errors, dedup).

  ARGV[1] de-duplication window ms    ARGV[4] most messages to reserve
  ARGV[2] visibility timeout ms       then for each delivery to acknowledge, two arguments:
  ARGV[3] how many due retries to     ARGV[n] token, ARGV[n+1] its message id
          promote at most

  Returns {acks, count, ...}: acks is a string with one digit per token, in order (1
  acknowledged, 0 unknown, stale or used token), count the number reserved, then five values
  per reserved message: token, stored body, attempts, deadline ms, last error or ''. With
  nothing reserved: {acks, 0, next due ms or -1, now ms}.
]]
local function ack_message(KEYS, ARGV)
--#include ack-message-5.lua
end

local function reserve_message(KEYS, ARGV)
--#include reserve-message-10.lua
end

local ack_keys = {KEYS[5], KEYS[6], KEYS[7], KEYS[11], KEYS[10]}
local acks = {}
for n = 5, #ARGV, 2 do
  acks[#acks + 1] = ack_message(ack_keys, {ARGV[n], ARGV[n + 1], ARGV[1]})
end

local reserve_keys = {KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8],
  KEYS[9], KEYS[10]}
local reserve_args = {ARGV[2], ARGV[3]}
local out = {table.concat(acks), 0}
local reserved
for _ = 1, tonumber(ARGV[4]) do
  reserved = reserve_message(reserve_keys, reserve_args)
  if reserved[1] ~= 1 then break end
  out[2] = out[2] + 1
  for i = 2, 6 do out[#out + 1] = reserved[i] end
end
if out[2] == 0 then
  return {out[1], 0, reserved[2], reserved[3]}
end
-- Rebuilt by one table constructor: ioredis-mock reads back only tables built that way as arrays.
local unpack = unpack or table.unpack
return {unpack(out)}
