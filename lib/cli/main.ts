import { Command, CommanderError } from 'commander';
import { DEFAULT_KEY_PREFIX } from '../common/key-layout';
import {
  CliError,
  openContext,
  type CliContext,
  type GlobalOptions,
  type Output,
} from './cli-context';
import { registerAgentsCommand } from './commands/agents.command';
import { registerBreakersCommand } from './commands/breakers.command';
import { registerDlqCommand } from './commands/dlq.command';
import { registerQueuesCommand } from './commands/queues.command';

const DEFAULT_URL = 'redis://127.0.0.1:6379';

/**
 * Runs the operator CLI with `argv` (without the node and script entries) and resolves with
 * the exit code: 0 done, 1 runtime failure (e.g. Redis unreachable), 2 bad arguments.
 */
export async function runCli(
  argv: string[],
  output: Output = {
    out: (text) => process.stdout.write(`${text}\n`),
    isTTY: process.stdout.isTTY === true,
    columns: process.stdout.columns,
  },
  errors: (text: string) => void = (text) => process.stderr.write(`${text}\n`),
  stop?: AbortSignal,
): Promise<number> {
  const interrupt = interruptSignal(stop);
  try {
    return await runProgram(argv, output, errors, interrupt.signal);
  } finally {
    interrupt.release();
  }
}

async function runProgram(
  argv: string[],
  output: Output,
  errors: (text: string) => void,
  stop: AbortSignal,
): Promise<number> {
  let exitCode = 0;
  const program = new Command('tta-agent-coordination')
    .description(
      'Operator view of tta-agent-coordination: queues, dead letters, agents and breakers',
    )
    .option('--url <url>', 'Redis URL (default $REDIS_URL or redis://127.0.0.1:6379)')
    .option('--prefix <prefix>', 'key prefix', DEFAULT_KEY_PREFIX)
    .option('--json', 'print JSON instead of tables')
    .option('--wide', 'never cut long cells to the terminal width')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => output.out(text.trimEnd()),
      writeErr: (text) => errors(text.trimEnd()),
    });

  const run = async (
    action: (ctx: CliContext) => Promise<void>,
    check?: () => void,
  ): Promise<void> => {
    // `--prefix` has a default, so commander always fills it in.
    const globals = program.opts<Partial<GlobalOptions> & Pick<GlobalOptions, 'prefix'>>();
    let ctx: CliContext | undefined;
    try {
      check?.();
      ctx = await openContext(
        {
          url: globals.url ?? process.env.REDIS_URL ?? DEFAULT_URL,
          prefix: globals.prefix,
          json: globals.json,
          wide: globals.wide,
        },
        output,
      );
      await action(ctx);
    } catch (error) {
      exitCode = error instanceof CliError ? error.exitCode : 1;
      errors(`error: ${(error as Error).message}`);
    } finally {
      ctx?.redis.disconnect();
    }
  };

  registerQueuesCommand(program, run);
  registerDlqCommand(program, run);
  registerAgentsCommand(program, run, stop);
  registerBreakersCommand(program, run);

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : 2;
    }
    throw error;
  }
  return exitCode;
}

/**
 * `given`, or a signal that fires on SIGINT/SIGTERM so that `--watch` ends cleanly; `release`
 * removes those listeners again, so a process that runs the CLI many times does not pile them up.
 */
function interruptSignal(given?: AbortSignal): { signal: AbortSignal; release: () => void } {
  if (given) return { signal: given, release: () => undefined };
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  return {
    signal: controller.signal,
    release: () => {
      process.off('SIGINT', abort);
      process.off('SIGTERM', abort);
    },
  };
}

/* istanbul ignore next -- process entry point, exercised by the CLI tests as a child process */
if (require.main === module) {
  void runCli(process.argv.slice(2)).then((code) => process.exit(code));
}
