// The README's "Clients" snippet. test/unit/client/fixtures/billing-app.ts type-checks what the
// compiler refuses with these classes.
// #region clients
import { Body, Controller, Module, Post } from '@nestjs/common';
import { AgentClient, AgentCoordinationModule, InjectAgentClient } from 'tta-agent-coordination';

export class CreateInvoiceDto {
  constructor(
    readonly customerId: string,
    readonly amountCents: number,
    readonly dueAt: Date, // sent as its ISO-8601 string
  ) {}

  get euros(): number {
    return this.amountCents / 100; // a getter: not sent
  }
}

export interface InvoiceReply {
  invoiceId: string;
  amountCents: number;
}

@Controller('invoices')
export class InvoicesController {
  constructor(@InjectAgentClient('billing') private readonly billing: AgentClient) {}

  @Post()
  async create(@Body() body: { customerId: string; amountCents: number }) {
    const dto = new CreateInvoiceDto(body.customerId, body.amountCents, new Date());
    const reply = await this.billing.request<InvoiceReply>('invoices.create', dto, {
      timeoutMs: 5_000,
    });
    await this.billing.send('invoices.created', { invoiceId: reply.invoiceId });
    return { id: reply.invoiceId, euros: reply.amountCents / 100 };
  }
}

@Module({
  imports: [
    AgentCoordinationModule.forRoot({
      connection: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      isGlobal: true, // forFeature() needs the root module global
      identity: { type: 'shop' }, // the sender of the clients' messages
    }),
    AgentCoordinationModule.forFeature({
      clients: ['billing', { target: { type: 'billing', instance: 'eu' } }],
    }),
  ],
  controllers: [InvoicesController],
})
export class AppModule {}
// #endregion
