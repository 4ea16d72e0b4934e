--[[
  Asks one shared circuit breaker whether a call may run, applying the time-driven
  transitions first: open -> half_open once the open timeout has passed, and a half-open
  period that has not closed within the recovery timeout -> open. In half-open it hands out
  at most halfOpenMaxCalls probe slots per period, counted here, so processes that race
  cannot take more. Times come from the server clock, in ms.

  KEYS[1] breaker hash: state ('closed'|'open'|'half_open'; absent = closed), gen (bumped
          on every transition), since (ms the state began), failures, openedOnFailures
          (the failure count the breaker was last opened on; kept while open or half-open,
          absent once closed; a half-open period timing out keeps it), probes, probeOk,
          window buckets w<i>, w<i>n, w<i>f

  ARGV[1] mode: 'acquire' takes a slot; 'peek' only tells, writing nothing
  ARGV[2] openTimeoutMs
  ARGV[3] halfOpenMaxCalls
  ARGV[4] recoveryTimeoutMs
  ARGV[5] ms the hash lives after a write

  Returns {code, state, gen, elapsed ms in state, previous state or -1 when this call made
  no transition}; states as 0 closed, 1 open, 2 half_open.
  code 1 admitted (closed), 2 admitted as a half-open probe,
       3 rejected: open, 4 rejected: half-open with every probe slot taken.
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000.0 + math.floor(tonumber(t[2]) / 1000)
-- HGET, not HMGET: ioredis-mock answers HMGET's missing fields with a truthy userdata.
local state = redis.call('HGET', KEYS[1], 'state') or 'closed'
local gen = tonumber(redis.call('HGET', KEYS[1], 'gen')) or 0
local since = tonumber(redis.call('HGET', KEYS[1], 'since')) or now
local probes = tonumber(redis.call('HGET', KEYS[1], 'probes')) or 0
local peek = ARGV[1] == 'peek'
local openMs = tonumber(ARGV[2])
local maxProbes = tonumber(ARGV[3])
local recoveryMs = tonumber(ARGV[4])
local codes = { closed = 0, open = 1, half_open = 2 }
local from = -1

local function move(to)
  if from == -1 then from = codes[state] end
  state = to
  gen = gen + 1
  since = now
  probes = 0
  if not peek then
    redis.call('HSET', KEYS[1], 'state', to, 'gen', string.format('%.0f', gen),
      'since', string.format('%.0f', now), 'probes', '0', 'probeOk', '0', 'failures', '0')
    redis.call('PEXPIRE', KEYS[1], ARGV[5])
  end
end

if state == 'half_open' and now - since >= recoveryMs then move('open') end
if state == 'open' and now - since >= openMs then move('half_open') end

local code = 1
if state == 'open' then
  code = 3
elseif state == 'half_open' then
  if probes < maxProbes then
    code = 2
    if not peek then redis.call('HINCRBY', KEYS[1], 'probes', 1) end
  else
    code = 4
  end
end
return {code, codes[state], math.floor(gen), math.floor(now - since), from}
