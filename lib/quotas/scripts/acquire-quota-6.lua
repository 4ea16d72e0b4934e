--[[
  Admits one request to a quota, or says why not and for how long, in one step on the Redis
  clock. Limits hold over the sliding window (now - windowMs, now]: admitted requests
  (entries of the log) and charged tokens (the running sum of the charges of those entries).
  Waiters queue as seats, one per waiting process, ordered by the arrival number of the
  process's oldest waiter; while any seat is live only the head seat is admitted, so waiters
  are served in arrival order across processes.

  KEYS[1] state hash: tokens (sum of the charges in the window), blockedUntil (ms; a
          penalty), seq (arrival numbers handed out)
  KEYS[2] log zset: lease id -> admitted at (ms)
  KEYS[3] charge hash: lease id -> tokens charged
  KEYS[4] slot zset: lease id -> lease deadline (ms); the concurrency slots held
  KEYS[5] seat zset: seat id -> arrival number of the seat's oldest waiter
  KEYS[6] seat deadline zset: seat id -> ms after which the seat is dropped

  ARGV[1]  lease id (unique)
  ARGV[2]  tokens to charge now (the estimate)
  ARGV[3]  requests per window (0 = no limit)
  ARGV[4]  tokens per window (0 = no limit)
  ARGV[5]  concurrency (0 = no limit)
  ARGV[6]  window, ms
  ARGV[7]  lease TTL, ms
  ARGV[8]  seat id of the caller, or '' when it will not wait
  ARGV[9]  arrival number the seat stands for; 0 = hand out a new one if refused
  ARGV[10] arrival number of the caller's next waiter after this one, 0 = none
  ARGV[11] seat TTL, ms
  ARGV[12] ms every key lives after a write

  Returns {code, ms, seq, head seat or '', now}:
  code 1 admitted (ms = lease TTL granted), 2 behind other waiters, 3 penalised,
       4 request limit, 5 token limit, 6 concurrency limit; for 2-6 ms is when trying
       again may succeed (0 = unknown: wait for a wake-up). seq is the arrival number the
       caller's seat stands for (0 when it has none).
]]
local stateKey, logKey, chargeKey = KEYS[1], KEYS[2], KEYS[3]
local slotKey, seatKey, seatTtlKey = KEYS[4], KEYS[5], KEYS[6]
--#include quota-housekeeping.lua
local lease = ARGV[1]
local tokens = tonumber(ARGV[2])
local maxRequests = tonumber(ARGV[3])
local maxTokens = tonumber(ARGV[4])
local maxSlots = tonumber(ARGV[5])
local windowMs = tonumber(ARGV[6])
local leaseTtl = tonumber(ARGV[7])
local seat = ARGV[8]
local seq = tonumber(ARGV[9])
local nextSeq = tonumber(ARGV[10])
local seatTtl = tonumber(ARGV[11])

sweep(windowMs)

local function sit(number)
  redis.call('ZADD', seatKey, number, seat)
  redis.call('ZADD', seatTtlKey, now + seatTtl, seat)
end

local function refuse(code, ms)
  if seat ~= '' then
    if seq == 0 then
      seq = redis.call('HINCRBY', stateKey, 'seq', 1)
      local held = tonumber(redis.call('ZSCORE', seatKey, seat))
      -- A seat already standing for an earlier waiter of this process keeps its place.
      sit(held and math.min(held, seq) or seq)
    else
      sit(seq)
    end
  end
  keep(tonumber(ARGV[12]), seat ~= '' and { stateKey, seatKey, seatTtlKey } or { stateKey })
  return { code, math.max(0, math.floor(ms)), seq, headSeat(), now }
end

-- Someone else is first in line: only the head seat is admitted while seats wait.
local head = headSeat()
if head ~= '' and head ~= seat then return refuse(2, 0) end

local blocked = tonumber(redis.call('HGET', stateKey, 'blockedUntil')) or 0
if blocked > now then return refuse(3, blocked - now) end

local function nextChange()
  local oldest = redis.call('ZRANGE', logKey, 0, 0, 'WITHSCORES')
  return tonumber(oldest[2]) + windowMs - now + 1
end
if maxRequests > 0 and redis.call('ZCARD', logKey) >= maxRequests then
  return refuse(4, nextChange())
end
local charged = tonumber(redis.call('HGET', stateKey, 'tokens')) or 0
if maxTokens > 0 and charged + tokens > maxTokens then
  -- An empty log with tokens over the limit cannot happen: the sum is of the log's entries.
  return refuse(5, nextChange())
end
if maxSlots > 0 and redis.call('ZCARD', slotKey) >= maxSlots then
  local first = redis.call('ZRANGE', slotKey, 0, 0, 'WITHSCORES')
  return refuse(6, tonumber(first[2]) - now + 1)
end

redis.call('ZADD', logKey, now, lease)
redis.call('HSET', chargeKey, lease, tokens)
redis.call('HINCRBY', stateKey, 'tokens', tokens)
redis.call('ZADD', slotKey, now + leaseTtl, lease)
if seat ~= '' then
  if nextSeq > 0 then
    sit(nextSeq)
  else
    redis.call('ZREM', seatKey, seat)
    redis.call('ZREM', seatTtlKey, seat)
  end
end
keep(tonumber(ARGV[12]), seat ~= '' and { stateKey, logKey, chargeKey, slotKey, seatKey, seatTtlKey }
  or { stateKey, logKey, chargeKey, slotKey })
return { 1, leaseTtl, nextSeq, headSeat(), now }
