import fc from 'fast-check';
import {
  ConfigurationError,
  DEFAULT_HANDLER_TYPES,
  ErrorCode,
  MessageType,
  TopicHandlerSet,
  type AgentMessage,
  type AgentMessageHandler,
} from '../../../lib';

/** A message of `type` with `topic` (none when undefined). */
function message(type: MessageType, topic?: string): AgentMessage {
  return {
    messageId: 'msg-000001',
    sender: { type: 's' },
    recipient: { type: 'r' },
    messageType: type,
    payload: {},
    routing: topic === undefined ? { tags: [] } : { topic, tags: [] },
  };
}

/** A handler that says who it is. */
const named =
  (name: string): AgentMessageHandler =>
  () =>
    name;

/** The name of the handler `set` picks for `type` and `topic`; undefined when none. */
function chosen(set: TopicHandlerSet, type: MessageType, topic?: string): string | undefined {
  const entry = set.handlerFor(message(type, topic));
  return entry === undefined ? undefined : (entry.handle({}, undefined as never) as string);
}

/** A set with a handler named after each pattern, for REQUEST and EVENT. */
function setOf(...patterns: string[]): TopicHandlerSet {
  const set = new TopicHandlerSet();
  for (const pattern of patterns) set.on(pattern, named(pattern));
  return set;
}

const REQUEST = MessageType.REQUEST;
const EVENT = MessageType.EVENT;
const RESPONSE = MessageType.RESPONSE;

