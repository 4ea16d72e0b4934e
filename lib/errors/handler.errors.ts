import { AgentCoordinationError, ErrorCode } from './coordination.error';

/**
 * The reason a handler's signal fires when its reservation was lost (`extend` returned
 * false): the message may already be delivered to another consumer. Code `ABORTED`.
 *
 * @public
 */
export class ReservationLostError extends AgentCoordinationError {
  constructor(
    /** The message whose reservation lapsed. */
    readonly messageId: string,
  ) {
    super(ErrorCode.ABORTED, `The reservation of message ${messageId} was lost`, false);
  }
}

/**
 * A handler ran past its `handlerTimeoutMs` (or `@OnAgentMessage({ timeoutMs })`): its signal fires with this
 * reason and, once the handler has settled, the message is nacked as a `timeout` failure (retried). Code `ABORTED`.
 *
 * @public
 */
export class HandlerTimeoutError extends AgentCoordinationError {
  constructor(
    /** The message whose handler timed out. */
    readonly messageId: string,
    /** The limit that passed. */
    readonly timeoutMs: number,
  ) {
    super(
      ErrorCode.ABORTED,
      `The handler of message ${messageId} timed out after ${timeoutMs} ms`,
      true,
    );
  }
}
