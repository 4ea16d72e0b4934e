import { nameSimilarity } from '../../../lib/registry/name-similarity';

describe('nameSimilarity (Sørensen–Dice over character pairs)', () => {
  it('scores names of two characters and more', () => {
    expect(nameSimilarity('ab', 'abc')).toBeCloseTo(2 / 3, 10);
    expect(nameSimilarity('ab', 'ba')).toBe(0);
  });

  it('counts a repeated pair as often as both names hold it', () => {
    // abab: ab ×2, ba ×1; ab: ab ×1 → one shared pair of 3 + 1.
    expect(nameSimilarity('abab', 'ab')).toBe(0.5);
    expect(nameSimilarity('aa', 'aaaa')).toBe(0.5);
    expect(nameSimilarity('abab', 'abab_')).toBeCloseTo(6 / 7, 10);
  });

  it('gives 0 to different names shorter than two characters', () => {
    expect(nameSimilarity('a', 'b')).toBe(0);
    expect(nameSimilarity('a', 'ab')).toBe(0);
    expect(nameSimilarity('A', 'a')).toBe(1);
  });

  it('gives the same answer again (memoised pairs are not changed by use)', () => {
    const first = nameSimilarity('summarize_text', 'text_summary');
    expect(nameSimilarity('summarize_text', 'text_summary')).toBe(first);
    expect(nameSimilarity('text_summary', 'summarize_text')).toBe(first);
  });
});
