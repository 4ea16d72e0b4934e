--[[
  Forces a shared breaker closed and starts a new generation, so outcomes of calls still in
  flight change nothing. Clears failure counts and the rolling window. Server clock, in ms.

  KEYS[1] breaker hash (fields as in acquire-permit-1.lua)

  ARGV[1] ms the hash lives after the write

  Returns {1, 0 (closed), gen, 0, previous state or -1 when it was closed already};
  states as 0 closed, 1 open, 2 half_open.
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000.0 + math.floor(tonumber(t[2]) / 1000)
local codes = { closed = 0, open = 1, half_open = 2 }
local previous = codes[redis.call('HGET', KEYS[1], 'state') or 'closed']
local gen = (tonumber(redis.call('HGET', KEYS[1], 'gen')) or 0) + 1
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'state', 'closed', 'gen', string.format('%.0f', gen),
  'since', string.format('%.0f', now), 'probes', '0', 'probeOk', '0', 'failures', '0')
redis.call('PEXPIRE', KEYS[1], ARGV[1])
local from = -1
if previous ~= 0 then from = previous end
return {1, 0, math.floor(gen), 0, from}
