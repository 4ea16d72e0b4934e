import { loadLuaScript } from '../common/lua-script';

const dir = `${__dirname}/scripts`;

/** The registry's Lua scripts. Each touches one slot: one agent's keys, or one index. */
export const RegistryScripts = {
  writeAgent: loadLuaScript(dir, 'write-agent-2.lua'),
  setCapabilities: loadLuaScript(dir, 'set-capabilities-2.lua'),
  touchIndex: loadLuaScript(dir, 'touch-index-1.lua'),
  listLiveAgents: loadLuaScript(dir, 'list-live-agents-1.lua'),
  listLapsedAgents: loadLuaScript(dir, 'list-lapsed-agents-1.lua'),
  claimExpired: loadLuaScript(dir, 'claim-expired-1.lua'),
  dropOrphanCapabilities: loadLuaScript(dir, 'drop-orphan-capabilities-2.lua'),
} as const;

/** Result codes of `write-agent`. */
export enum WriteAgentResult {
  UPDATED = 1,
  CREATED = 2,
  OWNED_ELSEWHERE = 3,
}
