import {
  AgentClient,
  AgentRequestError,
  ConfigurationError,
  DEFAULT_CLIENT_TIMEOUT_MS,
  ErrorCode,
  MessagePriority,
  MessageType,
  ValidationError,
  type AgentClientOptions,
  type AgentMessage,
  type MessageCoordinator,
} from '../../../lib';
import { errorOf, rejectionOf } from '../../support/errors';

/** The client's own rules (options, topic, per-call options) and what it hands the coordinator. */

const SHOP = { type: 'shop', instance: 'eu-1' };

/** A coordinator stub that records what the client asks of it. */
function stubCoordinator(reply: Partial<AgentMessage> = {}) {
  const sendMessage = jest.fn().mockResolvedValue({ messageId: 'm-000001', delivered: true });
  const request = jest.fn().mockResolvedValue({ payload: { ok: true }, ...reply });
  const coordinator = { sendMessage, request } as unknown as MessageCoordinator;
  return { coordinator, sendMessage, request };
}

function client(options: Partial<AgentClientOptions> = {}) {
  const stub = stubCoordinator();
  return {
    ...stub,
    billing: new AgentClient(stub.coordinator, { target: 'billing', sender: SHOP, ...options }),
  };
}

class InvoiceDto {
  constructor(readonly amount: number) {}
}

