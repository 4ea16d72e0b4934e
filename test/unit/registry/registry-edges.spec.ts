import { toCapabilitySet } from '../../../lib/registry/models/capability.dto';
import { type AgentCapabilitySet } from '../../../lib/registry/models/capability.models';
import { resolveRegistryOptions } from '../../../lib/registry/registry.options';
import { compareVersions } from '../../../lib/registry/capability-matcher';
import { HeartbeatLoop } from '../../../lib/registry/heartbeat-loop';
import { parseDate } from '../../../lib/registry/models/registry.validators';
import { readCanonicalSet } from '../../../lib/registry/models/stored-capability';
import { nameSimilarity } from '../../../lib/registry/name-similarity';
import { eventually } from '../../support/redis';
import { RecordingLogger } from '../../support/logger';
import { silentLogger } from '../../../lib';

const owner = { type: 'writer', instance: 'a' };
const capability = { name: 'draft_text', type: 'generation', version: '1.2.3' };
const stored = (set: AgentCapabilitySet): Record<string, unknown> =>
  JSON.parse(JSON.stringify(set)) as Record<string, unknown>;

describe('HeartbeatLoop', () => {
  it('ticks every interval once started, ignores a second start and stops rescheduling', async () => {
    let ticks = 0;
    const loop = new HeartbeatLoop(20, () => {
      ticks++;
      return Promise.resolve();
    });
    expect(loop.active).toBe(false);
    loop.start();
    loop.start();
    expect(loop.active).toBe(true);
    expect(await eventually(() => ticks >= 3, 10_000)).toBe(true);
    await loop.stop();
    expect(loop.active).toBe(false);
    const after = ticks;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(ticks).toBe(after);
  });

  it('idle and stop wait for a tick in progress, which then schedules nothing more', async () => {
    let release: () => void = () => undefined;
    let ticks = 0;
    const loop = new HeartbeatLoop(10, () => {
      ticks++;
      return new Promise<void>((resolve) => (release = resolve));
    });
    loop.start();
    expect(await eventually(() => ticks === 1, 10_000)).toBe(true);
    let idle = false;
    const idling = loop.idle().then(() => (idle = true));
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect([idle, stopped]).toEqual([false, false]);
    release();
    await Promise.all([idling, stopping]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ticks).toBe(1);
  });
});

describe('memoised helpers past their memo bound', () => {
  it('nameSimilarity stays exact after more than 10 000 distinct names', () => {
    for (let i = 0; i < 10_050; i++) expect(nameSimilarity(`name_${i}`, `name_${i}`)).toBe(1);
    for (let i = 0; i < 10_050; i++) nameSimilarity(`left_${i}`, `right_${i}`);
    expect(nameSimilarity('summarize', 'summarise')).toBeCloseTo(0.75, 5);
    expect(nameSimilarity('abc', 'xyz')).toBe(0);
  });

  it('compareVersions stays exact after more than 10 000 distinct versions', () => {
    for (let i = 0; i < 10_050; i++) expect(compareVersions(`1.0.${i}`, `1.0.${i + 1}`)).toBe(-1);
    expect(compareVersions('10.0.0', '9.0.0')).toBe(1);
    expect(compareVersions('1.0.0', '1.0.0')).toBe(0);
  });

  it('readCanonicalSet checks versions exactly after more than 10 000 distinct ones', () => {
    for (let i = 0; i < 10_050; i++) {
      const set = toCapabilitySet(
        { capabilities: [{ ...capability, version: `2.0.${i}` }] },
        owner,
      );
      expect(readCanonicalSet(stored(set), owner)?.capabilities[0].version).toBe(`2.0.${i}`);
    }
    const value = stored(toCapabilitySet({ capabilities: [capability] }, owner));
    (value.capabilities as Record<string, unknown>[])[0].version = '2.0';
    expect(readCanonicalSet(value, owner)).toBeNull();
  });
});

describe('readCanonicalSet', () => {
  it('reads compatible version ranges', () => {
    const set = toCapabilitySet(
      { capabilities: [{ ...capability, compatibleVersions: ['^1.0.0', '>=2 <3'] }] },
      owner,
    );
    expect(readCanonicalSet(stored(set), owner)?.toJSON()).toEqual(set.toJSON());
  });

  it.each<[string, (value: Record<string, unknown>) => void]>([
    ['a capability that is not an object', (v) => ((v.capabilities as unknown[])[0] = 'cap')],
    ['a set version that is not a string', (v) => (v.version = 1)],
    [
      'an invalid compatible range',
      (v) =>
        ((v.capabilities as Record<string, unknown>[])[0].compatibleVersions = ['not a range']),
    ],
  ])('declines %s', (_what, mutate) => {
    const value = stored(toCapabilitySet({ capabilities: [capability] }, owner));
    mutate(value);
    expect(readCanonicalSet(value, owner)).toBeNull();
  });
});

describe('toCapabilitySet', () => {
  it('accepts an AgentCapabilitySet it made before, unchanged', () => {
    const set = toCapabilitySet({ capabilities: [capability], priority: 7 }, owner);
    expect(toCapabilitySet(set, owner).toJSON()).toEqual(set.toJSON());
  });
});

describe('parseDate', () => {
  it('reads valid dates and ISO strings and refuses invalid ones', () => {
    const date = new Date('2026-01-02T03:04:05Z');
    expect(parseDate(date)).toBe(date);
    expect(parseDate('2026-01-02T03:04:05Z')?.getTime()).toBe(date.getTime());
    expect(parseDate(new Date('nonsense'))).toBeNull();
    expect(parseDate('2026-13-45')).toBeNull();
    expect(parseDate('yesterday')).toBeNull();
    expect(parseDate(5)).toBeNull();
  });
});

describe('resolveRegistryOptions', () => {
  it('reports errors to the logger at warn by default, and is silent without one', () => {
    const logger = new RecordingLogger();
    const lost = new Error('lost');
    resolveRegistryOptions({ logger }).onError(lost, 'heartbeat of a/b');
    expect(logger.lines).toEqual([
      { level: 'warn', message: 'agent registry heartbeat of a/b: lost', error: lost },
    ]);
    expect(resolveRegistryOptions({}).logger).toBe(silentLogger);
  });
});

describe('HeartbeatLoop timer', () => {
  it('never keeps the process alive', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const loop = new HeartbeatLoop(10_000, () => Promise.resolve());
    const before = timers();
    loop.start();
    expect(timers()).toBe(before);
    await loop.stop();
  });
});
