/** A reply transformer as ioredis registers it: ioredis 6 passes a context, ioredis 5 does not. */
type ReplyTransformer = (result: unknown, context?: ReplyContext) => unknown;

/** What ioredis 6 hands a reply transformer: the protocol the reply came in and how to map it. */
interface ReplyContext {
  commandName: string;
  protocol: 2 | 3;
  replyMapping: 'legacy' | 'resp3';
}

/** The part of the ioredis-mock class this module touches: its `Command` helper. */
export interface RedisMockCommands {
  /** ioredis-mock's `Command`; `transformers` is ioredis's own transformer table. */
  Command: {
    /** Starts as ioredis's own transformer table; replaced by a table of the mock's own. */
    transformers: {
      /** Argument transformers by command name (they take no context; shared as they are). */
      argument: object;
      /** Reply transformers by command name. */
      reply: Record<string, unknown>;
    };
  };
}

const ADAPTED = Symbol('tta-agent-coordination.replyContext');

/**
 * Makes ioredis-mock work on whichever ioredis the application has (5 or 6).
 *
 * ioredis-mock runs each reply through the reply transformers of the ioredis it finds, calling
 * them as ioredis 5 does, with the reply alone. ioredis 6's transformers (ZRANGE WITHSCORES,
 * ZPOPMIN, XREAD, HRANDFIELD, ...) also need a context naming the protocol, and without it fail
 * with `Cannot read properties of undefined (reading 'protocol')`. The fake speaks RESP2, so this
 * gives ioredis-mock a transformer table of its own that passes the context a RESP2 connection
 * gets; ioredis 5's transformers ignore it. ioredis's own table (used by the application's real
 * clients) is left as it is. Applying it twice is a no-op.
 */
export function adaptReplyTransformers(RedisMock: RedisMockCommands): void {
  const commands = RedisMock.Command as RedisMockCommands['Command'] & { [ADAPTED]?: true };
  if (commands[ADAPTED]) return;
  const shared = commands.transformers;
  // A proxy, not a copy: a transformer registered later on ioredis is seen here too.
  const reply = new Proxy(shared.reply, {
    get(table, commandName: string | symbol): unknown {
      const transformer: unknown = Reflect.get(table, commandName);
      if (typeof transformer !== 'function') return transformer;
      const context: ReplyContext = {
        commandName: String(commandName),
        protocol: 2,
        replyMapping: 'legacy',
      };
      return (result: unknown) => (transformer as ReplyTransformer)(result, context);
    },
  });
  commands.transformers = { argument: shared.argument, reply };
  commands[ADAPTED] = true;
}
