// #region events
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { filter } from 'rxjs';
import { AgentMessageEvents } from 'tta-agent-coordination';

@Injectable()
export class DeadLetterAlerts implements OnModuleInit {
  private readonly logger = new Logger(DeadLetterAlerts.name);

  constructor(private readonly events: AgentMessageEvents) {}

  onModuleInit(): void {
    // The stream completes when the application shuts down.
    this.events.handled$
      .pipe(filter((event) => event.outcome === 'dead-lettered'))
      .subscribe((event) =>
        this.logger.error(
          `${event.agentId.type}: ${event.messageId} dead-lettered: ${event.error}`,
        ),
      );
  }
}
// #endregion
