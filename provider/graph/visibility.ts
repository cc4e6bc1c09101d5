/**
 * How long a new object takes to become visible to requests (Graph's replication lag), learned from
 * this process's own requests. A request on an object created moments ago waits until it is about
 * that old instead of being answered 404 and retried with backoff — each of those misses costs a
 * request out of the tenant's throttling budget. Nothing is fixed: with no lag the delay learns 0.
 *
 * Every attempt on a new object is an observation "at age a it was (not) visible" from whichever
 * replica answered. Observations are grouped by age, twenty of neighbouring ages per group; the delay
 * is the youngest age from which every older group missed at most `missRate` of the time — judged
 * per group, so the many late attempts that always succeed do not dilute the young misses. Waits are
 * jittered slightly below the estimate so younger ages stay observed and the estimate can come
 * down when replication speeds up.
 */
export interface VisibilityOptions {
  /** Share of attempts at the learned age allowed to miss; lower waits longer. Default 0.05. */
  missRate?: number;
  /** Observations kept. Default 256. */
  window?: number;
  /** Upper bound of the learned delay in ms. Default 10 s. */
  maxMs?: number;
  /** Waits are drawn from [(1 − jitter)·delay, delay]. Default 0.1. */
  jitter?: number;
  /** Uniform random in [0, 1) for the jitter; injectable for tests. */
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
  private readonly random: () => number;

  constructor(options: VisibilityOptions = {}) {
    this.missRate = options.missRate ?? 0.05;
    this.window = options.window ?? 256;
    this.maxMs = options.maxMs ?? 10_000;
    this.jitter = options.jitter ?? 0.1;
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
    const sorted = [...this.observations].sort((a, b) => b.ageMs - a.ageMs);
    // From the oldest attempts down, in groups of GROUP attempts of neighbouring ages, until a
    // group misses too often. The last, incomplete group is not judged.
    let youngestGood: number | undefined;
    for (let start = 0; start + GROUP <= sorted.length; start += GROUP) {
      const group = sorted.slice(start, start + GROUP);
      if (group.filter((o) => !o.visible).length / GROUP > this.missRate) break;
      youngestGood = group[GROUP - 1].ageMs;
    }
    if (youngestGood === undefined) {
      // Too few attempts, or even the oldest missed too often: the youngest success older than
      // every miss, else a little longer than the oldest miss.
      const oldestMiss = sorted.find((o) => !o.visible)!.ageMs;
      const after = sorted.filter((o) => o.visible && o.ageMs > oldestMiss).pop();
      youngestGood = after?.ageMs ?? Math.max(MIN_DELAY_MS, oldestMiss) * 1.5;
    }
    return Math.min(this.maxMs, youngestGood);
  }
}

/** Attempts of neighbouring ages judged together (at missRate 0.05: at most one of them missed). */
const GROUP = 20;
/** The least delay once any attempt missed. */
const MIN_DELAY_MS = 100;
