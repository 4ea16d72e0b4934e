--[[
  Fragment, included by scripts that put an id back on a ready list: the ready list of a
  stored value's priority (its header is "<enqueuedAt>:<priority>:"), given the three lists
  highest first. A header without a known priority goes to the NORMAL list.
]]
local function ready_list_for(stored, high, normal, low)
  local priority = string.match(stored, '^%d+:(%d):')
  if priority == '9' then return high elseif priority == '1' then return low end
  return normal
end
