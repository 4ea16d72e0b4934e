import { decodeRegistryEvent } from '../../../lib/registry/registry.events';

describe('decodeRegistryEvent', () => {
  const valid = {
    type: 'registered',
    agentId: { type: 'writer', instance: 'a' },
    origin: 'o1',
    at: 1_700_000_000_000,
    name: 'Writer',
    status: {},
    revived: false,
  };

  it('reads an event from the channel', () => {
    expect(decodeRegistryEvent(JSON.stringify(valid))).toEqual(valid);
  });

  it.each([
    ['not JSON', 'nope'],
    ['not an object', '"registered"'],
    ['of an unknown type', JSON.stringify({ ...valid, type: 'exploded' })],
    ['without a type', JSON.stringify({ ...valid, type: 3 })],
    ['without an origin', JSON.stringify({ ...valid, origin: undefined })],
    ['without a time', JSON.stringify({ ...valid, at: 'now' })],
    ['without an agent id', JSON.stringify({ ...valid, agentId: undefined })],
    ['with an agent id without instance', JSON.stringify({ ...valid, agentId: { type: 'w' } })],
    [
      'with a malformed agent id',
      JSON.stringify({ ...valid, agentId: { type: 'a:b', instance: 'x' } }),
    ],
  ])('ignores a message %s', (_what, text) => {
    expect(decodeRegistryEvent(text)).toBeNull();
  });
});
