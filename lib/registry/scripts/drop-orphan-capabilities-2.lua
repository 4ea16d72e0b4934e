--[[
  Drops a capability set whose agent record is gone, so its index entry can be removed.

  KEYS[1] agent hash      KEYS[2] capability set (JSON string)

  Returns 1 when the capability index entry is an orphan (agent record or capability set
  missing; the set, if any, is deleted), 0 when both still exist.
]]
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[2])
  return 1
end
if redis.call('EXISTS', KEYS[2]) == 0 then
  return 1
end
return 0
