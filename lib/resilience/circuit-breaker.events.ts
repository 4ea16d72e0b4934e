import type { CircuitState } from './circuit-breaker.config';
import { parseJsonObject } from '../common/json';

/**
 * Where a state change came from: `redis` this instance's call changed the shared state;
 * `peer` another instance or process changed it (seen in a script reply or on the breaker
 * channel); `local` the in-process fallback changed it while Redis was unreachable.
 *
 * @public
 */
export type StateChangeSource = 'redis' | 'peer' | 'local';

/**
 * A breaker changed state, as one breaker instance observed it.
 *
 * @public
 */
export interface CircuitStateChange {
  /** Breaker name. */
  name: string;
  /** State this instance knew before. */
  from: CircuitState;
  /** State now. */
  to: CircuitState;
  /** See {@link StateChangeSource}. */
  source: StateChangeSource;
  /** Epoch ms on this process's clock when it was observed. */
  at: number;
  /** Correlation id of the call that caused it, when this instance's call did. */
  correlationId?: string;
  /** The failure of this instance's call that caused it, when one did (e.g. a trip). */
  cause?: Error;
}

/**
 * A transition as published on the breaker channel (`KeyLayout.breakerChannel`).
 *
 * @internal
 */
export interface PublishedStateChange {
  /** Name of the breaker that changed state. */
  name: string;
  /** The state it left. */
  from: CircuitState;
  /** The state it entered. */
  to: CircuitState;
  /** Generation after the transition. */
  gen: number;
  /** Id of the breaker instance that made it. */
  origin: string;
}

const STATES: ReadonlySet<string> = new Set<CircuitState>(['closed', 'open', 'half_open']);

/** Reads a published transition; `null` for anything malformed. */
export function decodeStateChange(text: string): PublishedStateChange | null {
  const event = parseJsonObject(text);
  if (event === null) return null;
  if (typeof event.name !== 'string' || typeof event.origin !== 'string') return null;
  if (typeof event.gen !== 'number' || !Number.isFinite(event.gen)) return null;
  if (typeof event.from !== 'string' || !STATES.has(event.from)) return null;
  if (typeof event.to !== 'string' || !STATES.has(event.to)) return null;
  return event as unknown as PublishedStateChange;
}
