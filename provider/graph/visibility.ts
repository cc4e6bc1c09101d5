/**
 * How long a new object takes to become visible to requests (Graph's replication lag), learned from
 * this process's own requests. A request on an object created moments ago waits until it is about
 * that old instead of being answered 404 and retried with backoff — each of those misses costs a
 * request out of the tenant's throttling budget. Nothing is fixed: with no lag the delay learns 0.
 *
 * Every attempt on a new object is an observation "at age a it was (not) visible" from whichever
 * replica answered. The delay is the smallest observed age from which at most `missRate` of the
 * attempts (in a sliding window) missed. Waits are jittered below the estimate so the window keeps
 * seeing younger ages and the estimate can come down when replication speeds up.
 */
export interface VisibilityOptions {
  /** Share of attempts at the learned age allowed to miss; lower waits longer. Default 0.1. */
  missRate?: number;
  /** Observations kept. Default 256. */
  window?: number;
  /** Upper bound of the learned delay in ms. Default 10 s. */
  maxMs?: number;
  /** Waits are drawn from [(1 − jitter)·delay, delay]. Default 0.2. */
  jitter?: number;
  random?: () => number;
}

interface Observation {
  ageMs: number;
  visible: boolean;
}

export class VisibilityDelay {
  private readonly observations: Observation[] = [];
  private next = 0;
  private estimate: number | undefined = 0;
  private readonly missRate: number;
  private readonly window: number;
  private readonly maxMs: number;
  private readonly jitter: number;
  private readonly random: () => number;

  constructor(options: VisibilityOptions = {}) {
    this.missRate = options.missRate ?? 0.1;
    this.window = options.window ?? 256;
    this.maxMs = options.maxMs ?? 10_000;
    this.jitter = options.jitter ?? 0.2;
    this.random = options.random ?? Math.random;
  }

  /** The current estimate in ms. */
  get delayMs(): number {
    this.estimate ??= this.compute();
    return this.estimate;
  }

  /** How long a first attempt on an object created at `createdAt` should still wait at `now`. */
  waitMs(createdAt: number, now: number): number {
    const target = this.delayMs * (1 - this.jitter * this.random());
    return Math.max(0, Math.round(createdAt + target - now));
  }

  /** Records an attempt on a new object: sent at `ageMs` after its creation, it was (not) found. */
  observe(ageMs: number, visible: boolean): void {
    const o = { ageMs: Math.max(0, ageMs), visible };
    if (this.observations.length < this.window) this.observations.push(o);
    else this.observations[this.next] = o;
    this.next = (this.next + 1) % this.window;
    this.estimate = undefined;
  }

  private compute(): number {
    const sorted = [...this.observations].sort((a, b) => a.ageMs - b.ageMs);
    if (!sorted.some((o) => !o.visible)) return 0;
    // Scan from the oldest age down, tracking the miss share among attempts at least that old.
    let seen = 0;
    let misses = 0;
    let best: number | undefined;
    for (let i = sorted.length - 1; i >= 0; i--) {
      seen++;
      if (!sorted[i].visible) misses++;
      // Judge an age only once every attempt at that age is counted.
      const lastOfAge = i === 0 || sorted[i - 1].ageMs !== sorted[i].ageMs;
      if (lastOfAge && misses / seen <= this.missRate) best = sorted[i].ageMs;
    }
    // Even the oldest attempts missed too often: wait a little longer than any seen so far.
    return Math.min(this.maxMs, best ?? sorted[sorted.length - 1].ageMs * 1.5);
  }
}
