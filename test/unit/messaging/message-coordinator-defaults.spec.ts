import {
  MessageCoordinator,
  type OutgoingMessage,
} from '../../../lib/messaging/message-coordinator';
import { type AgentId } from '../../../lib/common/agent-id';
import { MessageType } from '../../../lib/messaging/models/message.enums';
import {
  type MessageResult,
  type ReceivedMessage,
} from '../../../lib/messaging/models/queue-message';

describe('MessageCoordinator default methods', () => {
  it('sendMessages sends each message with sendMessage, results in order', async () => {
    const sent: [AgentId, AgentId, OutgoingMessage][] = [];
    const sendMessage = jest.fn(
      (sender: AgentId, recipient: AgentId, message: OutgoingMessage): Promise<MessageResult> => {
        sent.push([sender, recipient, message]);
        return Promise.resolve({ messageId: `id-${sent.length}`, delivered: sent.length !== 2 });
      },
    );
    const coordinator = { sendMessage } as unknown as MessageCoordinator;
    const message = { messageType: MessageType.EVENT, payload: {} };
    const results = await MessageCoordinator.prototype.sendMessages.call(
      coordinator,
      { type: 's' },
      [
        { recipient: { type: 'a' }, message },
        { recipient: { type: 'b' }, message },
      ],
    );
    expect(results).toEqual([
      { messageId: 'id-1', delivered: true },
      { messageId: 'id-2', delivered: false },
    ]);
    expect(sent.map(([, recipient]) => recipient.type)).toEqual(['a', 'b']);
  });

  it('receiveMany waits only for the first message and passes the other options on', async () => {
    const calls: unknown[] = [];
    const receive = jest.fn((_agent: AgentId, _visibility?: number, options?: unknown) => {
      calls.push(options);
      return Promise.resolve(
        calls.length <= 2 ? ({ token: `t${calls.length}` } as ReceivedMessage) : null,
      );
    });
    const coordinator = { receive } as unknown as MessageCoordinator;
    const signal = new AbortController().signal;
    const batch = await MessageCoordinator.prototype.receiveMany.call(
      coordinator,
      { type: 'w' },
      5,
      1_000,
      { waitMs: 250, signal },
    );
    expect(batch.map((d) => d.token)).toEqual(['t1', 't2']);
    expect(receive).toHaveBeenCalledTimes(3);
    expect(receive.mock.calls.map(([agent, visibility]) => [agent, visibility])).toEqual([
      [{ type: 'w' }, 1_000],
      [{ type: 'w' }, 1_000],
      [{ type: 'w' }, 1_000],
    ]);
    expect(calls[0]).toEqual({ waitMs: 250, signal });
    expect(calls[1]).toEqual({ waitMs: 0, signal });
    expect((calls[2] as { signal: AbortSignal }).signal).toBe(signal);
  });
});
