/**
 * How long a new object takes to become visible to requests (Graph's replication lag), learned from
 * this process's own requests. A request on an object created moments ago waits until it is about
 * that old instead of being answered 404 and retried with backoff — each of those misses costs a
 * request out of the tenant's throttling budget. Nothing is fixed: with no lag the delay learns 0.
 *
 * Every attempt on a new object is an observation "at age a it was (not) visible" from whichever
 * replica answered. Observations are binned by age; the delay is the start of the youngest bin
 * from which every older bin (with enough attempts) missed at most `missRate` of the time —
 * per bin, so the many late retries that always succeed do not dilute the young misses. Waits are
 * jittered slightly below the estimate so younger ages stay observed and the estimate can come
 * down when replication speeds up.
 */
export interface VisibilityOptions {
  /** Share of attempts at the learned age allowed to miss; lower waits longer. Default 0.1. */
  missRate?: number;
  /** Observations kept. Default 256. */
  window?: number;
  /** Upper bound of the learned delay in ms. Default 10 s. */
  maxMs?: number;
  /** Waits are drawn from [(1 − jitter)·delay, delay]. Default 0.1. */
  jitter?: number;
  /** Width of an age bin in ms. Default 100. */
  binMs?: number;
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
  private probing: Promise<void> | undefined;
  private readonly missRate: number;
  private readonly window: number;
  private readonly maxMs: number;
  private readonly jitter: number;
  private readonly binMs: number;
  private readonly random: () => number;

  constructor(options: VisibilityOptions = {}) {
    this.missRate = options.missRate ?? 0.1;
    this.window = options.window ?? 256;
    this.maxMs = options.maxMs ?? 10_000;
    this.jitter = options.jitter ?? 0.1;
    this.binMs = options.binMs ?? 100;
    this.random = options.random ?? Math.random;
  }

  /** The current estimate in ms. */
  get delayMs(): number {
    this.estimate ??= this.compute();
    return this.estimate;
  }

  /**
   * Before anything is learned, one request on a new object goes first (the probe) and the others
   * wait for it to finish, so a first wave of hundreds does not all meet a 404 at once. Returns the
   * probe's "done" callback to the caller that is the probe, undefined to the others.
   */
  async probeTurn(): Promise<(() => void) | undefined> {
    while (this.observations.length === 0) {
      if (!this.probing) {
        let done!: () => void;
        this.probing = new Promise<void>((resolve) => (done = resolve));
        return () => {
          this.probing = undefined;
          done();
        };
      }
      await this.probing;
    }
    return undefined;
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
    if (!this.observations.some((o) => !o.visible)) return 0;
    const bins = new Map<number, { seen: number; misses: number }>();
    for (const o of this.observations) {
      const b = Math.floor(o.ageMs / this.binMs);
      const bin = bins.get(b) ?? { seen: 0, misses: 0 };
      bin.seen++;
      if (!o.visible) bin.misses++;
      bins.set(b, bin);
    }
    // From the oldest bin down, until a bin with enough attempts misses too often.
    const order = [...bins.keys()].sort((a, b) => b - a);
    let youngestGood: number | undefined;
    for (const b of order) {
      const { seen, misses } = bins.get(b)!;
      if (misses / seen <= this.missRate) youngestGood = b;
      else if (seen >= MIN_SAMPLES || youngestGood === undefined) break;
    }
    // Even the oldest attempts missed too often: wait a little longer than any seen so far.
    if (youngestGood === undefined) return Math.min(this.maxMs, Math.max(this.binMs, ...this.observations.map((o) => o.ageMs)) * 1.5);
    return Math.min(this.maxMs, youngestGood * this.binMs);
  }
}

/** Attempts a bin needs before its miss rate can stop the scan. */
const MIN_SAMPLES = 3;
