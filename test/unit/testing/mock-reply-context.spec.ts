import { Command } from 'ioredis';
import { createMockRedis } from '../../../lib/testing';
import {
  adaptReplyTransformers,
  type RedisMockCommands,
} from '../../../lib/testing/mock-reply-context';

/** A transformer written as ioredis 6 writes them: it reads the protocol from its context. */
const needsContext = (result: unknown, context?: { protocol: number }): unknown => [
  `protocol ${context!.protocol}`,
  result,
];

/** A stand-in for the ioredis-mock class, sharing `shared` as ioredis's transformer table. */
function fakeMock(shared: { argument: object; reply: Record<string, unknown> }): RedisMockCommands {
  return { Command: { transformers: shared } };
}

describe('adaptReplyTransformers', () => {
  it('calls each reply transformer with the RESP2 context, on a table of the mock only', () => {
    const argument = {};
    const shared = { argument, reply: { zrange: needsContext } as Record<string, unknown> };
    const mock = fakeMock(shared);
    adaptReplyTransformers(mock);

    const seen: unknown[] = [];
    shared.reply.zpopmin = (result: unknown, context: unknown) => seen.push(result, context);
    const reply = mock.Command.transformers.reply as Record<string, (r: unknown) => unknown>;

    expect(reply.zrange(['a', '1'])).toEqual(['protocol 2', ['a', '1']]);
    // Registered after the adaptation: still seen, with the command's name in the context.
    reply.zpopmin(['b', '2']);
    expect(seen).toEqual([
      ['b', '2'],
      { commandName: 'zpopmin', protocol: 2, replyMapping: 'legacy' },
    ]);
    expect(reply.get).toBeUndefined();
    expect(mock.Command.transformers.argument).toBe(argument);
    // ioredis's own table, which real clients use, is untouched.
    expect(shared.reply.zrange).toBe(needsContext);
    expect(() => (shared.reply.zrange as typeof needsContext)(['a', '1'])).toThrow(TypeError);
  });

  it('adapts a class once', () => {
    const mock = fakeMock({ argument: {}, reply: { zrange: needsContext } });
    adaptReplyTransformers(mock);
    const adapted = mock.Command.transformers;
    adaptReplyTransformers(mock);
    expect(mock.Command.transformers).toBe(adapted);
    const reply = adapted.reply as Record<string, (r: unknown) => unknown>;
    expect(reply.zrange([])).toEqual(['protocol 2', []]);
  });

  it('lets createMockRedis answer commands whose ioredis transformer needs a context (ioredis 6)', async () => {
    // ioredis 5 has no transformer for ZRANGE; install one shaped like ioredis 6's for the test.
    const table = (Command as unknown as { _transformer: { reply: Record<string, unknown> } })
      ._transformer.reply;
    const before = table.zrange;
    Command.setReplyTransformer('zrange', needsContext);
    try {
      const redis = createMockRedis();
      await redis.zadd('scores', 1, 'a');
      expect(await redis.zrange('scores', 0, -1, 'WITHSCORES')).toEqual(['protocol 2', ['a', '1']]);
      redis.disconnect();
    } finally {
      if (before === undefined) delete table.zrange;
      else table.zrange = before;
    }
  });
});
