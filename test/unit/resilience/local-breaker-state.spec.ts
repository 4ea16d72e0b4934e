import { AcquireResult, RecordResult } from '../../../lib/resilience/breaker-scripts';
import {
  resolveCircuitBreakerConfig,
  type CircuitBreakerConfig,
} from '../../../lib/resilience/circuit-breaker.config';
import { LocalBreakerState } from '../../../lib/resilience/local-breaker-state';

/** A state machine on a clock the test moves. */
function machine(config: Partial<CircuitBreakerConfig> = {}): {
  state: LocalBreakerState;
  advance: (ms: number) => void;
} {
  let now = 1_000;
  const state = new LocalBreakerState(
    resolveCircuitBreakerConfig({
      failureThreshold: 3,
      openTimeoutMs: 100,
      halfOpenMaxCalls: 3,
      successThreshold: 2,
      recoveryTimeoutMs: 500,
      ...config,
    }),
    () => now,
  );
  return { state, advance: (ms) => (now += ms) };
}

function failTimes(state: LocalBreakerState, times: number): void {
  for (let i = 0; i < times; i++) state.record('failure', state.acquire().gen);
}

describe('LocalBreakerState (the fallback and the model of the Lua scripts)', () => {
  it('opens at failureThreshold consecutive failures; a success resets the count', () => {
    const { state } = machine();
    failTimes(state, 2);
    state.record('success', state.acquire().gen);
    failTimes(state, 2);
    expect(state.acquire().state).toBe('closed');
    const gen = state.acquire().gen;
    expect(state.record('failure', gen)).toMatchObject({
      code: RecordResult.OPENED,
      state: 'open',
      from: 'closed',
    });
    expect(state.acquire()).toMatchObject({ code: AcquireResult.REJECTED_OPEN });
  });

  it('moves to half-open after the open timeout and admits exactly halfOpenMaxCalls probes', () => {
    const { state, advance } = machine();
    failTimes(state, 3);
    advance(99);
    expect(state.acquire().code).toBe(AcquireResult.REJECTED_OPEN);
    advance(1);
    expect(state.acquire(true)).toMatchObject({ code: AcquireResult.PROBE, state: 'half_open' });
    const codes = Array.from({ length: 5 }, () => state.acquire().code);
    expect(codes).toEqual([
      AcquireResult.PROBE,
      AcquireResult.PROBE,
      AcquireResult.PROBE,
      AcquireResult.REJECTED_HALF_OPEN_FULL,
      AcquireResult.REJECTED_HALF_OPEN_FULL,
    ]);
  });

  it('closes at successThreshold successful probes', () => {
    const { state, advance } = machine();
    failTimes(state, 3);
    advance(100);
    const gen = state.acquire().gen;
    expect(state.record('success', gen).code).toBe(RecordResult.RECORDED);
    expect(state.record('success', gen)).toMatchObject({
      code: RecordResult.CLOSED,
      state: 'closed',
    });
    expect(state.acquire().code).toBe(AcquireResult.ADMITTED);
  });

  it('reopens on one failed probe, for a full open timeout', () => {
    const { state, advance } = machine();
    failTimes(state, 3);
    advance(100);
    const gen = state.acquire().gen;
    expect(state.record('failure', gen)).toMatchObject({
      code: RecordResult.OPENED,
      from: 'half_open',
    });
    advance(99);
    expect(state.acquire().code).toBe(AcquireResult.REJECTED_OPEN);
  });

  it('reopens a half-open period that has not closed within recoveryTimeoutMs', () => {
    const { state, advance } = machine({ halfOpenMaxCalls: 1, successThreshold: 1 });
    failTimes(state, 3);
    advance(100);
    expect(state.acquire().code).toBe(AcquireResult.PROBE);
    advance(499);
    expect(state.acquire().code).toBe(AcquireResult.REJECTED_HALF_OPEN_FULL);
    advance(1);
    expect(state.acquire()).toMatchObject({ code: AcquireResult.REJECTED_OPEN, from: 'half_open' });
    advance(100);
    expect(state.acquire().code).toBe(AcquireResult.PROBE);
  });

  it('ignores outcomes of calls admitted in another generation', () => {
    const { state, advance } = machine();
    const oldGen = state.acquire().gen;
    failTimes(state, 3);
    advance(100);
    const probeGen = state.acquire().gen;
    expect(state.record('failure', oldGen).code).toBe(RecordResult.STALE);
    expect(state.acquire(true).state).toBe('half_open');
    state.record('success', probeGen);
    state.record('success', probeGen);
    expect(state.record('failure', probeGen).code).toBe(RecordResult.STALE);
  });

  it('peek takes no probe slot', () => {
    const { state, advance } = machine({ halfOpenMaxCalls: 1, successThreshold: 1 });
    failTimes(state, 3);
    advance(100);
    for (let i = 0; i < 3; i++) expect(state.acquire(true).code).toBe(AcquireResult.PROBE);
    expect(state.acquire().code).toBe(AcquireResult.PROBE);
    expect(state.acquire(true).code).toBe(AcquireResult.REJECTED_HALF_OPEN_FULL);
  });

  it('opens on the failure rate once minimumCalls are in the window, forgetting old calls', () => {
    const { state, advance } = machine({
      failureThreshold: 100,
      failureRateThreshold: 0.5,
      minimumCalls: 4,
      rollingWindowMs: 1_000,
    });
    failTimes(state, 3);
    advance(1_100);
    // The three old failures left the window: 1 failure in 2 calls is below minimumCalls.
    state.record('success', state.acquire().gen);
    failTimes(state, 1);
    expect(state.acquire().state).toBe('closed');
    state.record('success', state.acquire().gen);
    expect(state.record('failure', state.acquire().gen).code).toBe(RecordResult.OPENED);
  });

  it('reset closes from any state and clears failures; trip opens only a closed breaker', () => {
    const { state } = machine();
    failTimes(state, 2);
    expect(state.reset().from).toBeNull();
    failTimes(state, 2);
    expect(state.acquire().state).toBe('closed');
    expect(state.record('trip', 0)).toMatchObject({ code: RecordResult.OPENED, state: 'open' });
    expect(state.record('trip', 0).code).toBe(RecordResult.STALE);
    expect(state.reset()).toMatchObject({ from: 'open', state: 'closed' });
  });

  it('adopts what Redis reported, including how long the state has lasted', () => {
    const { state, advance } = machine();
    state.adopt({ code: 1, state: 'open', gen: 7, elapsedMs: 60, from: null });
    expect(state.generation).toBe(7);
    advance(39);
    expect(state.acquire().code).toBe(AcquireResult.REJECTED_OPEN);
    advance(1);
    expect(state.acquire()).toMatchObject({ code: AcquireResult.PROBE, gen: 8 });
  });

  it('answers STALE to an outcome recorded while open, without changing state', () => {
    const { state } = machine();
    failTimes(state, 3);
    const open = state.acquire();
    expect(open).toMatchObject({ state: 'open', code: AcquireResult.REJECTED_OPEN });
    expect(state.record('failure', open.gen)).toMatchObject({
      code: RecordResult.STALE,
      state: 'open',
      gen: open.gen,
      from: null,
    });
    expect(state.record('success', open.gen)).toMatchObject({ code: RecordResult.STALE });
    expect(state.acquire().state).toBe('open');
  });
});
