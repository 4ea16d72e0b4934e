import { GENERATED_ID_LENGTH, newMessageId } from '../../../lib/messaging/message-id';
import { MESSAGE_ID_PATTERN } from '../../../lib/messaging/models/agent-message';

// The ids are drawn inside each test, not when the file loads, so that mutation testing sees
// the tests that depend on how they are drawn.
function drawIds(count = 20_000): string[] {
  return Array.from({ length: count }, () => newMessageId());
}

describe('generated message ids', () => {
  it('are 16 characters of base 62, valid message ids', () => {
    expect(GENERATED_ID_LENGTH).toBe(16);
    for (const id of drawIds()) {
      expect(id).toMatch(/^[0-9A-Za-z]{16}$/);
      expect(MESSAGE_ID_PATTERN.test(id)).toBe(true);
    }
  });

  it('do not repeat, across more ids than one random pool holds', () => {
    const ids = drawIds();
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('use every character about equally often', () => {
    const ids = drawIds();
    const counts = new Map<string, number>();
    for (const char of ids.join('')) counts.set(char, (counts.get(char) ?? 0) + 1);
    expect(counts.size).toBe(62);
    const expected = (ids.length * GENERATED_ID_LENGTH) / 62;
    for (const count of counts.values()) {
      // 320 000 draws over 62 symbols: each count is within a few percent of the mean. Keeping
      // the bytes of 248 and above would put the first characters about 25 % above it.
      expect(Math.abs(count - expected) / expected).toBeLessThan(0.1);
    }
  });
});
