--[[
  Records the outcome of a call a breaker admitted, and makes the transition it causes:
  closed -> open at failureThreshold consecutive failures (or, in failure-rate mode, when
  the failed share of the rolling window reaches the threshold), half_open -> closed at
  successThreshold successful probes, half_open -> open on any failed probe. An outcome of
  a call admitted in an earlier generation (the breaker moved since) changes no state.
  'trip' opens a closed breaker whatever the generation: a process that opened its breaker
  while Redis was unreachable publishes that when Redis is back. Server clock, in ms.

  KEYS[1] breaker hash (fields as in acquire-permit-1.lua)

  ARGV[1] outcome: 'success' | 'failure' | 'trip'
  ARGV[2] generation the call was admitted in
  ARGV[3] failureThreshold
  ARGV[4] successThreshold
  ARGV[5] ms the hash lives after a write
  ARGV[6] rolling window bucket length in ms, 0 when the failure-rate mode is off
  ARGV[7] number of window buckets
  ARGV[8] minimumCalls in the window before the rate counts
  ARGV[9] failure rate threshold in basis points (1-10000)

  Returns {code, state, gen, elapsed ms in state, previous state or -1 when no transition};
  states as 0 closed, 1 open, 2 half_open.
  code 1 recorded, 2 stale (admitted in another generation; nothing changed),
       3 this outcome opened the breaker, 4 this outcome closed it.
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000.0 + math.floor(tonumber(t[2]) / 1000)
-- HGET, not HMGET: ioredis-mock answers HMGET's missing fields with a truthy userdata.
local state = redis.call('HGET', KEYS[1], 'state') or 'closed'
local gen = tonumber(redis.call('HGET', KEYS[1], 'gen')) or 0
local since = tonumber(redis.call('HGET', KEYS[1], 'since')) or now
local outcome = ARGV[1]
local bucketMs = tonumber(ARGV[6])
local buckets = tonumber(ARGV[7])
local codes = { closed = 0, open = 1, half_open = 2 }

local function reply(code, from)
  return {code, codes[state], math.floor(gen), math.floor(now - since), from}
end

local function touch()
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
end

-- opened: the failure count an opening is made on, kept as openedOnFailures while the breaker
-- is open or half-open (the failures field itself starts again at 0 in every state).
local function move(to, opened)
  local from = codes[state]
  state = to
  gen = gen + 1
  since = now
  redis.call('HSET', KEYS[1], 'state', to, 'gen', string.format('%.0f', gen),
    'since', string.format('%.0f', now), 'probes', '0', 'probeOk', '0', 'failures', '0')
  if opened then
    redis.call('HSET', KEYS[1], 'openedOnFailures', string.format('%.0f', opened))
  else
    redis.call('HDEL', KEYS[1], 'openedOnFailures')
  end
  if bucketMs > 0 then
    for i = 0, buckets - 1 do
      redis.call('HDEL', KEYS[1], 'w' .. i, 'w' .. i .. 'n', 'w' .. i .. 'f')
    end
  end
  touch()
  return from
end

-- Adds this call to the rolling window; true when the window's failure rate trips it.
local function rateTrips(failed)
  if bucketMs <= 0 then return false end
  local id = math.floor(now / bucketMs)
  local slot = math.floor(id % buckets)
  local f = 'w' .. slot
  if tonumber(redis.call('HGET', KEYS[1], f)) ~= id then
    redis.call('HSET', KEYS[1], f, string.format('%.0f', id), f .. 'n', '0', f .. 'f', '0')
  end
  redis.call('HINCRBY', KEYS[1], f .. 'n', 1)
  if failed then redis.call('HINCRBY', KEYS[1], f .. 'f', 1) end
  if not failed then return false end
  local calls, failures = 0, 0
  for i = 0, buckets - 1 do
    local bid = tonumber(redis.call('HGET', KEYS[1], 'w' .. i))
    if bid and bid > id - buckets then
      calls = calls + (tonumber(redis.call('HGET', KEYS[1], 'w' .. i .. 'n')) or 0)
      failures = failures + (tonumber(redis.call('HGET', KEYS[1], 'w' .. i .. 'f')) or 0)
    end
  end
  return calls >= tonumber(ARGV[8]) and failures * 10000 >= tonumber(ARGV[9]) * calls
end

if outcome == 'trip' then
  if state == 'closed' then
    return reply(3, move('open', tonumber(redis.call('HGET', KEYS[1], 'failures')) or 0))
  end
  return reply(2, -1)
end
if tonumber(ARGV[2]) ~= gen then return reply(2, -1) end

if state == 'closed' then
  if outcome == 'failure' then
    local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
    local tripped = rateTrips(true)
    if failures >= tonumber(ARGV[3]) or tripped then return reply(3, move('open', failures)) end
  else
    if tonumber(redis.call('HGET', KEYS[1], 'failures') or '0') > 0 then
      redis.call('HSET', KEYS[1], 'failures', '0')
    end
    rateTrips(false)
  end
  if redis.call('EXISTS', KEYS[1]) == 1 then touch() end
  return reply(1, -1)
end

if state == 'half_open' then
  if outcome == 'failure' then return reply(3, move('open', 1)) end
  local ok = redis.call('HINCRBY', KEYS[1], 'probeOk', 1)
  if ok >= tonumber(ARGV[4]) then return reply(4, move('closed')) end
  touch()
  return reply(1, -1)
end

return reply(2, -1)
