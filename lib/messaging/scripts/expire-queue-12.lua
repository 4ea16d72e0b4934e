--[[
  Gives every key of one queue a time to live. Used for reply inboxes, whose process may be
  gone: the inbox refreshes it while it lives, and each RESPONSE sent to it sets it again.

  KEYS[1..3] ready lists (priority 9, 5, 1)   KEYS[7] attempts hash   KEYS[11] seq counter
  KEYS[4] delayed zset                        KEYS[8] errors hash     KEYS[12] wake list
  KEYS[5] reserved zset                       KEYS[9] dead zset
  KEYS[6] bodies hash                         KEYS[10] dedup zset

  ARGV[1] time to live, ms

  Returns how many of the keys exist.
]]
local held = 0
for i = 1, #KEYS do
  held = held + redis.call('PEXPIRE', KEYS[i], ARGV[1])
end
return held
