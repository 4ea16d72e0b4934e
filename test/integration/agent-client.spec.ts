import { AgentClient } from '../../lib/client';
import { silentLogger } from '../../lib/common/logger';
import {
  AgentRequestError,
  ErrorCode,
  OperationAbortedError,
  PermanentMessageError,
  RequestTimeoutError,
  ValidationError,
} from '../../lib/errors';
import { MessageType, type AgentMessage, type JsonObject } from '../../lib/messaging';
import { AgentWorker } from '../../lib/runtime';
import { waitFor } from '../support/wait';
import { CoordinatorFixture } from './coordinator-fixture';

/**
 * An AgentClient talking to an AgentWorker through Redis (and the fake): events and requests
 * by topic, DTO payloads as JSON, a responder's failure and a timeout as typed errors.
 */

const SHOP = { type: 'shop', instance: 'eu-1' };
const BILLING = { type: 'billing' };

class InvoiceLineDto {
  constructor(
    readonly sku: string,
    readonly cents: number,
  ) {}

  get label(): string {
    return `${this.sku}: ${this.cents}`;
  }
}

class CreateInvoiceDto {
  constructor(
    readonly customerId: string,
    readonly lines: InvoiceLineDto[],
    readonly dueAt: Date,
  ) {}
}

interface InvoiceReply {
  invoiceId: string;
  totalCents: number;
  dueAt: string;
}

describe('AgentClient with an AgentWorker', () => {
  const fx = new CoordinatorFixture('agent-client');
  const callerSide = fx.coordinator();
  const agentSide = fx.coordinator();
  const seen: AgentMessage[] = [];
  const worker = new AgentWorker(
    agentSide,
    { agent: BILLING, receiveWaitMs: 100, logger: silentLogger },
    (payload: JsonObject, context) => {
      seen.push(context.message);
      if (context.message.routing?.topic === 'invoices.refuse') {
        throw new PermanentMessageError('customer c-9 is blocked');
      }
      if (context.message.messageType !== MessageType.REQUEST) return undefined;
      const lines = payload.lines as { cents: number }[];
      return {
        invoiceId: `inv-${String(payload.customerId)}`,
        totalCents: lines.reduce((sum, line) => sum + line.cents, 0),
        dueAt: payload.dueAt,
      };
    },
  );
  const billing = new AgentClient(callerSide, { target: 'billing', sender: SHOP });
  const invoice = new CreateInvoiceDto(
    'c-1',
    [new InvoiceLineDto('a', 250), new InvoiceLineDto('b', 100)],
    new Date('2030-05-01T00:00:00.000Z'),
  );

  beforeAll(() => worker.start());

  afterAll(async () => {
    await worker.close();
    await fx.teardown();
  });

  it('send() delivers an EVENT with the topic and the DTO as JSON, from the sender', async () => {
    const result = await billing.send('invoices.created', invoice, { tags: ['eu'] });
    expect(result).toMatchObject({ delivered: true });
    const message = await waitFor('the event to reach the agent', () =>
      seen.find((m) => m.messageId === result.messageId),
    );
    expect(message.messageType).toBe(MessageType.EVENT);
    expect(message.routing).toEqual({ topic: 'invoices.created', tags: ['eu'] });
    expect(message.sender).toEqual(SHOP);
    expect(message.recipient).toEqual({ type: 'billing', instance: 'default' });
    // Own enumerable properties only (no `label` getter), the Date through its toJSON().
    expect(message.payload).toEqual({
      customerId: 'c-1',
      lines: [
        { sku: 'a', cents: 250 },
        { sku: 'b', cents: 100 },
      ],
      dueAt: '2030-05-01T00:00:00.000Z',
    });
  });

  it('request() resolves with the typed reply of the agent', async () => {
    const reply = await billing.request<InvoiceReply>('invoices.create', invoice, {
      messageId: 'client-req-000001',
      timeoutMs: 10_000,
    });
    expect(reply).toEqual({
      invoiceId: 'inv-c-1',
      totalCents: 350,
      dueAt: '2030-05-01T00:00:00.000Z',
    });
    const request = seen.find((m) => m.messageId === 'client-req-000001')!;
    expect(request.messageType).toBe(MessageType.REQUEST);
    expect(request.routing?.topic).toBe('invoices.create');
    expect(request.sender).toEqual(SHOP);
  });

  it('request() rejects with AgentRequestError when the agent fails it for good, long before its timeout', async () => {
    const started = performance.now();
    const error = await billing
      .request(
        'invoices.refuse',
        { customerId: 'c-9' },
        {
          messageId: 'client-req-000002',
          timeoutMs: 30_000,
        },
      )
      .then(
        () => new Error('the request resolved'),
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(AgentRequestError);
    expect(error).toMatchObject({
      code: ErrorCode.PERMANENT_MESSAGE,
      message: 'customer c-9 is blocked',
      responder: { type: 'billing', instance: 'default' },
      requestId: 'client-req-000002',
    });
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('request() to an agent nobody serves times out naming the message id', async () => {
    const nobody = new AgentClient(callerSide, {
      target: { type: 'nobody', instance: 'x' },
      sender: SHOP,
      defaultTimeoutMs: 100,
    });
    const named = (await nobody
      .request('invoices.create', invoice, { messageId: 'client-req-000003' })
      .catch((e: unknown) => e)) as RequestTimeoutError;
    expect(named).toBeInstanceOf(RequestTimeoutError);
    expect(named.messageId).toBe('client-req-000003');
    expect(named.timeoutMs).toBe(100);
    expect(named.message).toContain('client-req-000003');
    // A generated id is named too: the one waiting in the agent's queue.
    const generated = (await nobody
      .request('invoices.create', invoice)
      .catch((e: unknown) => e)) as RequestTimeoutError;
    const ids: string[] = [];
    for (
      let d = await callerSide.receive(nobody.target);
      d;
      d = await callerSide.receive(nobody.target)
    ) {
      ids.push(d.queueMessage.message.messageId);
    }
    expect(ids).toEqual(['client-req-000003', generated.messageId]);
  });

  it('request() stops waiting when its signal fires', async () => {
    const controller = new AbortController();
    const pending = new AgentClient(callerSide, { target: 'idle', sender: SHOP }).request(
      't',
      {},
      { signal: controller.signal },
    );
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(OperationAbortedError);
  });

  it('the coordinator still applies its own limits and rules to what the client sends', async () => {
    await expect(billing.send('t', {}, { messageId: 'short' })).rejects.toMatchObject({
      field: 'message.messageId',
    });
    const tooLarge = new AgentClient(fx.coordinator({ maxPayloadBytes: 10 }), {
      target: 'billing',
      sender: SHOP,
    });
    await expect(tooLarge.send('t', invoice)).rejects.toMatchObject({
      code: ErrorCode.PAYLOAD_TOO_LARGE,
    });
    await expect(billing.send('t', { at: new Date(NaN) })).rejects.toBeInstanceOf(ValidationError);
  });
});
