import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { AgentRegistry, MessageCoordinator, MessageType } from '../lib';
import { PLANNER, PlannerAgent } from './agents/planner.agent';
import { chooseBackend, deleteSampleKeys } from './sample.backend';
import { say } from './sample.console';
import { SampleModule } from './sample.module';

/**
 * A planner sends work to two workers and gathers their replies through `request()`.
 * Run with `npm run sample`; it exits by itself when done.
 */
async function main(): Promise<void> {
  const backend = await chooseBackend();
  console.log(backend.description);
  const keyPrefix = `sample.${randomBytes(3).toString('hex')}`;
  const app = await NestFactory.createApplicationContext(
    SampleModule.on(backend.redis, keyPrefix),
    {
      logger: ['error'],
    },
  );
  app.enableShutdownHooks();
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

main().then(watchdog, (error: unknown) => {
  console.error('sample failed:', error);
  process.exitCode = 1;
  watchdog();
});
