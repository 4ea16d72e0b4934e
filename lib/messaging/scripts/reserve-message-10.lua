--[[
  Reserves the next due message: promotes due retries, then pops the highest priority,
  oldest first, and records a reservation under a token unique to this delivery.

  KEYS[1] ready list, priority 9      KEYS[6]  bodies hash
  KEYS[2] ready list, priority 5      KEYS[7]  attempts hash (id -> failed deliveries)
  KEYS[3] ready list, priority 1      KEYS[8]  sequence counter
  KEYS[4] delayed zset                KEYS[9]  wake list
  KEYS[5] reserved zset               KEYS[10] errors hash (id -> last error)

  ARGV[1] visibility timeout ms
  ARGV[2] how many due retries to promote at most

  Returns {1, token, stored body, attempts, deadline ms, last error or ''} when a message
  was reserved (the error of its previous failed delivery, if any),
  {0, next due ms or -1, now ms} when nothing is due. Times are decimal strings, since
  integer replies lose precision on some Lua hosts.
  A token is "<sequence>:<attempts>:<id>".
]]
--#include ready-list-for.lua
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000.0 + math.floor(tonumber(time[2]) / 1000)

-- A range query costs several times a count: most calls find no retry waiting.
if redis.call('ZCARD', KEYS[4]) > 0 then
  local due = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
  for _, id in ipairs(due) do
    redis.call('ZREM', KEYS[4], id)
    local stored = redis.call('HGET', KEYS[6], id)
    if stored then
      redis.call('RPUSH', ready_list_for(stored, KEYS[1], KEYS[2], KEYS[3]), id)
    end
  end
end

for i = 1, 3 do
  local id = redis.call('LPOP', KEYS[i])
  while id do
    local stored = redis.call('HGET', KEYS[6], id)
    if stored then
      local attempts = tonumber(redis.call('HGET', KEYS[7], id) or '0')
      local sequence = redis.call('INCR', KEYS[8])
      local token = string.format('%d:%d:', sequence, attempts) .. id
      local deadline = now + tonumber(ARGV[1])
      redis.call('ZADD', KEYS[5], string.format('%.0f', deadline), token)
      if redis.call('LLEN', KEYS[9]) == 0 and (redis.call('LLEN', KEYS[1]) + redis.call('LLEN', KEYS[2])
          + redis.call('LLEN', KEYS[3])) > 0 then
        redis.call('RPUSH', KEYS[9], '1')
      end
      local last_error = ''
      if attempts > 0 then last_error = redis.call('HGET', KEYS[10], id) or '' end
      return {1, token, stored, attempts, string.format('%.0f', deadline), last_error}
    end
    id = redis.call('LPOP', KEYS[i])
  end
end

local nextDue = redis.call('ZRANGE', KEYS[4], 0, 0, 'WITHSCORES')
if nextDue[2] then
  return {0, nextDue[2], string.format('%.0f', now)}
end
return {0, '-1', string.format('%.0f', now)}
