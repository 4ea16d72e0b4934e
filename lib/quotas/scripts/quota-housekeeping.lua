--[[
  Fragment, included by the quota scripts that admit or inspect: the Redis clock in ms, and
  a sweep that drops what time has retired, so every decision sees only live state:
  admissions older than the window (their charges leave the running token sum), leases past
  their deadline (a crashed holder's slot comes back) and waiting seats past their deadline
  (a crashed waiter leaves the line).
  Takes the quota's keys by name: stateKey, logKey, chargeKey, slotKey, seatKey, seatTtlKey.
]]
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)

local function sweep(windowMs)
  local cutoff = now - windowMs
  local old = redis.call('ZRANGEBYSCORE', logKey, '-inf', cutoff)
  if #old > 0 then
    local freed = 0
    for _, lease in ipairs(old) do
      freed = freed + (tonumber(redis.call('HGET', chargeKey, lease)) or 0)
      redis.call('HDEL', chargeKey, lease)
    end
    redis.call('ZREMRANGEBYSCORE', logKey, '-inf', cutoff)
    -- Never a zero: Lua writes -0 as '-0', which HINCRBY refuses.
    if freed > 0 then redis.call('HINCRBY', stateKey, 'tokens', -freed) end
  end
  redis.call('ZREMRANGEBYSCORE', slotKey, '-inf', now)
  local gone = redis.call('ZRANGEBYSCORE', seatTtlKey, '-inf', now)
  for _, seat in ipairs(gone) do redis.call('ZREM', seatKey, seat) end
  redis.call('ZREMRANGEBYSCORE', seatTtlKey, '-inf', now)
end

-- The seat at the head of the line, or '' when nobody waits.
local function headSeat()
  local head = redis.call('ZRANGE', seatKey, 0, 0)
  return head[1] or ''
end

-- The keys written live at least `keepMs` more (and past a penalty still running).
local function keep(keepMs, written)
  local blocked = tonumber(redis.call('HGET', stateKey, 'blockedUntil')) or 0
  local ttl = math.max(keepMs, blocked - now + 1000)
  for _, key in ipairs(written) do redis.call('PEXPIRE', key, ttl) end
end
