--[[
  Fragment, included by every budget script: the Redis clock in ms, the levels of a path
  (`a`, `a/b`, `a/b/c`), and a sweep that releases expired reservations at every level of
  their path, so a crashed reserver's hold on the budget ends with its TTL.
  Takes the root's keys by name: levelsKey (hash: b:<path> budget, s:<path> spent,
  r:<path> reserved), deadlineKey (zset: reservation id -> expiry ms), infoKey (hash:
  reservation id -> "<amount>|<path>").
]]
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)

local function levelsOf(path)
  local levels, count, at = {}, 0, ''
  for segment in string.gmatch(path, '[^/]+') do
    at = (at == '') and segment or (at .. '/' .. segment)
    count = count + 1
    levels[count] = at
  end
  return levels
end

-- Adds `delta` to field `<kind>:<level>` at every level of `path`.
local function addAtEveryLevel(path, kind, delta)
  if delta == 0 then return end
  for _, level in ipairs(levelsOf(path)) do
    redis.call('HINCRBY', levelsKey, kind .. ':' .. level, string.format('%.0f', delta))
  end
end

-- Drops a held reservation; returns 1 when it was held.
local function drop(id)
  local info = redis.call('HGET', infoKey, id)
  if not info then return 0 end
  local amount, path = string.match(info, '^(%d+)|(.+)$')
  addAtEveryLevel(path, 'r', -tonumber(amount))
  redis.call('HDEL', infoKey, id)
  redis.call('ZREM', deadlineKey, id)
  return 1
end

local function sweep()
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', deadlineKey, '-inf', now)) do drop(id) end
end