describe('TopicHandlerSet', () => {
  describe('choosing a handler', () => {
    const set = setOf('orders.#', '*.created', 'orders.*', '#', 'orders.created').fallback(
      named('fallback'),
    );

    it.each([
      ['orders.created', 'orders.created'],
      ['orders.shipped', 'orders.*'],
      ['orders', 'orders.#'],
      ['orders.eu.created', 'orders.#'],
      ['refunds.created', '*.created'],
      ['refunds', '#'],
    ])('takes topic %s to the most specific pattern, %s', (topic, pattern) => {
      expect(chosen(set, REQUEST, topic)).toBe(pattern);
      expect(chosen(set, EVENT, topic)).toBe(pattern);
    });

    it('takes a message without a topic, or with an empty one, to the fallback', () => {
      expect(chosen(set, EVENT)).toBe('fallback');
      expect(chosen(set, EVENT, '')).toBe('fallback');
      const noRouting = { ...message(EVENT), routing: undefined };
      expect((set.handlerFor(noRouting)?.handle({}, undefined as never) as string) ?? '').toBe(
        'fallback',
      );
    });

    it('takes a topic no pattern matches to the fallback', () => {
      const narrow = setOf('orders.*').fallback(named('fallback'));
      expect(chosen(narrow, REQUEST, 'orders.created')).toBe('orders.*');
      expect(chosen(narrow, REQUEST, 'billing.refund')).toBe('fallback');
      expect(chosen(narrow, REQUEST, 'orders')).toBe('fallback');
    });

    it('takes every message of its types to the fallback when no handler has a topic, as before topics', () => {
      const plain = new TopicHandlerSet().fallback(named('plain'), { types: [EVENT, REQUEST] });
      expect(chosen(plain, EVENT, 'orders.created')).toBe('plain');
      expect(chosen(plain, REQUEST, 'anything at all')).toBe('plain');
      expect(chosen(plain, EVENT)).toBe('plain');
    });

    it('takes nothing for a topic no pattern matches when there is no fallback', () => {
      const narrow = setOf('orders.*');
      expect(narrow.handlerFor(message(REQUEST, 'billing.refund'))).toBeUndefined();
      expect(narrow.handlerFor(message(REQUEST))).toBeUndefined();
    });

    it('matches case-sensitively and one segment per *', () => {
      const narrow = setOf('orders.*');
      expect(narrow.handlerFor(message(EVENT, 'Orders.created'))).toBeUndefined();
      expect(narrow.handlerFor(message(EVENT, 'orders.created.eu'))).toBeUndefined();
    });

    it('routes each message type by its own handlers', () => {
      const typed = new TopicHandlerSet()
        .on('orders.*', named('events on orders.*'), { types: EVENT })
        .on('orders.created', named('requests on orders.created'), { types: [REQUEST] })
        .fallback(named('requests without a topic'), { types: 'request' });
      expect(chosen(typed, EVENT, 'orders.created')).toBe('events on orders.*');
      expect(chosen(typed, REQUEST, 'orders.created')).toBe('requests on orders.created');
      expect(chosen(typed, REQUEST, 'orders.shipped')).toBe('requests without a topic');
      expect(chosen(typed, EVENT, 'billing.refund')).toBeUndefined();
      expect(chosen(typed, EVENT)).toBeUndefined();
      expect(chosen(typed, RESPONSE, 'orders.created')).toBeUndefined();
    });

    it('gives topic handlers and fallbacks REQUEST and EVENT when no types are named', () => {
      expect(DEFAULT_HANDLER_TYPES).toEqual([REQUEST, EVENT]);
      const set = new TopicHandlerSet().on('orders.*', named('topic')).fallback(named('fallback'));
      expect(chosen(set, REQUEST, 'orders.x')).toBe('topic');
      expect(chosen(set, EVENT, 'orders.x')).toBe('topic');
      expect(chosen(set, RESPONSE, 'orders.x')).toBeUndefined();
      expect(chosen(set, REQUEST)).toBe('fallback');
      expect(chosen(set, EVENT)).toBe('fallback');
      expect(chosen(set, RESPONSE)).toBeUndefined();
    });

    it('hands back the handler with its own timeout and reply setting', () => {
      const handle = named('h');
      const set = new TopicHandlerSet()
        .on('orders.*', handle, { timeoutMs: 250, replyWithResult: false })
        .fallback(handle);
      expect(set.handlerFor(message(REQUEST, 'orders.x'))).toEqual({
        handle,
        timeoutMs: 250,
        replyWithResult: false,
      });
      expect(set.handlerFor(message(REQUEST))).toEqual({
        handle,
        timeoutMs: undefined,
        replyWithResult: undefined,
      });
    });

    it('takes nothing while empty', () => {
      expect(new TopicHandlerSet().handlerFor(message(EVENT, 'a'))).toBeUndefined();
    });
  });

  describe('handles', () => {
    it('names each type with its patterns most specific first, any other for its fallback', () => {
      const set = new TopicHandlerSet()
        .on('orders.*', named('a'), { types: REQUEST })
        .fallback(named('b'), { types: [EVENT, REQUEST] })
        .on('orders.created', named('c'), { types: REQUEST })
        .on('#', named('d'), { types: RESPONSE });
      expect(set.handles).toBe(
        'request (topics orders.created | orders.* | any other), event, response (topics #)',
      );
    });

    it('names the types alone when no handler has a topic, and none when empty', () => {
      expect(new TopicHandlerSet().fallback(named('x'), { types: [EVENT, REQUEST] }).handles).toBe(
        'event, request',
      );
      expect(new TopicHandlerSet().handles).toBe('none');
    });
  });

  describe('registration errors', () => {
    /** What `register` threw. */
    function thrown(register: () => unknown): ConfigurationError {
      try {
        register();
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigurationError);
        expect((error as ConfigurationError).code).toBe(ErrorCode.INVALID_CONFIG);
        return error as ConfigurationError;
      }
      throw new Error('nothing was thrown');
    }

    it('rejects a bad pattern with its rule', () => {
      expect(thrown(() => new TopicHandlerSet().on('orders..x', named('x')))).toMatchObject({
        field: 'topic',
        rule: 'emptySegment',
      });
      expect(thrown(() => new TopicHandlerSet().on('orders.#.x', named('x')))).toMatchObject({
        rule: 'restLast',
      });
      expect(thrown(() => new TopicHandlerSet().on('x'.repeat(257), named('x')))).toMatchObject({
        rule: 'maxLength',
      });
    });

    it('rejects the same pattern twice for one type, registering nothing of the second', () => {
      const set = new TopicHandlerSet().on('orders.*', named('first'), { types: EVENT });
      const error = thrown(() => set.on('orders.*', named('second'), { types: [REQUEST, EVENT] }));
      expect(error).toMatchObject({ field: 'topic', rule: 'unique' });
      expect(error.message).toContain('"orders.*" already has a handler for event messages');
      expect(chosen(set, REQUEST, 'orders.x')).toBeUndefined();
      expect(chosen(set, EVENT, 'orders.x')).toBe('first');
    });

    it('accepts one pattern for different types', () => {
      const set = new TopicHandlerSet()
        .on('orders.*', named('events'), { types: EVENT })
        .on('orders.*', named('requests'), { types: REQUEST });
      expect(chosen(set, EVENT, 'orders.x')).toBe('events');
      expect(chosen(set, REQUEST, 'orders.x')).toBe('requests');
    });

    it('rejects two fallbacks for one type, registering nothing of the second', () => {
      const set = new TopicHandlerSet().fallback(named('first'), { types: EVENT });
      const error = thrown(() => set.fallback(named('second')));
      expect(error).toMatchObject({ field: 'types', rule: 'unique' });
      expect(error.message).toContain('event messages already have a handler without a topic');
      expect(chosen(set, REQUEST)).toBeUndefined();
    });

    it.each([
      ['a handler that is not a function', {}, {}, 'handler', 'isFunction'],
      ['no types', named('x'), { types: [] }, 'types', 'arrayNotEmpty'],
      ['an unknown type', named('x'), { types: 'bogus' }, 'types', 'isEnum'],
      ['a type that is not a string', named('x'), { types: [1] }, 'types', 'isEnum'],
      ['a zero timeout', named('x'), { timeoutMs: 0 }, 'timeoutMs', 'range'],
      ['a fractional timeout', named('x'), { timeoutMs: 1.5 }, 'timeoutMs', 'isInt'],
    ])('rejects %s', (_name, handle, options, field, rule) => {
      const set = new TopicHandlerSet();
      const args = [handle as unknown as AgentMessageHandler, options as never] as const;
      expect(thrown(() => set.on('a', ...args))).toMatchObject({ field, rule });
      expect(thrown(() => set.fallback(...args))).toMatchObject({ field, rule });
      expect(set.handles).toBe('none');
    });

    it('names an unknown type and the known ones', () => {
      expect(thrown(() => setOf().on('a', named('x'), { types: 'bogus' as never })).message).toBe(
        'Invalid types: "bogus" is not a message type (one of request, response, event) (rule: isEnum)',
      );
    });

    it('takes a type named twice once', () => {
      const set = new TopicHandlerSet().on('a', named('x'), { types: [EVENT, 'event'] });
      expect(set.handles).toBe('event (topics a)');
    });
  });

  describe('properties', () => {
    /** Segments from a small alphabet, so random topics and patterns often meet. */
    const topicArb = fc
      .array(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 4 })
      .map((segments) => segments.join('.'));
    const patternArb = fc
      .tuple(fc.array(fc.constantFrom('a', 'b', '*'), { maxLength: 4 }), fc.boolean())
      .filter(([segments, rest]) => segments.length > 0 || rest)
      .map(([segments, rest]) => [...segments, ...(rest ? ['#'] : [])].join('.'));

    /** The matching rule as documented, written as a regular expression. */
    function documentedMatch(pattern: string, topic: string): boolean {
      const parts = pattern.split('.');
      const rest = parts[parts.length - 1] === '#';
      const fixed = (rest ? parts.slice(0, -1) : parts)
        .map((p) => (p === '*' ? '[^.]*' : p))
        .join('\\.');
      const source = !rest ? fixed : fixed === '' ? '.*' : `${fixed}(\\..*)?`;
      return new RegExp(`^${source}$`).test(topic);
    }

    /**
     * The specificity rule as documented: at the first segment where two different patterns
     * differ, a literal beats `*`, `*` beats `#`, and ending beats going on with `#`.
     */
    function documentedMoreSpecific(p: string, q: string): boolean {
      const a = p.split('.');
      const b = q.split('.');
      const weight = (s: string | undefined): number =>
        s === undefined ? 3 : s === '#' ? 0 : s === '*' ? 1 : 2;
      let i = 0;
      while (a[i] === b[i]) i++;
      return weight(a[i]) > weight(b[i]);
    }

    it('takes a topic to a pattern exactly when the documented rule says it matches', () => {
      fc.assert(
        fc.property(patternArb, topicArb, (pattern, topic) => {
          expect(chosen(setOf(pattern), EVENT, topic) === pattern).toBe(
            documentedMatch(pattern, topic),
          );
        }),
        { numRuns: 500 },
      );
    });

    it('chooses a matching pattern that no other matching pattern is more specific than, whatever the registration order', () => {
      fc.assert(
        fc.property(
          fc.uniqueArray(patternArb, { minLength: 1, maxLength: 8 }),
          topicArb,
          fc.boolean(),
          (patterns, topic, withFallback) => {
            const set = setOf(...patterns);
            const reversed = setOf(...[...patterns].reverse());
            if (withFallback) set.fallback(named('fallback'));
            const pick = chosen(set, REQUEST, topic);
            const matching = patterns.filter((p) => documentedMatch(p, topic));
            expect(chosen(reversed, REQUEST, topic)).toBe(matching.length > 0 ? pick : undefined);
            if (matching.length === 0) {
              expect(pick).toBe(withFallback ? 'fallback' : undefined);
              return;
            }
            expect(matching).toContain(pick);
            for (const other of matching.filter((p) => p !== pick)) {
              expect(documentedMoreSpecific(pick!, other)).toBe(true);
              expect(documentedMoreSpecific(other, pick!)).toBe(false);
            }
          },
        ),
        { numRuns: 500 },
      );
    });
  });
});
