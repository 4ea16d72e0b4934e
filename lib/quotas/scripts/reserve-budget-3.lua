--[[
  Reserves an amount against a budget path: checked and held at every level at once, so
  concurrent reservers never take a level past its budget. Levels without a budget do not
  limit; a path with no budget at any level is refused (fail closed).

  KEYS[1] levels hash: b:<path> budget, s:<path> spent, r:<path> reserved (held)
  KEYS[2] reservation deadline zset: id -> expiry ms
  KEYS[3] reservation hash: id -> "<amount>|<path>"
  ARGV[1] reservation id (unique)
  ARGV[2] path, e.g. tenant/conversation/run
  ARGV[3] amount
  ARGV[4] reservation TTL, ms

  Returns {1, expiresAt} reserved, or {2, index of the refusing level (1 = root), what it has
  left}; {2, 0, 0} when no level of the path has a budget.
]]
local levelsKey, deadlineKey, infoKey = KEYS[1], KEYS[2], KEYS[3]
--#include budget-sweep.lua
sweep()
local amount = tonumber(ARGV[3])
local limited = false
for index, level in ipairs(levelsOf(ARGV[2])) do
  local budget = tonumber(redis.call('HGET', levelsKey, 'b:' .. level))
  if budget then
    limited = true
    local spent = tonumber(redis.call('HGET', levelsKey, 's:' .. level)) or 0
    local held = tonumber(redis.call('HGET', levelsKey, 'r:' .. level)) or 0
    local left = math.max(0, budget - spent - held)
    if amount > left then return { 2, index, left } end
  end
end
if not limited then return { 2, 0, 0 } end
addAtEveryLevel(ARGV[2], 'r', amount)
local expiresAt = now + tonumber(ARGV[4])
redis.call('HSET', infoKey, ARGV[1], ARGV[3] .. '|' .. ARGV[2])
redis.call('ZADD', deadlineKey, expiresAt, ARGV[1])
return { 1, expiresAt }
