--[[
  Writes one agent's record: on register (taking ownership) or on a heartbeat (only while
  this incarnation still owns the record). Times come from the server clock, in ms.

  KEYS[1] agent hash      KEYS[2] capability set (JSON string)

  ARGV[1] mode: 'register' or 'beat'
  ARGV[2] owner token of this incarnation
  ARGV[3] name
  ARGV[4] status snapshot (JSON)
  ARGV[5] exported state (JSON), '' for none
  ARGV[6] capability set (JSON), '' to leave stored capabilities as they are ('register'
          deletes them instead: a new incarnation does not inherit the old one's)
  ARGV[7] heartbeat TTL ms
  ARGV[8] ms the keys live after this write (TTL + retention of lapsed records)

  Returns {code, heartbeat ms, capability revision ('0' when none)} as strings.
  code 1 written over this owner's record, 2 created (no record before),
       3 owned by another incarnation: nothing written.
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000.0 + math.floor(tonumber(t[2]) / 1000)
local owner = redis.call('HGET', KEYS[1], 'owner')
if ARGV[1] == 'beat' and owner and owner ~= ARGV[2] then
  return {'3', '0', '0'}
end
local code = '1'
if not owner then code = '2' end

local keep = tonumber(ARGV[8])
redis.call('HSET', KEYS[1], 'owner', ARGV[2], 'name', ARGV[3], 'status', ARGV[4],
  'hb', string.format('%.0f', now), 'ttl', ARGV[7])
if ARGV[5] == '' then
  redis.call('HDEL', KEYS[1], 'state')
else
  redis.call('HSET', KEYS[1], 'state', ARGV[5])
end

local rev = tonumber(redis.call('HGET', KEYS[1], 'capsRev')) or 0
if ARGV[6] ~= '' then
  if redis.call('GET', KEYS[2]) ~= ARGV[6] then
    rev = math.max(now, rev + 1)
    redis.call('SET', KEYS[2], ARGV[6])
    redis.call('HSET', KEYS[1], 'capsRev', string.format('%.0f', rev))
  end
elseif ARGV[1] == 'register' then
  redis.call('DEL', KEYS[2])
  redis.call('HDEL', KEYS[1], 'capsRev')
  rev = 0
end
if redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('PEXPIRE', KEYS[2], keep)
else
  rev = 0
end
redis.call('PEXPIRE', KEYS[1], keep)
return {code, string.format('%.0f', now), string.format('%.0f', rev)}
