// "Did you mean …?": the one edit distance of the package, used for config keys, input
// properties, template names, expression functions and CLI names.

/** Levenshtein distance (insertions, deletions, substitutions), case-sensitive. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/**
 * The `n` candidates closest to `word` by edit distance (case-insensitive), best first: those
 * within half the longer length (at least 2), or that contain `word`.
 */
export function closest(word: string, candidates: readonly string[], n: number): string[] {
  const w = word.toLowerCase();
  return candidates
    .map((c) => ({ c, d: editDistance(w, c.toLowerCase()) }))
    .filter(({ c, d }) => d <= Math.max(2, Math.floor(Math.max(c.length, w.length) / 2)) || c.toLowerCase().includes(w))
    .sort((a, b) => a.d - b.d)
    .slice(0, n)
    .map(({ c }) => c);
}
