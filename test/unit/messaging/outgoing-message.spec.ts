import { ValidationError } from '../../../lib/errors';
import { decodeStored } from '../../../lib/messaging/message-codec';
import {
  completeMessage,
  prepareOutgoing,
  validateAgentId,
  validateToken,
} from '../../../lib/messaging/outgoing-message';
import { MessagePriority, MessageType } from '../../../lib/messaging/models/message.enums';
import type { OutgoingMessage } from '../../../lib/messaging/message-coordinator';
import { errorOf } from '../../support/errors';

const limits = { maxPayloadBytes: 1000, maxPayloadDepth: 4 };
const sender = { type: 'planner' };
const recipient = { type: 'worker', instance: 'w1' };

const failure = (fn: () => unknown) => errorOf(ValidationError, fn);

describe('validateAgentId', () => {
  it('fills in the default instance on the fast path and through the validator', () => {
    expect(validateAgentId({ type: 'a' }, 'f')).toEqual({ type: 'a', instance: 'default' });
    // A class instance is not a plain object: it goes through class-validator.
    class Id {
      constructor(readonly type: string) {}
    }
    expect(validateAgentId(new Id('a'), 'f')).toEqual({ type: 'a', instance: 'default' });
  });

  it('names the field of an invalid id', () => {
    expect(failure(() => validateAgentId({ type: 'a b' }, 'who')).field).toBe('who.type');
    expect(failure(() => validateAgentId({ type: 'a', extra: 1 } as never, 'who')).field).toBe(
      'who.extra',
    );
  });

  it('refuses an own __proto__ key, which class-transformer would drop', () => {
    const id = JSON.parse('{"type":"a","__proto__":{"x":1}}') as { type: string };
    const error = failure(() => validateAgentId(id, 'who'));
    expect(error.field).toBe('who.__proto__');
    expect(error.rule).toBe('noPrototypeKeys');
  });
});

describe('validateToken', () => {
  it('reads a delivery token and refuses anything else', () => {
    expect(validateToken('12:3:message-1')).toEqual({ attempts: 3, messageId: 'message-1' });
    const error = failure(() => validateToken('nope'));
    expect(error).toMatchObject({ field: 'token', rule: 'matches' });
    expect(error.message).toContain('is not a delivery token');
  });
});

