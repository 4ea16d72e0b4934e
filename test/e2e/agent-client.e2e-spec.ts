import {
  Body,
  Controller,
  Module,
  Post,
  UnprocessableEntityException,
  type INestApplication,
  type INestApplicationContext,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  Agent,
  AgentClient,
  AgentContext,
  AgentCoordinationModule,
  AgentPayload,
  ErrorCode,
  InjectAgentClient,
  MessageType,
  OnAgentMessage,
  PermanentMessageError,
  formatAgentId,
  getAgentClientToken,
  isAgentRequestError,
  type AgentMessage,
  type AgentMessageContext,
  type MessageResult,
} from '../../lib';
import { fastOptions, quietLogger, startAgentApp } from '../support/nest';
import { closeClients, createClient, deleteKeys, keysUnder, uniquePrefix } from '../support/redis';
import { waitFor } from '../support/wait';

/**
 * A web application whose controller holds `@InjectAgentClient('billing')` talks over HTTP
 * requests to a billing `@Agent()` in another application, whose topic handlers take what the
 * client sends by its topic: replies come back typed, a failed request becomes a typed error,
 * and events carry the topic and the web app's identity.
 */

const prefix = uniquePrefix('e2e-agent-client');
const WEB = { type: 'web', instance: 'web-1' };

class CreateInvoiceDto {
  constructor(
    readonly customerId: string,
    readonly amountCents: number,
    readonly dueAt: Date,
  ) {}
}

interface InvoiceReply {
  invoiceId: string;
  amountCents: number;
  dueAt: string;
  requestedBy: string;
  topic: string;
}

@Agent({ type: 'billing' })
class BillingAgent {
  readonly events: AgentMessage[] = [];

  @OnAgentMessage(MessageType.REQUEST, { topic: 'invoices.create' })
  create(
    @AgentPayload() invoice: { customerId: string; amountCents: number; dueAt: string },
    @AgentContext() context: AgentMessageContext,
  ): InvoiceReply {
    if (invoice.amountCents <= 0) throw new PermanentMessageError('amountCents must be positive');
    return {
      invoiceId: `inv-${invoice.customerId}`,
      amountCents: invoice.amountCents,
      dueAt: invoice.dueAt,
      requestedBy: formatAgentId(context.message.sender),
      topic: context.message.routing!.topic!,
    };
  }

  @OnAgentMessage(MessageType.EVENT, { topic: 'invoices.*' })
  noted(@AgentContext() context: AgentMessageContext): void {
    this.events.push(context.message);
  }
}

@Controller('invoices')
class InvoicesController {
  constructor(@InjectAgentClient('billing') private readonly billing: AgentClient) {}

  @Post()
  async create(@Body() body: { customerId: string; amountCents: number }): Promise<InvoiceReply> {
    const dto = new CreateInvoiceDto(
      body.customerId,
      body.amountCents,
      new Date('2030-06-30T00:00:00.000Z'),
    );
    try {
      const reply = await this.billing.request<InvoiceReply>('invoices.create', dto);
      return { ...reply, invoiceId: reply.invoiceId.toUpperCase() };
    } catch (error) {
      if (!isAgentRequestError(error)) throw error;
      throw new UnprocessableEntityException({ code: error.code, message: error.message });
    }
  }

  @Post('notes')
  note(@Body() body: { text: string }): Promise<MessageResult> {
    return this.billing.send('invoices.noted', { text: body.text }, { tags: ['web'] });
  }
}

@Module({
  imports: [AgentCoordinationModule.forFeature({ clients: ['billing'] })],
  controllers: [InvoicesController],
})
class InvoicesModule {}

describe('an agent client in a controller, over HTTP (e2e)', () => {
  let billing: INestApplicationContext;
  let web: INestApplication;
  let url: string;

  beforeAll(async () => {
    billing = await startAgentApp({ keyPrefix: prefix, providers: [BillingAgent] });
    const moduleRef = await Test.createTestingModule({
      imports: [
        AgentCoordinationModule.forRoot({ ...fastOptions(prefix), isGlobal: true, identity: WEB }),
        InvoicesModule,
      ],
    })
      .setLogger(quietLogger)
      .compile();
    web = moduleRef.createNestApplication({ logger: false });
    await web.listen(0, '127.0.0.1');
    url = await web.getUrl();
  });

  afterAll(async () => {
    await web.close();
    await billing.close();
    const redis = createClient();
    await deleteKeys(redis, prefix);
    expect(await keysUnder(redis, prefix)).toEqual([]);
    await closeClients();
  });

  async function post(path: string, body: object): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  }

  it("answers an HTTP request with the agent's typed reply to the DTO, sent as the web app", async () => {
    const response = await post('/invoices', { customerId: 'c-1', amountCents: 990 });
    expect(response).toEqual({
      status: 201,
      body: {
        invoiceId: 'INV-C-1',
        amountCents: 990,
        dueAt: '2030-06-30T00:00:00.000Z',
        requestedBy: 'web/web-1',
        topic: 'invoices.create',
      },
    });
  });

  it("turns the agent's failure into the typed AgentRequestError the controller maps", async () => {
    const response = await post('/invoices', { customerId: 'c-2', amountCents: 0 });
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({
      code: ErrorCode.PERMANENT_MESSAGE,
      message: 'amountCents must be positive',
    });
  });

  it('a topic no handler of the agent takes fails the request at once with NO_HANDLER', async () => {
    const client = web.get<AgentClient>(getAgentClientToken('billing'));
    await expect(client.request('refunds.create', { invoiceId: 'inv-c-1' })).rejects.toMatchObject({
      code: ErrorCode.NO_HANDLER,
    });
  });

  it('sends an event with the topic and tags, from the web app', async () => {
    const response = await post('/invoices/notes', { text: 'paid by wire' });
    const result = response.body as MessageResult;
    expect(result.delivered).toBe(true);
    const agent = billing.get(BillingAgent);
    const event = await waitFor('the event to reach the agent', () =>
      agent.events.find((m) => m.messageId === result.messageId),
    );
    expect(event.payload).toEqual({ text: 'paid by wire' });
    expect(event.routing).toEqual({ topic: 'invoices.noted', tags: ['web'] });
    expect(event.sender).toEqual(WEB);
  });
});
