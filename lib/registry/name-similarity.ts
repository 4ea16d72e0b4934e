const memo = new Map<string, Map<string, number>>();
const MAX_MEMO = 10_000;

/** Character pairs of `text` with their counts; memoised, as names repeat across agents. */
function bigrams(text: string): Map<string, number> {
  const known = memo.get(text);
  if (known) return known;
  if (memo.size >= MAX_MEMO) memo.clear();
  const pairs = new Map<string, number>();
  memo.set(text, pairs);
  for (let i = 0; i < text.length - 1; i++) {
    const pair = text.slice(i, i + 2);
    pairs.set(pair, (pairs.get(pair) ?? 0) + 1);
  }
  return pairs;
}

/**
 * Similarity of two names in 0–1, case-insensitive: 1 when equal, else the Sørensen–Dice
 * coefficient of their character pairs (`summarize` vs `summarise` ≈ 0.75). Names shorter
 * than two characters only match when equal.
 */
export function nameSimilarity(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (x === y) return 1;
  if (x.length < 2 || y.length < 2) return 0;
  const left = bigrams(x);
  const right = bigrams(y);
  let shared = 0;
  for (const [pair, count] of left) shared += Math.min(count, right.get(pair) ?? 0);
  return (2 * shared) / (x.length - 1 + (y.length - 1));
}