describe('completeMessage', () => {
  const event = { messageType: MessageType.EVENT, payload: { n: 1 } };

  it('fills id and timestamp and carries the payload as JSON only (fast path)', () => {
    const before = Date.now();
    const done = completeMessage(sender, recipient, event, limits);
    expect(done.payloadJson).toBe('{"n":1}');
    expect(done.recipient).toEqual(recipient);
    expect(done.message).toEqual({
      messageId: expect.stringMatching(/^[0-9A-Za-z]{16}$/) as string,
      sender: { type: 'planner', instance: 'default' },
      recipient,
      messageType: 'event',
      payload: {},
      timestamp: expect.any(String) as string,
    });
    expect(Date.parse(done.message.timestamp!)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(done.message.timestamp!)).toBeLessThanOrEqual(Date.now());
  });

  it('keeps priority, correlation id and replyTo on the fast path, and nothing unset', () => {
    const done = completeMessage(
      sender,
      recipient,
      {
        ...event,
        messageId: 'given-id',
        priority: MessagePriority.HIGH,
        correlationId: 'corr-1',
        replyTo: { type: 'planner', instance: 'p' },
      },
      limits,
    );
    expect(done.message).toMatchObject({
      messageId: 'given-id',
      priority: 9,
      correlationId: 'corr-1',
      replyTo: { type: 'planner', instance: 'p' },
    });
    const plain = completeMessage(sender, recipient, event, limits).message;
    expect(Object.keys(plain).sort()).toEqual(
      ['messageId', 'messageType', 'payload', 'recipient', 'sender', 'timestamp'].sort(),
    );
  });

  it('validates routing and a given timestamp with the full validator, keeping them', () => {
    const done = completeMessage(
      sender,
      recipient,
      { ...event, routing: { topic: 't', tags: ['x'] }, timestamp: '2026-01-02T03:04:05.000Z' },
      limits,
    );
    expect(done.message.routing).toEqual({ topic: 't', tags: ['x'] });
    expect(done.message.timestamp).toBe('2026-01-02T03:04:05.000Z');
    expect(done.message.payload).toEqual({});
    expect(done.message.sender).toEqual({ type: 'planner', instance: 'default' });
    expect(done.message.recipient).toEqual(recipient);
    expect(done.message.messageId).toMatch(/^[0-9A-Za-z]{16}$/);
    const stamped = completeMessage(sender, recipient, { ...event, routing: { tags: [] } }, limits);
    expect(Number.isNaN(Date.parse(stamped.message.timestamp!))).toBe(false);
  });

  it('names the recipient field it was given', () => {
    expect(
      failure(() => completeMessage(sender, { type: '' }, event, limits, 'recipients[2]')).field,
    ).toBe('recipients[2].type');
    expect(failure(() => completeMessage({ type: '' }, recipient, event, limits)).field).toBe(
      'sender.type',
    );
    expect(failure(() => completeMessage(sender, { type: '' }, event, limits)).field).toBe(
      'recipient.type',
    );
  });

  it('refuses a message that is not an object', () => {
    for (const message of [null, 'text', 5]) {
      const error = failure(() =>
        completeMessage(sender, recipient, message as unknown as OutgoingMessage, limits),
      );
      expect(error).toMatchObject({ field: 'message', rule: 'isObject' });
    }
  });

  it('refuses __proto__ keys on the message and its object fields', () => {
    const message = JSON.parse(
      '{"messageType":"event","payload":{},"__proto__":{"x":1}}',
    ) as OutgoingMessage;
    expect(failure(() => completeMessage(sender, recipient, message, limits)).field).toBe(
      'message.__proto__',
    );
    const replyTo = JSON.parse('{"type":"a","__proto__":{}}') as { type: string };
    expect(
      failure(() => completeMessage(sender, recipient, { ...event, replyTo }, limits)).field,
    ).toBe('message.replyTo.__proto__');
  });

  it('checks the payload against the limits', () => {
    expect(
      failure(() =>
        completeMessage(sender, recipient, { ...event, payload: { a: 'x'.repeat(2000) } }, limits),
      ).rule,
    ).toBe('maxPayloadBytes');
    expect(
      failure(() => completeMessage(sender, recipient, { ...event, payload: [] as never }, limits))
        .field,
    ).toBe('message.payload');
  });

  it.each<[string, Partial<OutgoingMessage> & Record<string, unknown>, string]>([
    ['an unknown field', { extra: 1 }, 'message.extra'],
    ['a short message id', { messageId: 'abc' }, 'message.messageId'],
    ['an unknown message type', { messageType: 'nope' as MessageType }, 'message.messageType'],
    ['an unknown priority', { priority: 3 as MessagePriority }, 'message.priority'],
    ['a bad correlation id', { correlationId: 'a b c d e f' }, 'message.correlationId'],
    [
      'a correlation id that is not a string',
      { correlationId: 123456 as never },
      'message.correlationId',
    ],
    ['a bad replyTo', { replyTo: { type: 'a b' } }, 'message.replyTo.type'],
    ['a bad timestamp', { timestamp: 'yesterday' }, 'message.timestamp'],
    ['bad routing', { routing: { tags: 'x' } as never }, 'message.routing.tags'],
  ])('refuses %s with the field named', (_what, change, field) => {
    expect(
      failure(() => completeMessage(sender, recipient, { ...event, ...change }, limits)).field,
    ).toBe(field);
  });
});

describe('prepareOutgoing', () => {
  const event = { messageType: MessageType.EVENT, payload: { n: 1 } };

  it('encodes a body with the default priority and no timestamp of its own', () => {
    const prepared = prepareOutgoing(sender, recipient, event, limits);
    expect(prepared.priority).toBe(MessagePriority.NORMAL);
    expect(prepared.recipient).toEqual(recipient);
    expect(prepared.body).toBe('[1,"planner","event",{"n":1}]');
    expect(prepared.message.messageType).toBe('event');
  });

  it("keeps the message's priority and the sender's own timestamp in the body", () => {
    const prepared = prepareOutgoing(
      sender,
      recipient,
      { ...event, priority: MessagePriority.LOW, timestamp: '2026-01-02T03:04:05.000Z' },
      limits,
      'to',
    );
    expect(prepared.priority).toBe(MessagePriority.LOW);
    const stored = decodeStored(`5:1:${prepared.body}`, 'message-1', recipient, 0);
    expect(stored.message.timestamp).toBe('2026-01-02T03:04:05.000Z');
    expect(stored.message.payload).toEqual({ n: 1 });
  });

  it('names the recipient field it was given', () => {
    expect(failure(() => prepareOutgoing(sender, { type: '' }, event, limits, 'to')).field).toBe(
      'to.type',
    );
  });
});
