import {
  MessageType,
  type OutgoingMessage,
  type MessageSentEvent,
  type OutgoingSend,
} from '../../../lib';
import {
  chainInstrumentation,
  type CoordinatorInstrumentation,
} from '../../../lib/messaging/coordinator-instrumentation';

const send: OutgoingSend = {
  operation: 'send',
  sender: { type: 'a' },
  recipient: { type: 'b' },
  message: { messageType: MessageType.EVENT, payload: {} },
};

const sentEvent: MessageSentEvent = {
  sender: { type: 'a', instance: 'default' },
  recipient: { type: 'b', instance: 'default' },
  messageId: 'msg-000001',
  messageType: MessageType.EVENT,
  result: { messageId: 'msg-000001', delivered: true },
};

/** Hooks, as a class, that log what they see under `name` and tag the message they pass on. */
class Tagging implements CoordinatorInstrumentation {
  constructor(
    private readonly name: string,
    private readonly log: string[],
  ) {}

  async aroundSend<T>(s: OutgoingSend, run: (message: OutgoingMessage) => Promise<T>): Promise<T> {
    const tags = s.message.routing?.tags ?? [];
    this.log.push(`${this.name} in [${tags.join(',')}]`);
    const result = await run({ ...s.message, routing: { tags: [...tags, this.name] } });
    this.log.push(`${this.name} out`);
    return result;
  }

  sent(event: MessageSentEvent): void {
    this.log.push(`${this.name} sent ${event.messageId}`);
  }
}

describe('chainInstrumentation', () => {
  it('runs the inner hook inside the outer one, on the message the outer one passes on', async () => {
    const log: string[] = [];
    const chained = chainInstrumentation(new Tagging('outer', log), new Tagging('inner', log))!;
    const result = await chained.aroundSend!(send, (message) => {
      log.push(`run [${message.routing!.tags.join(',')}]`);
      return Promise.resolve(7);
    });
    expect(result).toBe(7);
    chained.sent!(sentEvent);
    expect(log).toEqual([
      'outer in []',
      'inner in [outer]',
      'run [outer,inner]',
      'inner out',
      'outer out',
      'outer sent msg-000001',
      'inner sent msg-000001',
    ]);
  });

  it('keeps the one side that has a hook, called as a method of its object', async () => {
    const log: string[] = [];
    const onlyOuter = chainInstrumentation(new Tagging('outer', log), { sent: () => undefined })!;
    const onlyInner = chainInstrumentation({}, new Tagging('inner', log))!;
    await onlyOuter.aroundSend!(send, () => Promise.resolve());
    await onlyInner.aroundSend!(send, () => Promise.resolve());
    onlyInner.sent!(sentEvent);
    expect(log).toEqual([
      'outer in []',
      'outer out',
      'inner in []',
      'inner out',
      'inner sent msg-000001',
    ]);
    expect(chainInstrumentation({}, {})).toEqual({});
  });

  it('returns the other when one is absent', () => {
    const hooks: CoordinatorInstrumentation = {};
    expect(chainInstrumentation(hooks, undefined)).toBe(hooks);
    expect(chainInstrumentation(undefined, hooks)).toBe(hooks);
    expect(chainInstrumentation(undefined, undefined)).toBeUndefined();
  });
});
