--[[
  Gives reservations back that no handler ever started (a worker's prefetched messages when
  it stops): each message returns to the front of its ready list, in the order it was
  reserved, with no delivery attempt counted. A token that is no longer reserved (acked,
  nacked, recovered) is skipped; every token released goes stale.

  KEYS[1] ready list, priority 9      KEYS[4] reserved zset
  KEYS[2] ready list, priority 5      KEYS[5] bodies hash
  KEYS[3] ready list, priority 1      KEYS[6] wake list

  ARGV pairs, in the order the deliveries were reserved:
  ARGV[n] token, ARGV[n+1] its message id

  Returns the number released.
]]
--#include ready-list-for.lua
local released = 0
-- Pushed to the front last to first, so the first reserved is delivered first again.
for n = #ARGV - 1, 1, -2 do
  local token, id = ARGV[n], ARGV[n + 1]
  if redis.call('ZREM', KEYS[4], token) == 1 then
    local stored = redis.call('HGET', KEYS[5], id)
    if stored then
      redis.call('LPUSH', ready_list_for(stored, KEYS[1], KEYS[2], KEYS[3]), id)
      released = released + 1
    end
  end
end
if released > 0 and redis.call('LLEN', KEYS[6]) == 0 then
  redis.call('RPUSH', KEYS[6], '1')
end
return released
