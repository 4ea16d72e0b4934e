--[[
  Enqueues messages for one recipient, each unless it is a duplicate or the queue is full.
  One message or many: the clock, the dedup sweep, the queue count and the wake marker are
  read once per call, and each message costs four commands.

  KEYS[1] ready list, priority 9      KEYS[5] reserved zset (token -> deadline ms)
  KEYS[2] ready list, priority 5      KEYS[6] bodies hash (id -> "enqueuedAt:priority:body")
  KEYS[3] ready list, priority 1      KEYS[7] dedup zset (id -> remembered until, ms)
  KEYS[4] delayed zset (id -> due ms) KEYS[8] wake list (at most one marker)

  ARGV[1] queue size limit
  then for each message, three arguments:
  ARGV[n] message id, ARGV[n+1] priority (9, 5 or 1), ARGV[n+2] encoded body

  Returns a string with one digit per message, in order: 1 enqueued, 2 duplicate, 3 queue
  full, 5 bad priority. (A string, not a table: every Lua host reads it back the same way.)
]]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000.0 + math.floor(tonumber(time[2]) / 1000)
local stamp = string.format('%.0f', now)
local limit = tonumber(ARGV[1])
local ready_lists = {['9'] = KEYS[1], ['5'] = KEYS[2], ['1'] = KEYS[3]}

redis.call('ZREMRANGEBYSCORE', KEYS[7], '-inf', now)
local held = redis.call('LLEN', KEYS[1]) + redis.call('LLEN', KEYS[2]) + redis.call('LLEN', KEYS[3])
  + redis.call('ZCARD', KEYS[4]) + redis.call('ZCARD', KEYS[5])

local codes = {}
local enqueued = 0
for n = 2, #ARGV, 3 do
  local id, priority = ARGV[n], ARGV[n + 1]
  local ready = ready_lists[priority]
  local code = 1
  if redis.call('HEXISTS', KEYS[6], id) == 1 or redis.call('ZSCORE', KEYS[7], id) then
    code = 2
  elseif held >= limit then
    code = 3
  elseif not ready then
    code = 5
  else
    redis.call('HSET', KEYS[6], id, stamp .. ':' .. priority .. ':' .. ARGV[n + 2])
    redis.call('RPUSH', ready, id)
    held = held + 1
    enqueued = enqueued + 1
  end
  codes[#codes + 1] = code
end

if enqueued > 0 and redis.call('LLEN', KEYS[8]) == 0 then
  redis.call('RPUSH', KEYS[8], '1')
end
return table.concat(codes)
