import type { Command } from 'commander';
import { CircuitBreakerRegistry } from '../../resilience/circuit-breaker-registry';
import { assertBreakerName } from '../../resilience/circuit-breaker.config';
import { CliError, type CliContext } from '../cli-context';
import { formatAge, renderTable } from '../table';

type Runner = (action: (ctx: CliContext) => Promise<void>, check?: () => void) => Promise<void>;

async function withRegistry<T>(
  ctx: CliContext,
  action: (r: CircuitBreakerRegistry) => Promise<T>,
): Promise<T> {
  const registry = new CircuitBreakerRegistry(ctx.redis, {
    keyPrefix: ctx.prefix,
    subscribeEvents: false,
  });
  try {
    return await action(registry);
  } finally {
    await registry.close();
  }
}

const STATE_COLOURS = { closed: 'green', open: 'red', half_open: 'yellow' } as const;

/**
 * Adds `breakers` (name, state, failures: for an open or half-open breaker the count it opened
 * on, last change) and `breakers reset <name>`. */
export function registerBreakersCommand(program: Command, run: Runner): void {
  const breakers = program
    .command('breakers')
    .description('circuit breakers: name, state, failures, last change')
    .action(() =>
      run(async (ctx) => {
        const rows = await withRegistry(ctx, async (registry) =>
          Promise.all((await registry.listNames()).map((name) => registry.inspect(name))),
        );
        ctx.print(rows, () =>
          renderTable(
            rows,
            [
              { header: 'NAME', value: (r) => r.name },
              { header: 'STATE', value: (r) => ctx.colour(r.state, STATE_COLOURS[r.state]) },
              {
                header: 'FAILURES',
                value: (r) =>
                  String(r.state === 'closed' ? r.failures : (r.openedOnFailures ?? r.failures)),
                right: true,
              },
              { header: 'LAST CHANGE', value: (r) => formatAge(r.changedAt), right: true },
            ],
            ctx.width,
          ),
        );
      }),
    );

  breakers
    .command('reset <name>')
    .description('close a breaker for every process and clear its failures')
    .action((name: string) =>
      run(
        async (ctx) => {
          await withRegistry(ctx, async (registry) => {
            if (!(await registry.listNames()).includes(name))
              throw new CliError(`no breaker named ${name}`);
            await (await registry.get(name)).reset();
          });
          ctx.print({ reset: name }, () => `breaker ${name} reset to closed`);
        },
        () => {
          try {
            assertBreakerName(name);
          } catch (error) {
            throw new CliError((error as Error).message, 2);
          }
        },
      ),
    );
}
