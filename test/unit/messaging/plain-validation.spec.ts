import { plainAgentId, plainMessage } from '../../../lib/messaging/plain-validation';
import {
  assertMessageHasNoPrototypeKeys,
  assertNoPrototypeKey,
} from '../../../lib/messaging/prototype-keys';
import { ValidationError } from '../../../lib/errors';

describe('plainAgentId (fast path in front of class-validator)', () => {
  it('resolves a plainly valid id, filling in the default instance', () => {
    expect(plainAgentId({ type: 'worker' })).toEqual({ type: 'worker', instance: 'default' });
    expect(plainAgentId({ type: 'worker', instance: 'w-1.x_y' })).toEqual({
      type: 'worker',
      instance: 'w-1.x_y',
    });
    expect(plainAgentId({ type: 'w', instance: undefined })).toEqual({
      type: 'w',
      instance: 'default',
    });
    expect(plainAgentId({ type: 'x'.repeat(64) })).toEqual({
      type: 'x'.repeat(64),
      instance: 'default',
    });
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['a string', 'worker'],
    ['an array', ['worker']],
    [
      'a class instance',
      new (class {
        type = 'worker';
      })(),
    ],
    ['an object without prototype', Object.assign(Object.create(null) as object, { type: 'w' })],
    ['a type that is not a string', { type: 5 }],
    ['an empty type', { type: '' }],
    ['a type with a colon', { type: 'a:b' }],
    ['a type too long', { type: 'x'.repeat(65) }],
    ['an instance that is not a string', { type: 'w', instance: 5 }],
    ['an instance with a slash', { type: 'w', instance: 'a/b' }],
    ['an empty instance', { type: 'w', instance: '' }],
    ['an unknown key', { type: 'w', name: 'x' }],
    ['an unknown key besides an instance', { type: 'w', instance: 'i', name: 'x' }],
  ])('leaves %s to the validator', (_what, id) => {
    expect(plainAgentId(id)).toBeNull();
  });
});

describe('plainMessage (fast path in front of class-validator)', () => {
  const base = { messageType: 'event', payload: {} };

  it('accepts a plainly valid message with every optional field it handles', () => {
    expect(plainMessage(base, 'message-1')).toBe(true);
    for (const messageType of ['request', 'response', 'event']) {
      expect(plainMessage({ ...base, messageType }, 'message-1')).toBe(true);
    }
    for (const priority of [1, 5, 9, undefined]) {
      expect(plainMessage({ ...base, priority }, 'message-1')).toBe(true);
    }
    expect(
      plainMessage(
        {
          ...base,
          messageId: 'message-1',
          sender: { type: 'a' },
          recipient: { type: 'b' },
          correlationId: 'corr-1',
          replyTo: { type: 'a', instance: 'i' },
        },
        'message-1',
      ),
    ).toBe(true);
  });

  it.each<[string, Record<string, unknown>, unknown]>([
    ['a timestamp of the caller', { ...base, timestamp: '2026-01-01T00:00:00Z' }, 'message-1'],
    ['routing', { ...base, routing: { tags: [] } }, 'message-1'],
    ['an unknown field', { ...base, extra: 1 }, 'message-1'],
    ['a message id that is not a string', base, 123456],
    ['a short message id', base, 'abc'],
    ['an unknown message type', { ...base, messageType: 'nope' }, 'message-1'],
    ['no message type', { payload: {} }, 'message-1'],
    ['an unknown priority', { ...base, priority: 3 }, 'message-1'],
    ['a priority as text', { ...base, priority: '5' }, 'message-1'],
    ['a correlation id that is not a string', { ...base, correlationId: 1234567 }, 'message-1'],
    ['a malformed correlation id', { ...base, correlationId: 'a b c d' }, 'message-1'],
    ['a replyTo that needs the validator', { ...base, replyTo: { type: 'a b' } }, 'message-1'],
  ])('declines %s', (_what, message, messageId) => {
    expect(plainMessage(message, messageId)).toBe(false);
  });
});

describe('prototype keys', () => {
  const withProto = (): object => JSON.parse('{"type":"a","__proto__":{"x":1}}') as object;

  it('refuses an own __proto__ key and names it', () => {
    let error: unknown;
    try {
      assertNoPrototypeKey(withProto(), 'sender');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ field: 'sender.__proto__', rule: 'noPrototypeKeys' });
    expect((error as Error).message).toContain('the key __proto__ is not allowed');
  });

  it('accepts everything else', () => {
    for (const value of [null, undefined, 'x', 5, {}, { type: 'a' }, { proto: 1 }, []]) {
      expect(() => assertNoPrototypeKey(value, 'f')).not.toThrow();
    }
  });

  it('checks a message and each of its object fields but the payload', () => {
    const payload = JSON.parse('{"__proto__":{}}') as object;
    expect(() => assertMessageHasNoPrototypeKeys({ payload }, 'm')).not.toThrow();
    expect(() => assertMessageHasNoPrototypeKeys(withProto(), 'm')).toThrow(/m\.__proto__/);
    for (const name of ['sender', 'recipient', 'replyTo', 'routing']) {
      expect(() => assertMessageHasNoPrototypeKeys({ [name]: withProto() }, 'm')).toThrow(
        `Invalid m.${name}.__proto__`,
      );
    }
  });
});
