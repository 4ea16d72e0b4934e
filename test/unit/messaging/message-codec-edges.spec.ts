import {
  decodeDeadLetter,
  decodeStored,
  encodeBody,
  splitIssuedToken,
} from '../../../lib/messaging/message-codec';
import { type AgentMessage } from '../../../lib/messaging/models/agent-message';
import { MessagePriority, MessageType } from '../../../lib/messaging/models/message.enums';

const recipient = { type: 'worker', instance: 'w1' };
const timestampMs = Date.parse('2024-03-01T12:00:00.000Z');
/** The largest time a Date can hold, in ms either side of the epoch. */
const MAX_DATE_MS = 8.64e15;

function message(extra: Partial<AgentMessage> = {}): AgentMessage {
  return {
    messageId: 'codec-0001',
    sender: { type: 'planner', instance: 'p1' },
    recipient,
    messageType: MessageType.EVENT,
    payload: {},
    priority: MessagePriority.NORMAL,
    ...extra,
  };
}

function decode(body: string, enqueuedAt: number | string = 1_700_000_000_123) {
  return decodeStored(`${enqueuedAt}:5:${body}`, 'codec-0001', recipient, 0);
}

describe('message codec edges', () => {
  it('stores no routing when it has neither topic nor tags', () => {
    const body = encodeBody(message({ routing: { tags: [] } }), '{}', timestampMs);
    expect(body).toBe(`[1,"planner/p1","event",{},${timestampMs}]`);
  });

  it('reads a reply address without correlation id back without one', () => {
    const body = encodeBody(message({ replyTo: { type: 'r', instance: 'i' } }), '{}', timestampMs);
    const decoded = decode(body).message;
    expect(decoded.replyTo).toEqual({ type: 'r', instance: 'i' });
    expect(decoded).not.toHaveProperty('correlationId');
  });

  it('accepts times up to the largest a Date holds, either side of the epoch', () => {
    const atMax = decode(JSON.stringify([1, 'a/b', 'event', {}, MAX_DATE_MS]), MAX_DATE_MS);
    expect(atMax.enqueuedAt).toBe(new Date(MAX_DATE_MS).toISOString());
    expect(atMax.message.timestamp).toBe(new Date(MAX_DATE_MS).toISOString());
    const atMin = decode(JSON.stringify([1, 'a/b', 'event', {}, -MAX_DATE_MS]));
    expect(atMin.message.timestamp).toBe(new Date(-MAX_DATE_MS).toISOString());
    expect(() => decode(JSON.stringify([1, 'a/b', 'event', {}, -MAX_DATE_MS - 1]))).toThrow(
      'timestamp is malformed',
    );
  });

  it('reads the header only at the start of the stored value', () => {
    const body = JSON.stringify([1, 'a/b', 'event', {}]);
    expect(() => decodeStored(`x1:5:${body}`, 'codec-0001', recipient, 0)).toThrow(
      'missing enqueuedAt:priority header',
    );
  });

  it('refuses a payload that is a number or a string', () => {
    for (const payload of [5, 'text']) {
      expect(() => decode(JSON.stringify([1, 'a/b', 'event', payload]))).toThrow(
        'payload is not an object',
      );
    }
  });

  it('refuses routing with any tag that is not a string', () => {
    const body = JSON.stringify([1, 'a/b', 'event', {}, 1, null, null, { tags: ['a', 1] }]);
    expect(() => decode(body)).toThrow('routing is malformed');
  });

  it('splits issued tokens with numbers of several digits, and nothing before them', () => {
    expect(splitIssuedToken('123:45:id')).toEqual({ attempts: 45, messageId: 'id' });
    expect(splitIssuedToken('x7:2:id')).toBeNull();
  });
});

describe('decodeDeadLetter', () => {
  const agent = { type: 'worker', instance: 'w1' };

  it('decodes a readable dead letter as a stored message', () => {
    const body = encodeBody(message(), '{}', timestampMs);
    const stored = `1700000000123:1:${body}`;
    expect(decodeDeadLetter(agent, 'codec-0001', stored, 3, 'handler failed')).toEqual(
      decodeStored(stored, 'codec-0001', agent, 3, 'handler failed'),
    );
    expect(decodeDeadLetter(agent, 'codec-0001', stored, 3, undefined).priority).toBe(
      MessagePriority.LOW,
    );
  });

  it('keeps an unreadable one inspectable, with its raw text and the reason', () => {
    expect(decodeDeadLetter(agent, 'bad id', '1:5:[1', 4, undefined)).toEqual({
      message: {
        messageId: 'bad id',
        sender: { type: 'unknown', instance: 'unknown' },
        recipient: agent,
        messageType: MessageType.EVENT,
        payload: { malformed: '1:5:[1' },
        routing: { tags: [] },
      },
      priority: MessagePriority.NORMAL,
      enqueuedAt: new Date(0).toISOString(),
      deliveryAttempts: 4,
      lastError: 'messageId is malformed',
    });
  });

  it('says when the body is missing, and keeps a last error it was given', () => {
    const missing = decodeDeadLetter(agent, 'codec-0001', null, 1, undefined);
    expect(missing.lastError).toBe('body is missing');
    expect(missing.message.payload).toEqual({ malformed: null });
    expect(decodeDeadLetter(agent, 'codec-0001', null, 1, 'expired').lastError).toBe('expired');
  });
});

describe('message codec: expiresAt', () => {
  it('stores expiresAt as epoch ms after the routing slot and reads it back', () => {
    const body = encodeBody(message({ expiresAt: '2030-01-01T01:00:00+01:00' }), '{}', null);
    expect(body).toBe(
      `[1,"planner/p1","event",{},null,null,null,null,${Date.parse('2030-01-01T00:00:00Z')}]`,
    );
    expect(decode(body).message.expiresAt).toBe('2030-01-01T00:00:00.000Z');
  });

  it('refuses an expiresAt that is not a time a Date holds', () => {
    for (const bad of ['"soon"', String(MAX_DATE_MS + 1)]) {
      expect(() => decode(`[1,"a/b","event",{},null,null,null,null,${bad}]`)).toThrow(
        'expiresAt is malformed',
      );
    }
  });
});
