import type { Command } from 'commander';
import { formatAgentId } from '../../common/agent-id';
import { RedisMessageCoordinator } from '../../messaging/redis-message-coordinator';
import type { CliContext } from '../cli-context';
import { formatAge, renderTable } from '../table';

/** Adds `queues`: per agent ready, delayed, reserved, dead-lettered and the oldest ready age. */
export function registerQueuesCommand(
  program: Command,
  run: (action: (ctx: CliContext) => Promise<void>) => Promise<void>,
): void {
  program
    .command('queues')
    .description('per agent: ready, delayed, reserved, dead-lettered, oldest ready age')
    .action(() =>
      run(async (ctx) => {
        const coordinator = new RedisMessageCoordinator(ctx.redis, { keyPrefix: ctx.prefix });
        const agents = await coordinator.listQueues();
        const rows = await Promise.all(
          agents.map(async (agent) => ({
            agent: formatAgentId(agent),
            ...(await coordinator.stats(agent)),
            oldestReadyAt: await coordinator.oldestReadyAt(agent),
          })),
        );
        await coordinator.close();
        ctx.print(rows, () =>
          renderTable(
            rows,
            [
              { header: 'AGENT', value: (r) => r.agent },
              { header: 'READY', value: (r) => String(r.ready), right: true },
              { header: 'DELAYED', value: (r) => String(r.delayed), right: true },
              { header: 'RESERVED', value: (r) => String(r.reserved), right: true },
              {
                header: 'DEAD',
                value: (r) =>
                  r.deadLettered > 0 ? ctx.colour(String(r.deadLettered), 'red') : '0',
                right: true,
              },
              { header: 'OLDEST READY', value: (r) => formatAge(r.oldestReadyAt), right: true },
            ],
            ctx.width,
          ),
        );
      }),
    );
}
