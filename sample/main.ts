import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { AgentRegistry, MessageCoordinator, MessageType } from '../lib';
import { PLANNER, PlannerAgent } from './agents/planner.agent';
import { chooseBackend, deleteSampleKeys } from './sample.backend';
import { say } from './sample.console';
import { SampleModule } from './sample.module';

/** Resolves on the first SIGINT or SIGTERM. */
function interrupted(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/**
 * A planner sends work to two workers and gathers their replies through `request()`.
 * Run with `npm run sample`; it exits by itself when done, or with `npm run sample -- --keep`
 * keeps its agents running after the story until Ctrl-C, for the operator CLI to watch.
 */
async function main(keep: boolean): Promise<void> {
  // With --keep the sample handles Ctrl-C itself (closing everything), from the start.
  const stopped = keep ? interrupted() : undefined;
  const backend = await chooseBackend();
  console.log(backend.description);
  const keyPrefix = `sample.${randomBytes(3).toString('hex')}`;
  console.log(`Key prefix: ${keyPrefix}`);
  const app = await NestFactory.createApplicationContext(
    SampleModule.on(backend.redis, keyPrefix),
    {
      logger: ['error'],
    },
  );
  if (!stopped) app.enableShutdownHooks();
  try {
    const agents = await app.get(AgentRegistry).listRegistered();
    say(
      'app',
      `registered agents: ${agents.map((a) => `${a.name} (${a.agentId.type})`).join(', ')}`,
    );
    const goal = 'the history of message queues';
    say('app', `sending goal to the planner`);
    await app.get(MessageCoordinator).sendMessage({ type: 'app' }, PLANNER, {
      messageType: MessageType.EVENT,
      payload: { goal },
    });
    const result = await app.get(PlannerAgent).done;
    say('app', `result for "${result.goal}":`);
    for (const finding of result.findings) say('app', `  finding: ${finding}`);
    say('app', `  draft:   ${result.draft}`);
    if (stopped) {
      say(
        'app',
        `kept running until Ctrl-C; watch it with: npx tta-agent-coordination --prefix ${keyPrefix} agents`,
      );
      say('app', `stopping on ${await stopped}`);
    }
  } finally {
    await app.close();
    await deleteSampleKeys(backend.redis, keyPrefix);
    await backend.close();
  }
  say('app', 'shut down cleanly');
}

// A safety net only: the sample is expected to exit on its own once everything is closed.
const watchdog = (): void => {
  setTimeout(() => {
    console.error('sample: something kept the process alive; exiting');
    process.exit(1);
  }, 5_000).unref();
};

main(process.argv.slice(2).includes('--keep')).then(watchdog, (error: unknown) => {
  console.error('sample failed:', error);
  process.exitCode = 1;
  watchdog();
});
