// "Did you mean" for profile, command and flag names.

/** Edit distance between `a` and `b` (insert, delete, substitute, each 1). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** The candidate closest to `word`: edit distance at most 3 and less than the word's length, or `word` is its prefix. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  const w = word.toLowerCase();
  for (const c of candidates) {
    const d = w.length >= 2 && c.toLowerCase().startsWith(w) ? 0.5 : editDistance(w, c.toLowerCase());
    if (d <= 3 && d < word.length && d < bestScore) {
      best = c;
      bestScore = d;
    }
  }
  return best;
}
