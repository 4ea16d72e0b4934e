--[[
  Acknowledges a delivery and reserves the next due message in one round trip: the
  ack-message script, then the reserve-message script, both included unchanged (the
  loader replaces each `--#include` line with that file).

  KEYS[1] ready list, priority 9      KEYS[7]  attempts hash
  KEYS[2] ready list, priority 5      KEYS[8]  sequence counter
  KEYS[3] ready list, priority 1      KEYS[9]  wake list
  KEYS[4] delayed zset                KEYS[10] errors hash
  KEYS[5] reserved zset               KEYS[11] dedup zset
  KEYS[6] bodies hash

  ARGV[1] token to acknowledge        ARGV[4] visibility timeout ms
  ARGV[2] its message id              ARGV[5] how many due retries to promote at most
  ARGV[3] de-duplication window ms

  Returns the ack result (1 acknowledged, 0 unknown, stale or used token) followed by the
  reserve result: {ack, 1, token, stored body, attempts, deadline ms, last error or ''} or
  {ack, 0, next due ms or -1, now ms}.
]]
local function ack_message(KEYS, ARGV)
--#include ack-message-5.lua
end

local function reserve_message(KEYS, ARGV)
--#include reserve-message-10.lua
end

local acked = ack_message({KEYS[5], KEYS[6], KEYS[7], KEYS[11], KEYS[10]},
  {ARGV[1], ARGV[2], ARGV[3]})
local reserved = reserve_message({KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7],
  KEYS[8], KEYS[9], KEYS[10]}, {ARGV[4], ARGV[5]})
-- One table constructor: ioredis-mock reads back only tables built that way as arrays.
if reserved[1] == 1 then
  return {acked, reserved[1], reserved[2], reserved[3], reserved[4], reserved[5], reserved[6]}
end
return {acked, reserved[1], reserved[2], reserved[3]}
