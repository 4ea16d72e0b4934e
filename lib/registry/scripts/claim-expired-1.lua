--[[
  Claims lapsed agents and publishes each one's `expired` event in the same step, so no
  sweeper can claim an agent and die before announcing it. Removing a member from the index
  is the claim, so exactly one caller gets each lapsed agent; a member is claimed only while
  it is still indexed and its heartbeat deadline is still past on the server clock (one that
  beat since it was listed stays).

  KEYS[1] agent index (sorted set scored by deadline ms)

  ARGV[1] registry event channel
  ARGV[2], ARGV[3], ... pairs: a member (`type/instance`), then its `expired` event as JSON,
          or '' to drop a malformed member without announcing it

  Returns one character per pair, in order: '1' claimed here, '0' left alone. (A string
  rather than a list of members: ioredis-mock drops a table built up in a loop, and unpack
  into a table constructor stops at Lua's stack limit, below the largest batch.)
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000.0 + math.floor(tonumber(t[2]) / 1000)
local flags = {}
for i = 2, #ARGV - 1, 2 do
  local member = ARGV[i]
  local deadline = tonumber(redis.call('ZSCORE', KEYS[1], member))
  local flag = '0'
  if deadline ~= nil and deadline < now then
    redis.call('ZREM', KEYS[1], member)
    if ARGV[i + 1] ~= '' then redis.call('PUBLISH', ARGV[1], ARGV[i + 1]) end
    flag = '1'
  end
  flags[#flags + 1] = flag
end
return table.concat(flags)
