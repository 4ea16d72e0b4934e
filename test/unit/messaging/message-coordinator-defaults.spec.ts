import {
  MessageCoordinator,
  type OutgoingMessage,
} from '../../../lib/messaging/message-coordinator';
import { type AgentId } from '../../../lib/messaging/models/agent-id';
import { MessageType } from '../../../lib/messaging/models/message.enums';
import { type MessageResult } from '../../../lib/messaging/models/queue-message';

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
});
