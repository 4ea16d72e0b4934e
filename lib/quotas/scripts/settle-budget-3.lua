--[[
  Ends a reservation: what it held is released at every level of its path and, unless
  ARGV[3] is -1 (a release), the actual amount is charged as spent at every level, also
  when the reservation had expired (the money was spent all the same).

  KEYS[1..3] as reserve-budget: levels, reservation deadlines, reservations
  ARGV[1] reservation id
  ARGV[2] path
  ARGV[3] actual amount spent, or -1 to release without spending

  Returns 1 when the reservation was still held, 0 when it had expired or ended.
]]
local levelsKey, deadlineKey, infoKey = KEYS[1], KEYS[2], KEYS[3]
--#include budget-sweep.lua
sweep()
local held = drop(ARGV[1])
local actual = tonumber(ARGV[3])
if actual > 0 then addAtEveryLevel(ARGV[2], 's', actual) end
return held
