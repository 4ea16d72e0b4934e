import type { Command } from 'commander';
import { RedisMessageCoordinator } from '../../messaging/redis-message-coordinator';
import type { QueueMessage } from '../../messaging/models/queue-message';
import { CliError, parseAgentArgument, type CliContext } from '../cli-context';
import { formatAge, renderTable } from '../table';

type Runner = (action: (ctx: CliContext) => Promise<void>, check?: () => void) => Promise<void>;

const PAGE = 500;

async function allDeadLetters(
  coordinator: RedisMessageCoordinator,
  agent: string,
): Promise<QueueMessage[]> {
  const id = parseAgentArgument(agent);
  const all: QueueMessage[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await coordinator.deadLetters(id, { offset, limit: PAGE });
    all.push(...page);
    if (page.length < PAGE) return all;
  }
}

async function withCoordinator<T>(
  ctx: CliContext,
  action: (c: RedisMessageCoordinator) => Promise<T>,
): Promise<T> {
  const coordinator = new RedisMessageCoordinator(ctx.redis, { keyPrefix: ctx.prefix });
  try {
    return await action(coordinator);
  } finally {
    await coordinator.close();
  }
}

/** Adds `dlq list|show|replay|purge`. */
export function registerDlqCommand(program: Command, run: Runner): void {
  const dlq = program.command('dlq').description('inspect, replay and purge dead letters');

  dlq
    .command('list <agent>')
    .description('dead letters of an agent, oldest first')
    .action((agent: string) =>
      run(
        async (ctx) => {
          const letters = await withCoordinator(ctx, (c) => allDeadLetters(c, agent));
          const rows = letters.map((l) => ({
            id: l.message.messageId,
            type: l.message.messageType,
            attempts: l.deliveryAttempts,
            lastError: l.lastError ?? '',
            enqueuedAt: l.enqueuedAt,
          }));
          ctx.print(rows, () =>
            renderTable(
              rows,
              [
                { header: 'ID', value: (r) => r.id },
                { header: 'TYPE', value: (r) => r.type },
                { header: 'ATTEMPTS', value: (r) => String(r.attempts), right: true },
                { header: 'LAST ERROR', value: (r) => ctx.colour(r.lastError, 'red') },
                { header: 'AGE', value: (r) => formatAge(r.enqueuedAt), right: true },
              ],
              ctx.width,
            ),
          );
        },
        () => parseAgentArgument(agent),
      ),
    );

  dlq
    .command('show <agent> <id>')
    .description('one dead letter in full')
    .action((agent: string, id: string) =>
      run(
        async (ctx) => {
          const letters = await withCoordinator(ctx, (c) => allDeadLetters(c, agent));
          const letter = letters.find((l) => l.message.messageId === id);
          if (!letter) throw new CliError(`no dead letter ${id} for ${agent}`);
          ctx.output.out(JSON.stringify(letter, null, 2));
        },
        () => parseAgentArgument(agent),
      ),
    );

  dlq
    .command('replay <agent> [ids...]')
    .description('put dead letters back in the queue (the ids given, or --all)')
    .option('--all', 'replay every dead letter of the agent')
    .action((agent: string, ids: string[], options: { all?: boolean }) =>
      run(
        async (ctx) => {
          const { moved, notFound } = await withCoordinator(ctx, async (c) => {
            const id = parseAgentArgument(agent);
            if (options.all) return { moved: await c.replayDeadLetters(id), notFound: [] };
            const dead = new Set((await allDeadLetters(c, agent)).map((l) => l.message.messageId));
            const known = [...new Set(ids)].filter((m) => dead.has(m));
            return {
              moved: await c.replayDeadLetters(id, known),
              notFound: ids.filter((m) => !dead.has(m)),
            };
          });
          ctx.print({ replayed: moved, notFound }, () =>
            [
              `replayed ${moved} dead letter(s) of ${agent}`,
              ...notFound.map((m) => `not found: ${m}`),
            ].join('\n'),
          );
          if (notFound.length > 0)
            throw new CliError(`${notFound.length} id(s) not among the dead letters of ${agent}`);
        },
        () => {
          parseAgentArgument(agent);
          if (ids.length === 0 && !options.all)
            throw new CliError('name message ids or pass --all', 2);
          if (ids.length > 0 && options.all)
            throw new CliError('pass either ids or --all, not both', 2);
        },
      ),
    );

  dlq
    .command('purge <agent>')
    .description('drop every dead letter of an agent (asks for --yes)')
    .option('--yes', 'confirm the purge')
    .action((agent: string, options: { yes?: boolean }) =>
      run(
        async (ctx) => {
          const dropped = await withCoordinator(ctx, (c) =>
            c.purgeDeadLetters(parseAgentArgument(agent)),
          );
          ctx.print({ purged: dropped }, () => `purged ${dropped} dead letter(s) of ${agent}`);
        },
        () => {
          parseAgentArgument(agent);
          if (!options.yes)
            throw new CliError(`purge drops every dead letter of ${agent}: confirm with --yes`, 2);
        },
      ),
    );
}
