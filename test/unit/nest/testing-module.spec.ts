import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  Agent,
  AgentContext,
  AgentMessageContext,
  AgentPayload,
  MessageType,
  OnAgentMessage,
  PermanentMessageError,
} from '../../../lib';
import {
  AgentCoordinationTestingModule,
  AgentTestingClient,
  createTestingCoordination,
} from '../../../lib/testing';

@Injectable()
class Greeter {
  greet(name: string) {
    return `hello ${name}`;
  }
}

@Agent({ type: 'greeter' })
class GreeterAgent {
  readonly attempts: number[] = [];
  constructor(private readonly greeter: Greeter) {}

  @OnAgentMessage(MessageType.REQUEST)
  answer(@AgentPayload('name') name: string) {
    return { text: this.greeter.greet(name) };
  }

  @OnAgentMessage(MessageType.EVENT)
  onEvent(@AgentPayload() payload: { mode: string }, @AgentContext() ctx: AgentMessageContext) {
    this.attempts.push(ctx.attempt);
    if (payload.mode === 'reject') throw new PermanentMessageError('rejected');
    if (payload.mode === 'flaky') throw new Error('flaky');
  }
}

describe('tta-agent-coordination/testing (no Redis server)', () => {
  it('createTestingCoordination runs real agents on the in-memory backend', async () => {
    const testing = await createTestingCoordination({ providers: [GreeterAgent, Greeter] });
    try {
      expect(testing.coordinator.constructor.name).toBe('RedisMessageCoordinator');
      expect(await testing.client.request({ type: 'greeter' }, { name: 'Ada' })).toEqual({
        text: 'hello Ada',
      });
      const ok = await testing.client.deliver({ type: 'greeter' }, { payload: { mode: 'fine' } });
      expect(ok.outcome).toBe('acked');
      const rejected = await testing.client.deliver(
        { type: 'greeter' },
        { payload: { mode: 'reject' } },
      );
      expect(rejected.outcome).toBe('dead-lettered');
      const flaky = await testing.client.deliver(
        { type: 'greeter' },
        { payload: { mode: 'flaky' } },
        { until: 'dead-lettered' },
      );
      // The documented default: the first delivery and 3 retries.
      expect(flaky.attempt).toBe(4);
      expect(
        (await testing.client.deadLetters({ type: 'greeter' })).map((d) => d.lastError),
      ).toEqual(['PermanentMessageError: rejected', 'Error: flaky']);
    } finally {
      await testing.close();
    }
  });

  it('AgentCoordinationTestingModule works with Test.createTestingModule and overrides', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [AgentCoordinationTestingModule.forRoot()],
      providers: [GreeterAgent, Greeter],
    })
      .overrideProvider(Greeter)
      .useValue({ greet: (name: string) => `hi ${name}` })
      .compile();
    await moduleRef.init();
    try {
      const client = moduleRef.get(AgentTestingClient);
      expect(await client.request({ type: 'greeter' }, { name: 'Bob' })).toEqual({
        text: 'hi Bob',
      });
    } finally {
      await moduleRef.close();
    }
  });

  it('gives each testing module its own in-memory data', async () => {
    const a = await createTestingCoordination();
    const b = await createTestingCoordination();
    try {
      await a.coordinator.sendMessage(
        { type: 't' },
        { type: 'nobody' },
        { messageType: MessageType.EVENT, payload: {} },
      );
      expect((await a.coordinator.stats({ type: 'nobody' })).ready).toBe(1);
      expect((await b.coordinator.stats({ type: 'nobody' })).ready).toBe(0);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('deliver() fails clearly when nothing handles the message in time', async () => {
    const testing = await createTestingCoordination();
    try {
      await expect(
        testing.client.deliver({ type: 'absent' }, { payload: {} }, { timeoutMs: 100 }),
      ).rejects.toThrow(/was not settled within 100 ms/);
    } finally {
      await testing.close();
    }
  });

  it('close() shuts the application down', async () => {
    const closed: string[] = [];
    @Injectable()
    class Watcher implements OnApplicationShutdown {
      onApplicationShutdown(): void {
        closed.push('shutdown');
      }
    }
    const testing = await createTestingCoordination({ providers: [Watcher] });
    await testing.close();
    expect(closed).toEqual(['shutdown']);
  });

  it('rejects with the error of a provider that fails to start, and logs only errors', async () => {
    const written: string[] = [];
    const capture = (chunk: string | Uint8Array): boolean => {
      written.push(String(chunk));
      return true;
    };
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
    @Injectable()
    class Broken {
      constructor() {
        new Logger('Broken').log('starting quietly');
        throw new Error('cannot start');
      }
    }
    try {
      await expect(createTestingCoordination({ providers: [Broken] })).rejects.toThrow(
        'cannot start',
      );
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
    expect(written.join('')).not.toContain('starting quietly');
  });

  it('logs the errors of the application', async () => {
    const written: string[] = [];
    const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    const testing = await createTestingCoordination();
    try {
      new Logger('Check').error('an error to see');
    } finally {
      err.mockRestore();
      await testing.close();
    }
    expect(written.join('')).toContain('an error to see');
  });
});
