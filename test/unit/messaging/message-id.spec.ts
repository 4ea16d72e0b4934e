import { GENERATED_ID_LENGTH, newMessageId } from '../../../lib/messaging/message-id';
import { MESSAGE_ID_PATTERN } from '../../../lib/messaging/models/agent-message';

describe('generated message ids', () => {
  const ids = Array.from({ length: 20_000 }, () => newMessageId());

  it('are 16 characters of base 62, valid message ids', () => {
    expect(GENERATED_ID_LENGTH).toBe(16);
    for (const id of ids) {
      expect(id).toMatch(/^[0-9A-Za-z]{16}$/);
      expect(MESSAGE_ID_PATTERN.test(id)).toBe(true);
    }
  });

  it('do not repeat, across more ids than one random pool holds', () => {
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('use every character about equally often', () => {
    const counts = new Map<string, number>();
    for (const char of ids.join('')) counts.set(char, (counts.get(char) ?? 0) + 1);
    expect(counts.size).toBe(62);
    const expected = (ids.length * GENERATED_ID_LENGTH) / 62;
    for (const count of counts.values()) {
      // 320 000 draws over 62 symbols: each count is within a few percent of the mean.
      expect(Math.abs(count - expected) / expected).toBeLessThan(0.1);
    }
  });
});
