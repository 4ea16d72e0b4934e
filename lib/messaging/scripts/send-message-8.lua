--[[
  Enqueues one message for one recipient, unless it is a duplicate or the queue is full.

  KEYS[1] ready list, priority 9      KEYS[5] reserved zset (token -> deadline ms)
  KEYS[2] ready list, priority 5      KEYS[6] bodies hash (id -> "enqueuedAt:priority:body")
  KEYS[3] ready list, priority 1      KEYS[7] dedup zset (id -> remembered until, ms)
  KEYS[4] delayed zset (id -> due ms) KEYS[8] wake list (at most one marker)

  ARGV[1] message id
  ARGV[2] priority (9, 5 or 1)
  ARGV[3] encoded body
  ARGV[4] queue size limit

  Returns 1 enqueued, 2 duplicate, 3 queue full, 5 bad priority.
]]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000.0 + math.floor(tonumber(time[2]) / 1000)
local id = ARGV[1]

if redis.call('HEXISTS', KEYS[6], id) == 1 then
  return 2
end
redis.call('ZREMRANGEBYSCORE', KEYS[7], '-inf', now)
if redis.call('ZSCORE', KEYS[7], id) then
  return 2
end

local held = redis.call('LLEN', KEYS[1]) + redis.call('LLEN', KEYS[2]) + redis.call('LLEN', KEYS[3])
  + redis.call('ZCARD', KEYS[4]) + redis.call('ZCARD', KEYS[5])
if held >= tonumber(ARGV[4]) then
  return 3
end

local ready
if ARGV[2] == '9' then ready = KEYS[1] elseif ARGV[2] == '5' then ready = KEYS[2]
elseif ARGV[2] == '1' then ready = KEYS[3] else return 5 end

redis.call('HSET', KEYS[6], id, string.format('%.0f', now) .. ':' .. ARGV[2] .. ':' .. ARGV[3])
redis.call('RPUSH', ready, id)
if redis.call('LLEN', KEYS[8]) == 0 then
  redis.call('RPUSH', KEYS[8], '1')
end
return 1
