import { nameSimilarity } from '../../../lib/registry/name-similarity';

describe('nameSimilarity', () => {
  it('is 1 for equal names, ignoring case', () => {
    expect(nameSimilarity('Summarize', 'summarize')).toBe(1);
  });

  it('is 0 for different names shorter than two characters, the empty name included', () => {
    expect(nameSimilarity('a', 'b')).toBe(0);
    expect(nameSimilarity('', 'ab')).toBe(0);
    expect(nameSimilarity('ab', '')).toBe(0);
    expect(nameSimilarity('a', 'ab')).toBe(0);
  });

  it('scores spelling variants high and unrelated names at 0', () => {
    expect(nameSimilarity('summarise', 'summarize')).toBe(0.75);
    expect(nameSimilarity('translate', 'summarise')).toBe(0);
  });

  it('is symmetric and stays within 0–1', () => {
    const pairs: [string, string][] = [
      ['text_summarize', 'summarise'],
      ['aa', 'aaaa'],
      ['a', 'b'],
    ];
    for (const [a, b] of pairs) {
      expect(nameSimilarity(a, b)).toBe(nameSimilarity(b, a));
      expect(nameSimilarity(a, b)).toBeGreaterThanOrEqual(0);
      expect(nameSimilarity(a, b)).toBeLessThanOrEqual(1);
    }
  });
});
