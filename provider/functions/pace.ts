// Client-side pacing for Graph's fixed-window limits: provisionOnDemand allows 5 requests per
// 10 s per job, and the reports API (/auditLogs/provisioning) 5 per 10 s per app and tenant.
// The Graph client retries 429s, but staying under the limit keeps runs predictable and polite.
import { systemClock, type Clock } from "../graph/clock";

/**
 * At most `limit` requests per `windowMs` for each key, process-wide. A request counts from when
 * it finished (the latest moment Graph can have received it) so token fetches and retries before
 * the send never make two requests look further apart to us than to Graph.
 */
export class Pacer {
  private readonly slots = new Map<string, { t: number }[]>();
  private readonly tails = new Map<string, Promise<unknown>>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    /** Time and waits; tests pass a fake clock so pacing is checked without real sleeps. */
    readonly clock: Clock = systemClock,
  ) {}

  /** Runs `fn` once a slot for `key` is free. Callers queue in order. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const slot = prev.then(() => this.take(key));
    this.tails.set(key, slot.catch(() => undefined));
    const s = await slot;
    try {
      return await fn();
    } finally {
      s.t = this.clock.now();
    }
  }

  private async take(key: string): Promise<{ t: number }> {
    let list = this.slots.get(key);
    if (!list) this.slots.set(key, (list = []));
    for (;;) {
      const t = this.clock.now();
      list = list.filter((s) => s.t > t - this.windowMs);
      this.slots.set(key, list);
      if (list.length < this.limit) {
        const slot = { t: Infinity }; // in flight
        list.push(slot);
        return slot;
      }
      const oldest = Math.min(...list.map((s) => s.t));
      const wait = Number.isFinite(oldest) ? oldest + this.windowMs - t + 100 : 200;
      await this.clock.sleep(wait);
    }
  }
}

/** provisionOnDemand: 5 per 10 s per job (https://learn.microsoft.com/graph/api/synchronization-synchronizationjob-provisionondemand). */
export const onDemandPacer = new Pacer(5, 10_000);
/**
 * The identity and access reports limit: 5 per 10 s per app per tenant
 * (https://learn.microsoft.com/graph/throttling-limits#identity-and-access-reports-service-limits).
 */
export const reportsPacer = new Pacer(5, 10_000);