describe('AgentClient', () => {
  describe('construction', () => {
    it('resolves the target (an agent type or an id) and the sender, instance filled in', () => {
      const byType = client().billing;
      expect(byType.target).toEqual({ type: 'billing', instance: 'default' });
      expect(byType.sender).toEqual(SHOP);
      expect(byType.defaultTimeoutMs).toBe(DEFAULT_CLIENT_TIMEOUT_MS);
      expect(DEFAULT_CLIENT_TIMEOUT_MS).toBe(30_000);
      const byId = client({
        target: { type: 'billing', instance: 'eu' },
        sender: { type: 'shop' },
        defaultTimeoutMs: 5,
      }).billing;
      expect(byId.target).toEqual({ type: 'billing', instance: 'eu' });
      expect(byId.sender).toEqual({ type: 'shop', instance: 'default' });
      expect(byId.defaultTimeoutMs).toBe(5);
    });

    it.each([
      ['a target type with a slash', { target: 'billing/eu' }, 'target.type'],
      ['an empty target type', { target: '' }, 'target.type'],
      [
        'a bad target instance',
        { target: { type: 'billing', instance: 'a b' } },
        'target.instance',
      ],
      ['no target', { target: undefined }, 'target'],
      ['no sender', { sender: undefined }, 'sender'],
      ['a bad sender type', { sender: { type: 'shop:1' } }, 'sender.type'],
    ])('refuses %s with a ValidationError naming it', (_what, options, field) => {
      const error = errorOf(ValidationError, () => client(options as Partial<AgentClientOptions>));
      expect(error.field).toBe(field);
      expect(error).not.toBeInstanceOf(ConfigurationError);
    });

    it.each([
      ['a zero default timeout', { defaultTimeoutMs: 0 }, 'defaultTimeoutMs', 'range'],
      ['a fractional default timeout', { defaultTimeoutMs: 1.5 }, 'defaultTimeoutMs', 'isInt'],
      [
        'a default timeout over a day',
        { defaultTimeoutMs: 86_400_001 },
        'defaultTimeoutMs',
        'range',
      ],
      ['an unknown option', { timeoutMs: 5 }, 'options.timeoutMs', 'isKnown'],
    ])('refuses %s with a ConfigurationError naming it', (_what, options, field, rule) => {
      const error = errorOf(ConfigurationError, () =>
        client(options as Partial<AgentClientOptions>),
      );
      expect(error).toMatchObject({ field, rule });
    });

    it('refuses options that are not an object, and something that is not a coordinator', () => {
      const { coordinator } = stubCoordinator();
      expect(
        errorOf(
          ConfigurationError,
          () => new AgentClient(coordinator, 'billing' as unknown as AgentClientOptions),
        ),
      ).toMatchObject({ field: 'options', rule: 'isObject' });
      for (const notOne of [undefined, {}, { sendMessage: () => 1 }]) {
        expect(
          errorOf(
            ConfigurationError,
            () =>
              new AgentClient(notOne as unknown as MessageCoordinator, {
                target: 'billing',
                sender: SHOP,
              }),
          ),
        ).toMatchObject({ field: 'coordinator', rule: 'isMessageCoordinator' });
      }
    });
  });

  describe('send()', () => {
    it('sends an EVENT from the sender to the target with the topic as routing.topic and the DTO as payload', async () => {
      const { billing, sendMessage } = client();
      const dto = new InvoiceDto(42);
      const result = await billing.send('invoices.created', dto);
      expect(result).toEqual({ messageId: 'm-000001', delivered: true });
      expect(sendMessage).toHaveBeenCalledTimes(1);
      expect(sendMessage).toHaveBeenCalledWith(
        SHOP,
        { type: 'billing', instance: 'default' },
        {
          messageType: MessageType.EVENT,
          payload: dto,
          routing: { topic: 'invoices.created', tags: [] },
        },
      );
    });

    it('passes the message options through, tags into routing', async () => {
      const { billing, sendMessage } = client();
      await billing.send(
        't',
        { a: 1 },
        {
          messageId: 'evt-000001',
          priority: MessagePriority.HIGH,
          correlationId: 'corr-000001',
          expiresAt: '2030-01-01T00:00:00Z',
          tags: ['eu'],
        },
      );
      expect((sendMessage.mock.calls[0] as unknown[])[2]).toEqual({
        messageType: MessageType.EVENT,
        payload: { a: 1 },
        messageId: 'evt-000001',
        priority: MessagePriority.HIGH,
        correlationId: 'corr-000001',
        expiresAt: '2030-01-01T00:00:00Z',
        routing: { topic: 't', tags: ['eu'] },
      });
    });

    it('refuses an option send does not know, or options that are not an object, sending nothing', async () => {
      const { billing, sendMessage } = client();
      const unknown = await rejectionOf(
        ConfigurationError,
        billing.send('t', {}, { timeoutMs: 5 } as never),
      );
      expect(unknown).toMatchObject({ field: 'options.timeoutMs', rule: 'isKnown' });
      expect(unknown.message).toContain(
        'is not one of messageId, priority, correlationId, expiresAt, tags',
      );
      const notObject = await rejectionOf(ConfigurationError, billing.send('t', {}, 5 as never));
      expect(notObject).toMatchObject({ field: 'options', rule: 'isObject' });
      expect(sendMessage).not.toHaveBeenCalled();
    });

    it('takes a topic of 1 to 256 characters, as routing.topic allows', async () => {
      const { billing, sendMessage } = client();
      await billing.send('x'.repeat(256), {});
      expect(sendMessage).toHaveBeenCalledTimes(1);
      for (const [topic, rule] of [
        ['', 'isString'],
        ['x'.repeat(257), 'maxLength'],
        [42, 'isString'],
        [undefined, 'isString'],
      ] as const) {
        const error = await rejectionOf(ValidationError, billing.send(topic as string, {}));
        expect(error).toMatchObject({ field: 'topic', rule });
      }
      expect(sendMessage).toHaveBeenCalledTimes(1);
      expect((await rejectionOf(ValidationError, billing.send('y'.repeat(300), {}))).message).toBe(
        'Invalid topic: must be at most 256 characters, got 300 (rule: maxLength)',
      );
    });

    it('refuses a payload JSON cannot carry exactly, naming its path, sending nothing', async () => {
      const { billing, sendMessage } = client();
      const error = await rejectionOf(
        ValidationError,
        billing.send('t', { lines: [{ amount: NaN }] }),
      );
      expect(error).toMatchObject({ field: 'payload.lines[0].amount', rule: 'isJson' });
      await expect(billing.send('t', [1, 2] as never)).rejects.toMatchObject({
        field: 'payload',
        rule: 'isObject',
      });
      expect(sendMessage).not.toHaveBeenCalled();
    });
  });

  describe('request()', () => {
    it('sends a REQUEST with the default timeout and resolves with the reply payload', async () => {
      const { billing, request } = client({ defaultTimeoutMs: 1_234 });
      const reply = await billing.request<{ ok: boolean }>('invoices.create', new InvoiceDto(1));
      expect(reply).toEqual({ ok: true });
      expect(request).toHaveBeenCalledWith(
        SHOP,
        { type: 'billing', instance: 'default' },
        {
          messageType: MessageType.REQUEST,
          payload: new InvoiceDto(1),
          routing: { topic: 'invoices.create', tags: [] },
        },
        { timeoutMs: 1_234, signal: undefined },
      );
    });

    it('passes timeoutMs and signal to the coordinator and the rest into the message', async () => {
      const { billing, request } = client();
      const signal = new AbortController().signal;
      await billing.request(
        't',
        {},
        { timeoutMs: 50, signal, messageId: 'req-000001', tags: ['a'] },
      );
      const [, , message, options] = request.mock.calls[0] as [unknown, unknown, object, object];
      expect(options).toEqual({ timeoutMs: 50, signal });
      expect(message).toEqual({
        messageType: MessageType.REQUEST,
        payload: {},
        messageId: 'req-000001',
        routing: { topic: 't', tags: ['a'] },
      });
    });

    it("rejects with the coordinator's error as it is (e.g. AgentRequestError)", async () => {
      const { billing, request } = client();
      const failure = new AgentRequestError(
        ErrorCode.VALIDATION_FAILED,
        'no',
        { type: 'billing' },
        'req-000002',
      );
      request.mockRejectedValueOnce(failure);
      await expect(billing.request('t', {})).rejects.toBe(failure);
    });

    it('refuses an unknown option before sending', async () => {
      const { billing, request } = client();
      await expect(billing.request('t', {}, { timeout: 5 } as never)).rejects.toMatchObject({
        field: 'options.timeout',
        rule: 'isKnown',
      });
      expect(request).not.toHaveBeenCalled();
    });
  });
});
