import { type ValidationError } from '../../../lib/errors/validation.error';
import { MessagePriority, MessageType } from '../../../lib/messaging/models/message.enums';
import { createMessage } from '../../../lib/messaging/outgoing-message';

describe('createMessage', () => {
  it('fills in a generated id, a timestamp, the default priority and routing', () => {
    const before = Date.now();
    const message = createMessage(
      { type: 'planner' },
      { type: 'worker', instance: 'w1' },
      {
        messageType: MessageType.EVENT,
        payload: { task: 1 },
      },
    );
    expect(message.messageId).toMatch(/^[0-9A-Za-z]{16}$/);
    expect(Date.parse(message.timestamp!)).toBeGreaterThanOrEqual(before - 1);
    expect(message.sender).toEqual({ type: 'planner', instance: 'default' });
    expect(message.recipient).toEqual({ type: 'worker', instance: 'w1' });
    expect(message.priority).toBe(MessagePriority.NORMAL);
    expect(message.routing).toEqual({ tags: [] });
    expect(message.payload).toEqual({ task: 1 });
  });

  it('gives two messages two ids', () => {
    const make = () =>
      createMessage({ type: 'a' }, { type: 'b' }, { messageType: MessageType.EVENT, payload: {} });
    expect(make().messageId).not.toBe(make().messageId);
  });

  it('keeps what the caller set', () => {
    const message = createMessage(
      { type: 'a' },
      { type: 'b' },
      {
        messageId: 'fixed-id-1',
        messageType: MessageType.REQUEST,
        payload: {},
        priority: MessagePriority.HIGH,
        correlationId: 'corr-123',
      },
    );
    expect([message.messageId, message.priority, message.correlationId]).toEqual([
      'fixed-id-1',
      9,
      'corr-123',
    ]);
  });

  it('rejects bad input with a typed error naming the field', () => {
    expect(() =>
      createMessage(
        { type: 'a:b' },
        { type: 'b' },
        { messageType: MessageType.EVENT, payload: {} },
      ),
    ).toThrow(
      expect.objectContaining({
        field: 'sender.type',
        code: 'VALIDATION_FAILED',
      }) as ValidationError,
    );
    expect(() =>
      createMessage(
        { type: 'a' },
        { type: 'b' },
        { messageType: 'nope' as MessageType, payload: {} },
      ),
    ).toThrow(expect.objectContaining({ field: 'message.messageType' }) as ValidationError);
  });
});
