// NestJS 11 consumer, CommonJS (require). Plain JavaScript: decorators are called as the
// functions they are (see scripts/compat/run.ts for why).
'use strict';
require('reflect-metadata');
const { randomUUID } = require('node:crypto');
const { Inject, Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const {
  Agent,
  AgentCoordinationModule,
  MessageCoordinator,
  MessageType,
  OnAgentMessage,
} = require('tta-agent-coordination');
const self = { type: 'compat-echo' };
const nonce = randomUUID();

class EchoAgent {
  constructor(coordinator) {
    this.coordinator = coordinator;
    this.received = new Promise((resolve) => (this.resolve = resolve));
  }

  ping() {
    return this.coordinator.sendMessage(self, self, {
      messageType: MessageType.EVENT,
      payload: { nonce },
    });
  }

  handle(payload) {
    this.resolve(payload);
  }
}
Inject(MessageCoordinator)(EchoAgent, undefined, 0);
Agent(self)(EchoAgent);
const handle = Object.getOwnPropertyDescriptor(EchoAgent.prototype, 'handle');
OnAgentMessage(MessageType.EVENT)(EchoAgent.prototype, 'handle', handle);

class AppModule {}
Module({
  imports: [
    AgentCoordinationModule.forRoot({
      connection: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      keyPrefix: process.env.COMPAT_KEY_PREFIX ?? `compat.${nonce}`,
      consumer: { receiveWaitMs: 200, shutdownTimeoutMs: 2_000 },
      registry: { subscribeEvents: false },
      breakers: { subscribeEvents: false },
    }),
  ],
  providers: [EchoAgent],
})(AppModule);

const timeoutMs = Number(process.env.COMPAT_TIMEOUT_MS ?? 15_000);
const timeout = (what) =>
  new Promise((_, reject) => {
    setTimeout(
      () => reject(new Error(`timed out after ${timeoutMs} ms: ${what}`)),
      timeoutMs,
    ).unref();
  });

async function main() {
  const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'] });
  try {
    const agent = app.get(EchoAgent);
    await agent.ping();
    const payload = await Promise.race([agent.received, timeout('waiting for the handler')]);
    if (payload?.nonce !== nonce) throw new Error(`handler got ${JSON.stringify(payload)}`);
    const nest = require('@nestjs/core/package.json').version;
    console.log(`nest ${nest} (cjs): @OnAgentMessage handler received its own message`);
  } finally {
    await Promise.race([app.close(), timeout('closing the application')]);
  }
}

main().then(
  () => {
    // Everything is closed, so the process should end by itself; anything left is a failure.
    setTimeout(() => {
      console.error('something kept the process alive after app.close()');
      process.exit(1);
    }, 5_000).unref();
  },
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
