// #region request
import { Injectable, Logger } from '@nestjs/common';
import {
  ErrorCode,
  MessageCoordinator,
  MessageType,
  isAgentRequestError,
  isRequestTimeoutError,
} from 'tta-agent-coordination';

@Injectable()
export class SummaryService {
  private readonly logger = new Logger(SummaryService.name);

  constructor(private readonly coordinator: MessageCoordinator) {}

  async summarise(text: string): Promise<unknown> {
    try {
      const response = await this.coordinator.request(
        { type: 'api' },
        { type: 'summariser' },
        { messageType: MessageType.REQUEST, payload: { text } },
        { timeoutMs: 30_000 }, // also the request's deadline: its expiresAt
      );
      return response.payload.summary;
    } catch (error) {
      if (isAgentRequestError(error) && error.code === ErrorCode.VALIDATION_FAILED) {
        this.logger.warn(`${error.responder.type} refused the text: ${error.message}`);
        return undefined;
      }
      if (isRequestTimeoutError(error)) this.logger.warn(`no answer to ${error.messageId}`);
      throw error;
    }
  }
}
// #endregion
