import {
  BODY_FORMAT_VERSION,
  MalformedBodyError,
  decodeStored,
  encodeBody,
  parseToken,
  splitIssuedToken,
} from '../../../lib/messaging/message-codec';
import { type AgentMessage } from '../../../lib/messaging/models/agent-message';
import { MessagePriority, MessageType } from '../../../lib/messaging/models/message.enums';

const recipient = { type: 'worker', instance: 'w1' };
const timestampMs = Date.parse('2024-03-01T12:00:00.000Z');

function message(extra: Partial<AgentMessage> = {}): AgentMessage {
  return {
    messageId: 'codec-0001',
    sender: { type: 'planner', instance: 'p1' },
    recipient,
    messageType: MessageType.REQUEST,
    payload: { a: 1, nested: { list: [1, 'two', null, true] }, text: 'ünïcødé "quoted"' },
    priority: MessagePriority.HIGH,
    timestamp: new Date(timestampMs).toISOString(),
    ...extra,
  };
}

/** What the send script stores: `enqueuedAt:priority:body`. */
function stored(body: string, enqueuedAt = 1_700_000_000_123, priority = 9): string {
  return `${enqueuedAt}:${priority}:${body}`;
}

function roundTrip(m: AgentMessage, attempts = 0, lastError?: string) {
  const body = encodeBody(m, JSON.stringify(m.payload), timestampMs);
  return decodeStored(
    stored(body, 1_700_000_000_123, m.priority ?? 5),
    m.messageId,
    recipient,
    attempts,
    lastError,
  );
}

describe('message codec', () => {
  it('round-trips a message with every optional field', () => {
    const original = message({
      correlationId: 'corr-00001',
      replyTo: { type: '_replies', instance: 'abc' },
      routing: { topic: 'jobs', tags: ['x', 'y'] },
    });
    const decoded = roundTrip(original, 2, 'last failure');
    expect(decoded).toEqual({
      message: { ...original, recipient: { type: 'worker', instance: 'w1' } },
      priority: MessagePriority.HIGH,
      enqueuedAt: new Date(1_700_000_000_123).toISOString(),
      deliveryAttempts: 2,
      lastError: 'last failure',
    });
  });

  it('round-trips a minimal message, filling the defaults', () => {
    const minimal = message({ priority: undefined, sender: { type: 'planner' } });
    const decoded = roundTrip(minimal);
    expect(decoded.message).toEqual({
      ...minimal,
      sender: { type: 'planner', instance: 'default' },
      priority: MessagePriority.NORMAL,
      routing: { tags: [] },
    });
    expect(decoded).not.toHaveProperty('lastError');
    expect(decoded.message).not.toHaveProperty('correlationId');
    expect(decoded.message).not.toHaveProperty('replyTo');
  });

  it('keeps routing with only a topic, or only tags', () => {
    expect(roundTrip(message({ routing: { topic: 't', tags: [] } })).message.routing).toEqual({
      topic: 't',
      tags: [],
    });
    expect(roundTrip(message({ routing: { tags: ['only'] } })).message.routing).toEqual({
      tags: ['only'],
    });
  });

  it('writes a compact versioned array, trailing empty fields left out', () => {
    const body = encodeBody(message({ payload: { k: 'v' } }), '{"k":"v"}', timestampMs);
    expect(JSON.parse(body)).toEqual([
      BODY_FORMAT_VERSION,
      'planner/p1',
      'request',
      { k: 'v' },
      timestampMs,
    ]);
    const withReply = encodeBody(message({ replyTo: { type: 'r' } }), '{}', timestampMs);
    expect(JSON.parse(withReply)).toEqual([
      1,
      'planner/p1',
      'request',
      {},
      timestampMs,
      null,
      'r/default',
    ]);
  });

  it('stores neither the id, the priority nor a default sender instance', () => {
    const body = encodeBody(
      message({ sender: { type: 'planner', instance: 'default' }, payload: {} }),
      '{}',
      null,
    );
    expect(body).toBe('[1,"planner","request",{}]');
  });

  it('gives a message stored without timestamp its enqueue time', () => {
    const body = encodeBody(message({ correlationId: 'corr-00002' }), '{}', null);
    expect(JSON.parse(body)).toEqual([1, 'planner/p1', 'request', {}, null, 'corr-00002']);
    const decoded = decodeStored(stored(body, 1_700_000_000_456), 'codec-0001', recipient, 0);
    expect(decoded.message.timestamp).toBe(new Date(1_700_000_000_456).toISOString());
    expect(decoded.enqueuedAt).toBe(decoded.message.timestamp);
    expect(decoded.message.correlationId).toBe('corr-00002');
  });

  it('reads the priority from the header', () => {
    const body = encodeBody(message(), '{}', timestampMs);
    expect(decodeStored(stored(body, 1, 1), 'codec-0001', recipient, 0).priority).toBe(
      MessagePriority.LOW,
    );
    expect(decodeStored(stored(body, 1, 5), 'codec-0001', recipient, 0).message.priority).toBe(
      MessagePriority.NORMAL,
    );
  });

  const valid = JSON.stringify([1, 'planner/p1', 'event', {}, timestampMs]);
  const withField = (index: number, value: unknown) => {
    const array = JSON.parse(valid) as unknown[];
    array[index] = value;
    return JSON.stringify(array);
  };
  const malformed: [string, string, string][] = [
    ['no header', 'garbage', 'missing enqueuedAt:priority header'],
    ['a header only', '123:5:', 'body is not JSON'],
    ['truncated JSON', stored(valid.slice(0, -3)), 'body is not JSON'],
    ['an object body', stored('{"v":1}'), 'body is not a version 1 array'],
    ['version 2', stored(withField(0, 2)), 'body is not a version 1 array'],
    ['a bad sender', stored(withField(1, 'a:b')), 'sender is not an agent id'],
    ['a bad sender instance', stored(withField(1, 'a/b:c')), 'sender is not an agent id'],
    ['a null sender', stored(withField(1, null)), 'sender is not an agent id'],
    ['a numeric sender', stored(withField(1, 42)), 'sender is not an agent id'],
    ['an unknown type', stored(withField(2, 'foo')), 'messageType is unknown'],
    ['an array payload', stored(withField(3, [])), 'payload is not an object'],
    ['a null payload', stored(withField(3, null)), 'payload is not an object'],
    ['a string timestamp', stored(withField(4, '2024')), 'timestamp is malformed'],
    ['a timestamp no Date can hold', stored(withField(4, 1e20)), 'timestamp is malformed'],
    [
      'an enqueue time no Date can hold',
      stored(valid, 9_000_000_000_000_000),
      'enqueuedAt is out of range',
    ],
    ['priority 7', stored(valid, 1, 7), 'priority is unknown'],
    ['a numeric correlation id', stored(withField(5, 5)), 'correlationId is malformed'],
    ['a bad replyTo', stored(withField(6, 'no-slash')), 'replyTo is not an agent id'],
    ['a numeric replyTo', stored(withField(6, 42)), 'replyTo is not an agent id'],
    ['routing that is a string', stored(withField(7, 'r')), 'routing is malformed'],
    ['routing without tags', stored(withField(7, { topic: 't' })), 'routing is malformed'],
    ['routing with a numeric tag', stored(withField(7, { tags: [1] })), 'routing is malformed'],
  ];

  it('refuses a malformed message id with MalformedBodyError', () => {
    for (const id of ['bad id', 'short', 'x'.repeat(129)]) {
      expect(() => decodeStored(stored(valid), id, recipient, 0)).toThrow('messageId is malformed');
    }
  });

  it.each(malformed)('refuses %s with MalformedBodyError', (_name, text, reason) => {
    expect(() => decodeStored(text, 'codec-0001', recipient, 0)).toThrow(MalformedBodyError);
    expect(() => decodeStored(text, 'codec-0001', recipient, 0)).toThrow(reason);
  });

  it('ignores a non-string topic and accepts null routing', () => {
    const routed = decodeStored(
      stored(withField(7, { topic: 5, tags: ['a'] })),
      'codec-0001',
      recipient,
      0,
    );
    expect(routed.message.routing).toEqual({ tags: ['a'] });
    expect(
      decodeStored(stored(withField(7, null)), 'codec-0001', recipient, 0).message.routing,
    ).toEqual({
      tags: [],
    });
  });
});

