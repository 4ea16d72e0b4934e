import { Registry, register } from 'prom-client';
import { AgentCoordinationMetrics, AgentMessageEvents, MessageType } from '../../../lib';
import type { MessageHandledEvent } from '../../../lib';
import { resolveModuleOptions } from '../../../lib/nest/module/agent-coordination-options.resolver';

const agentId = { type: 'metered', instance: 'default' };
const connection = 'redis://127.0.0.1:6379';

function handled(outcome: MessageHandledEvent['outcome'], durationMs: number, failed = false) {
  return {
    agentId,
    messageId: `m-${outcome}-${durationMs}`,
    messageType: MessageType.EVENT,
    attempt: 1,
    outcome,
    handled: true,
    failed,
    durationMs,
  };
}

describe('AgentCoordinationMetrics', () => {
  it('counts each outcome and failure per agent, with a cumulative latency histogram', () => {
    const events = new AgentMessageEvents();
    const metrics = new AgentCoordinationMetrics(
      events,
      resolveModuleOptions({ connection, metrics: { latencyBucketsMs: [10, 100] } }),
    );
    expect(metrics.forAgent(agentId).received).toBe(0);
    events.emitReceived({ agentId, messageId: 'a', messageType: MessageType.EVENT, attempt: 1 });
    events.emitHandled(handled('acked', 5));
    events.emitHandled(handled('retried', 50, true));
    events.emitHandled(handled('dead-lettered', 500, true));
    events.emitHandled(handled('unsettled', 100));
    const snapshot = metrics.snapshot();
    expect(Object.keys(snapshot)).toEqual(['metered/default']);
    expect(snapshot['metered/default']).toEqual({
      received: 1,
      acked: 1,
      retried: 1,
      deadLettered: 1,
      failed: 2,
      unsettled: 1,
      latency: { bucketsMs: [10, 100], counts: [1, 3, 4], sumMs: 655, count: 4 },
    });
    // Snapshots are copies.
    snapshot['metered/default'].latency.counts[0] = 99;
    expect(metrics.forAgent(agentId).latency.counts[0]).toBe(1);
    expect(metrics.prometheusRegistry).toBeNull();
    metrics.onModuleDestroy();
    events.emitHandled(handled('acked', 1));
    expect(metrics.forAgent(agentId).acked).toBe(1);
  });

  it('counts events that name the same agent with different id objects together', () => {
    const events = new AgentMessageEvents();
    const metrics = new AgentCoordinationMetrics(events, resolveModuleOptions({ connection }));
    events.emitHandled(handled('acked', 1));
    events.emitHandled({
      ...handled('acked', 2),
      agentId: { type: 'metered', instance: 'default' },
    });
    events.emitHandled(handled('acked', 3));
    const snapshot = metrics.snapshot();
    expect(Object.keys(snapshot)).toEqual(['metered/default']);
    expect(snapshot['metered/default']).toMatchObject({ acked: 3 });
  });

  it('without Prometheus export, the text exposition is empty', async () => {
    const metrics = new AgentCoordinationMetrics(
      new AgentMessageEvents(),
      resolveModuleOptions({ connection }),
    );
    expect(await metrics.prometheusText()).toBe('');
  });

  it('exports to prom-client global registry when prometheus is true', async () => {
    register.clear();
    try {
      const events = new AgentMessageEvents();
      const metrics = new AgentCoordinationMetrics(
        events,
        resolveModuleOptions({ connection, metrics: { prometheus: true } }),
      );
      expect(metrics.prometheusRegistry).toBe(register);
      events.emitHandled(handled('unsettled', 20));
      const text = await register.metrics();
      expect(text).toContain(
        'agent_coordination_messages_total{agent="metered/default",outcome="unsettled"} 1',
      );
      expect(await metrics.prometheusText()).toBe(text);
    } finally {
      register.clear();
    }
  });

  it('exports to a given registry, reusing metrics another instance registered', async () => {
    const registry = new Registry();
    const options = resolveModuleOptions({
      connection,
      metrics: { prometheus: { registry, prefix: 'unit_' } },
    });
    const eventsA = new AgentMessageEvents();
    const eventsB = new AgentMessageEvents();
    new AgentCoordinationMetrics(eventsA, options);
    new AgentCoordinationMetrics(eventsB, options);
    eventsA.emitHandled(handled('retried', 20, true));
    eventsB.emitHandled(handled('retried', 20, true));
    const text = await registry.metrics();
    expect(text).toContain('unit_messages_total{agent="metered/default",outcome="retried"} 2');
    expect(text).toContain('unit_handler_failures_total{agent="metered/default",type="event"} 2');
  });
});
