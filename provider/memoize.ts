/**
 * A per-process cache of async lookups that remembers successes only: concurrent callers share one
 * request, later callers reuse its answer, and a failed lookup (throttling, a network error) is
 * dropped so the next caller asks again instead of seeing the same error for the rest of the process.
 */
export class AsyncCache<V> {
  private readonly entries = new Map<string, Promise<V>>();

  /** The cached promise for `key`, else the one `load()` returns (cached until it rejects). */
  get(key: string, load: () => Promise<V>): Promise<V> {
    let found = this.entries.get(key);
    if (!found) {
      found = load();
      const cached = found;
      cached.catch(() => {
        if (this.entries.get(key) === cached) this.entries.delete(key);
      });
      this.entries.set(key, cached);
    }
    return found;
  }
}
