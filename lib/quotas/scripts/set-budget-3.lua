--[[
  Sets the budget of one level (the path itself); what was spent there stays spent.

  KEYS[1..3] as reserve-budget: levels, reservation deadlines, reservations
  ARGV[1] path
  ARGV[2] budget

  Returns 1.
]]
local levelsKey, deadlineKey, infoKey = KEYS[1], KEYS[2], KEYS[3]
--#include budget-sweep.lua
sweep()
redis.call('HSET', levelsKey, 'b:' .. ARGV[1], ARGV[2])
return 1
