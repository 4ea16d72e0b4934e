--[[
  Enqueues messages for one recipient, each unless it is a duplicate or the queue is full.
  One message or many: the clock, the dedup sweep, the queue count and the wake marker are
  read once per call, and a stored message costs three commands.

  KEYS[1] ready list, priority 9      KEYS[5] dedup zset (id -> remembered until, ms)
  KEYS[2] ready list, priority 5      KEYS[6] wake list (at most one marker)
  KEYS[3] ready list, priority 1      KEYS[7] dead zset
  KEYS[4] bodies hash (id -> "enqueuedAt:priority:body")

  ARGV[1] queue size limit
  then for each message, three arguments:
  ARGV[n] message id, ARGV[n+1] priority (9, 5 or 1), ARGV[n+2] encoded body

  Every message the queue holds has its body stored: the ready, delayed and reserved ones are
  the bodies less the dead-lettered ones, two counts instead of five.

  Returns a string with one digit per message, in order: 1 enqueued, 2 duplicate, 3 queue
  full, 5 bad priority. (A string, not a table: every Lua host reads it back the same way.)
]]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000.0 + math.floor(tonumber(time[2]) / 1000)
local stamp = string.format('%.0f', now)
local limit = tonumber(ARGV[1])
local ready_lists = {['9'] = KEYS[1], ['5'] = KEYS[2], ['1'] = KEYS[3]}

redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now)
local held = redis.call('HLEN', KEYS[4]) - redis.call('ZCARD', KEYS[7])

local codes = {}
local enqueued = 0
for n = 2, #ARGV, 3 do
  local id, priority = ARGV[n], ARGV[n + 1]
  local ready = ready_lists[priority]
  local code = 1
  if redis.call('ZSCORE', KEYS[5], id) then
    code = 2
  elseif held >= limit or not ready then
    -- Refused either way; a stored duplicate still reads as a duplicate.
    if redis.call('HEXISTS', KEYS[4], id) == 1 then
      code = 2
    elseif held >= limit then
      code = 3
    else
      code = 5
    end
  elseif redis.call('HSETNX', KEYS[4], id, stamp .. ':' .. priority .. ':' .. ARGV[n + 2]) == 0 then
    code = 2
  else
    redis.call('RPUSH', ready, id)
    held = held + 1
    enqueued = enqueued + 1
  end
  codes[#codes + 1] = code
end

if enqueued > 0 and redis.call('LLEN', KEYS[6]) == 0 then
  redis.call('RPUSH', KEYS[6], '1')
end
return table.concat(codes)