describe('delivery tokens', () => {
  it.each([
    ['1:0:abcdef', { attempts: 0, messageId: 'abcdef' }],
    [
      '123456789:12:msg-with.dots_and:colons',
      { attempts: 12, messageId: 'msg-with.dots_and:colons' },
    ],
    ['1:999999999:abcdef', { attempts: 999_999_999, messageId: 'abcdef' }],
  ])('parses %s', (token, parsed) => {
    expect(parseToken(token)).toEqual(parsed);
  });

  it.each([
    ['not a string', 42],
    ['empty', ''],
    ['no sequence', ':0:abcdef'],
    ['a letter in the attempts', '1:x:abcdef'],
    ['a short id', '1:0:abc'],
    ['a space in the id', '1:0:abc def'],
    ['a 129-char id', `1:0:${'m'.repeat(129)}`],
    ['a 17-digit sequence', `${'1'.repeat(17)}:0:abcdef`],
    ['a 10-digit attempt count', '1:1234567890:abcdef'],
  ])('refuses %s', (_name, token) => {
    expect(parseToken(token)).toBeNull();
  });

  it('splits an issued token whatever its id holds', () => {
    expect(splitIssuedToken('7:2:bad id {x}')).toEqual({ attempts: 2, messageId: 'bad id {x}' });
    expect(splitIssuedToken('nonsense')).toBeNull();
  });
});

describe('decoding for a recipient given without instance', () => {
  it('fills in the default instance', () => {
    const body = encodeBody(message(), '{}', timestampMs);
    expect(decodeStored(stored(body), 'codec-0001', { type: 'solo' }, 0).message.recipient).toEqual(
      {
        type: 'solo',
        instance: 'default',
      },
    );
  });
});
