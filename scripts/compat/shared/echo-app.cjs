// The body every compatibility app runs: an @Agent that sends an EVENT to itself and must
// receive it in its @OnAgentMessage handler. Each app's main.js loads NestJS and this package
// its own way (require or import) and hands the modules in, so what is tested is how a real
// consumer of that kind loads them. Plain JavaScript: decorators are called as the functions
// they are (see scripts/compat/run.ts for why).
'use strict';
const { randomUUID } = require('node:crypto');

/**
 * @param {object} loaded
 * @param {typeof import('@nestjs/common')} loaded.common
 * @param {typeof import('@nestjs/core')} loaded.core
 * @param {any} loaded.pkg this package, as the app loaded it
 * @param {string} loaded.label how it was loaded, for the report line
 * @param {string} loaded.nestVersion the installed @nestjs/core version
 */
function runEchoApp({ common, core, pkg, label, nestVersion }) {
  const { Agent, AgentCoordinationModule, MessageCoordinator, MessageType, OnAgentMessage } = pkg;
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
  common.Inject(MessageCoordinator)(EchoAgent, undefined, 0);
  Agent(self)(EchoAgent);
  const handle = Object.getOwnPropertyDescriptor(EchoAgent.prototype, 'handle');
  OnAgentMessage(MessageType.EVENT)(EchoAgent.prototype, 'handle', handle);

  class AppModule {}
  common.Module({
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
    const app = await core.NestFactory.createApplicationContext(AppModule, {
      logger: ['error', 'warn'],
    });
    try {
      const agent = app.get(EchoAgent);
      await agent.ping();
      const payload = await Promise.race([agent.received, timeout('waiting for the handler')]);
      if (payload?.nonce !== nonce) throw new Error(`handler got ${JSON.stringify(payload)}`);
      console.log(
        `nest ${nestVersion} (${label}): @OnAgentMessage handler received its own message`,
      );
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
}

module.exports = { runEchoApp };
