import { sleep } from '../../common/sleep';
import type { Command } from 'commander';
import { formatAgentId } from '../../common/agent-id';
import { RedisAgentRegistry } from '../../registry/redis-agent-registry';
import { CliError, type CliContext } from '../cli-context';
import { formatAge, renderTable } from '../table';

type Runner = (action: (ctx: CliContext) => Promise<void>, check?: () => void) => Promise<void>;

/** Smallest refresh period of `agents --watch`. */
const MIN_WATCH_MS = 200;

function statusText(status: Record<string, unknown>): string {
  const value = status.status ?? status.state;
  return typeof value === 'string' ? value : JSON.stringify(status);
}

async function printAgents(ctx: CliContext, registry: RedisAgentRegistry): Promise<void> {
  const agents = await registry.listRegistered();
  const rows = agents.map((a) => ({
    agent: formatAgentId(a.agentId),
    type: a.agentId.type,
    instance: a.agentId.instance,
    name: a.name,
    alive: a.alive,
    lastHeartbeat: a.lastHeartbeat,
    capabilities: a.capabilities?.capabilities.length ?? 0,
    status: a.status,
  }));
  ctx.print(rows, () =>
    renderTable(
      rows,
      [
        { header: 'TYPE', value: (r) => r.type },
        { header: 'INSTANCE', value: (r) => r.instance },
        { header: 'NAME', value: (r) => r.name },
        {
          header: 'ALIVE',
          value: (r) => (r.alive ? ctx.colour('yes', 'green') : ctx.colour('no', 'red')),
        },
        { header: 'HEARTBEAT', value: (r) => formatAge(r.lastHeartbeat), right: true },
        { header: 'CAPS', value: (r) => String(r.capabilities), right: true },
        { header: 'STATUS', value: (r) => statusText(r.status) },
      ],
      ctx.width,
    ),
  );
}

/** Adds `agents [--watch [ms]]`: registered agents, alive or not, from any process. */
export function registerAgentsCommand(program: Command, run: Runner, stop: AbortSignal): void {
  program
    .command('agents')
    .description(
      'registered agents: type, instance, name, alive, heartbeat age, capabilities, status',
    )
    .option('--watch [ms]', 'refresh every ms (default 2000) until interrupted')
    .action((options: { watch?: string | boolean }) => {
      const every = options.watch === true ? 2000 : Number(options.watch ?? 0);
      return run(
        async (ctx) => {
          const registry = new RedisAgentRegistry(ctx.redis, {
            keyPrefix: ctx.prefix,
            subscribeEvents: false,
            autoHeartbeat: false,
          });
          try {
            await printAgents(ctx, registry);
            while (options.watch !== undefined && !stop.aborted) {
              await sleep(every, stop, true);
              if (stop.aborted) break;
              ctx.output.out(ctx.json ? '' : `\n-- ${new Date().toISOString()}`);
              await printAgents(ctx, registry);
            }
          } finally {
            await registry.close();
          }
        },
        () => {
          if (options.watch !== undefined && (!Number.isInteger(every) || every < MIN_WATCH_MS)) {
            throw new CliError(`--watch takes a period of at least ${MIN_WATCH_MS} ms`, 2);
          }
        },
      );
    });
}
