--[[
  Reads a quota's live usage without changing it: what the sweep of acquire-quota would
  leave is counted, nothing is removed.

  KEYS[1..6] as acquire-quota: state, log, charge, slot, seat, seat deadline
  ARGV[1] window, ms

  Returns {requests in the window, tokens charged in the window, slots held, seats waiting,
  ms of penalty left}.
]]
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local cutoff = now - tonumber(ARGV[1])
local live = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. cutoff, '+inf')
local tokens = 0
for _, lease in ipairs(live) do tokens = tokens + (tonumber(redis.call('HGET', KEYS[3], lease)) or 0) end
local slots = #redis.call('ZRANGEBYSCORE', KEYS[4], '(' .. now, '+inf')
local seats = #redis.call('ZRANGEBYSCORE', KEYS[6], '(' .. now, '+inf')
local blocked = tonumber(redis.call('HGET', KEYS[1], 'blockedUntil')) or 0
return { #live, tokens, slots, seats, math.max(0, math.floor(blocked - now)) }
