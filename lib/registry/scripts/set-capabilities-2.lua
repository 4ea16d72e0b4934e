--[[
  Stores the capability set of a registered agent; its key expires with the agent record.

  KEYS[1] agent hash      KEYS[2] capability set (JSON string)

  ARGV[1] capability set (JSON)

  Returns the capability revision as a string (server ms, strictly increasing per agent),
  or '0' when the agent has no record: nothing written.
]]
local ttl = redis.call('PTTL', KEYS[1])
if ttl == -2 then
  return '0'
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000.0 + math.floor(tonumber(t[2]) / 1000)
local rev = tonumber(redis.call('HGET', KEYS[1], 'capsRev')) or 0
if redis.call('GET', KEYS[2]) ~= ARGV[1] or rev == 0 then
  rev = math.max(now, rev + 1)
  redis.call('SET', KEYS[2], ARGV[1])
  redis.call('HSET', KEYS[1], 'capsRev', string.format('%.0f', rev))
end
if ttl > 0 then
  redis.call('PEXPIRE', KEYS[2], ttl)
end
return string.format('%.0f', rev)
