import { MessageType } from '../../../lib/messaging';
import { AgentTracing } from '../../../lib/nest/observability/agent-coordination.tracing';

describe('AgentTracing without tracing', () => {
  it('runs a handler as it is, and offers no hooks', async () => {
    const tracing = AgentTracing.create(null);
    expect(tracing.enabled).toBe(false);
    expect(tracing.instrumentation).toBeNull();
    const message = {
      messageId: 'untraced-1',
      sender: { type: 'a' },
      recipient: { type: 'b' },
      messageType: MessageType.EVENT,
      payload: {},
    };
    await expect(
      tracing.traceHandler({ type: 'b' }, message, () => Promise.resolve(42)),
    ).resolves.toBe(42);
    await expect(
      tracing.traceHandler({ type: 'b' }, message, () =>
        Promise.reject(new Error('handler failed')),
      ),
    ).rejects.toThrow('handler failed');
  });
});
