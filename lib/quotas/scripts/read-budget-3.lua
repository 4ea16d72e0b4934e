--[[
  Reads every level of a path after releasing expired reservations.

  KEYS[1..3] as reserve-budget: levels, reservation deadlines, reservations
  ARGV[1] path

  Returns a string: per level from the root down, "<budget or -1 when the level has none>
  <spent> <reserved>", levels joined by ';'. (A string, not a table grown in a loop:
  ioredis-mock cannot return the latter.)
]]
local levelsKey, deadlineKey, infoKey = KEYS[1], KEYS[2], KEYS[3]
--#include budget-sweep.lua
sweep()
local out = ''
for index, level in ipairs(levelsOf(ARGV[1])) do
  local budget = redis.call('HGET', levelsKey, 'b:' .. level) or '-1'
  local spent = redis.call('HGET', levelsKey, 's:' .. level) or '0'
  local held = redis.call('HGET', levelsKey, 'r:' .. level) or '0'
  out = out .. (index > 1 and ';' or '') .. budget .. ' ' .. spent .. ' ' .. held
end
return out
