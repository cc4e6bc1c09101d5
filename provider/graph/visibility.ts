/**
 * How long a new object takes to become visible to requests (Graph's replication lag), learned from
 * this process's own requests. A request on an object created moments ago waits until it is about
 * that old instead of being answered 404 and retried with backoff — each of those misses costs a
 * request out of the tenant's throttling budget. Nothing is fixed: with no lag the delay learns 0.
 *
 * The estimate is a stochastic quantile tracker over first attempts: a miss (404) raises the delay
 * by `step·(1−missRate)`, a hit lowers it by `step·missRate`, so it settles where about `missRate`
 * of first attempts still miss. The rare miss is retried by the consistency strategy as before.
 */
export interface VisibilityOptions {
  /** Share of first attempts allowed to miss; lower waits longer. Default 0.1. */
  missRate?: number;
  /** Adjustment step in ms. Default 200. */
  stepMs?: number;
  /** Upper bound of the learned delay in ms. Default 5 s. */
  maxMs?: number;
}

export class VisibilityDelay {
  private delay = 0;
  private readonly missRate: number;
  private readonly stepMs: number;
  private readonly maxMs: number;

  constructor(options: VisibilityOptions = {}) {
    this.missRate = options.missRate ?? 0.1;
    this.stepMs = options.stepMs ?? 200;
    this.maxMs = options.maxMs ?? 5_000;
  }

  /** The current estimate in ms. */
  get delayMs(): number {
    return this.delay;
  }

  /** How long a first attempt on an object created at `createdAt` should still wait at `now`. */
  waitMs(createdAt: number, now: number): number {
    return Math.max(0, Math.round(createdAt + this.delay - now));
  }

  /** Records whether a first attempt on a new object found it. */
  observe(visible: boolean): void {
    this.delay = visible
      ? Math.max(0, this.delay - this.stepMs * this.missRate)
      : Math.min(this.maxMs, this.delay + this.stepMs * (1 - this.missRate));
  }
}
