import { abortReason } from "./clock";

/**
 * Adaptive concurrency limiter (AIMD), one per Graph client, i.e. per app+tenant in the provider process —
 * the scope Graph throttles at. The engine may run 4×CPU resource operations at once, for hundreds of resources;
 * without this they would all stampede Graph and each would back off alone.
 *
 * - Multiplicative decrease: a 429 halves the limit (min 1). Only a 429 on a request *started after* the last
 *   decrease counts, so a burst of 429s from requests already in flight halves once, not once per response.
 * - Additive increase: after `growAfter` successes at the current limit, the limit grows by 1 (max `max`).
 *
 * Slots are held only while a request is on the wire, never during backoff sleeps.
 */
export interface AdaptiveLimiterOptions {
  /** Upper (and initial) limit: entra:maxConcurrency. */
  max: number;
  /** Lower limit. Defaults to 1. */
  min?: number;
  /** Successes needed to grow the limit by one. Defaults to 8. */
  growAfter?: number;
}

/** Handed out by {@link AdaptiveLimiter.acquire}; report how the request went, exactly once. */
export interface LimiterPermit {
  release(outcome: "success" | "throttled" | "other"): void;
}

export class AdaptiveLimiter {
  private readonly max: number;
  private readonly min: number;
  private readonly growAfter: number;
  private current: number;
  private inFlight = 0;
  private successes = 0;
  /** Bumped on every decrease; permits remember the epoch they started in. */
  private epoch = 0;
  private readonly waiters: Array<{ grant: () => void }> = [];

  constructor(options: AdaptiveLimiterOptions) {
    this.max = Math.max(1, Math.floor(options.max));
    this.min = Math.min(this.max, Math.max(1, Math.floor(options.min ?? 1)));
    this.growAfter = Math.max(1, Math.floor(options.growAfter ?? 8));
    this.current = this.max;
  }

  /** The current limit. */
  get limit(): number {
    return this.current;
  }

  get active(): number {
    return this.inFlight;
  }

  get queued(): number {
    return this.waiters.length;
  }

  /** Waits for a slot. Rejects with the signal's reason if `signal` aborts while queued. */
  acquire(signal?: AbortSignal): Promise<LimiterPermit> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.inFlight < this.current && this.waiters.length === 0) {
      return Promise.resolve(this.grant());
    }
    return new Promise<LimiterPermit>((resolve, reject) => {
      const waiter = {
        grant: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve(this.grant());
        },
      };
      const onAbort = (): void => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(abortReason(signal));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private grant(): LimiterPermit {
    this.inFlight++;
    const startedEpoch = this.epoch;
    let released = false;
    return {
      release: (outcome) => {
        if (released) return;
        released = true;
        this.inFlight--;
        if (outcome === "throttled") this.onThrottled(startedEpoch);
        else if (outcome === "success") this.onSuccess();
        this.drain();
      },
    };
  }

  private onThrottled(startedEpoch: number): void {
    if (startedEpoch !== this.epoch) return; // already reacted to this burst
    this.epoch++;
    this.successes = 0;
    this.current = Math.max(this.min, Math.floor(this.current / 2));
  }

  private onSuccess(): void {
    if (this.current >= this.max) return;
    if (++this.successes >= this.growAfter) {
      this.successes = 0;
      this.current++;
    }
  }

  private drain(): void {
    while (this.waiters.length > 0 && this.inFlight < this.current) {
      this.waiters.shift()!.grant();
    }
  }
}

/**
 * Runs functions one at a time per key, in call order; different keys run in parallel. Used to serialize
 * operations on one service principal (job create/start, secrets PUT, provisionOnDemand) that must not
 * interleave — Terraform's azuread provider does the same with a per-SP mutex.
 */
export class KeyedSerializer {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    // `previous` is a tail that never rejects, so a failure of the previous holder cannot block or fail this one.
    const result = previous.then(fn);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key); // keep the map small
    });
    return result;
  }

  /** Keys with queued or running work (for tests and diagnostics). */
  get size(): number {
    return this.tails.size;
  }
}

/** Process-wide serializer: per-SP ordering must hold across clients and resource kinds. */
const processSerializer = new KeyedSerializer();

/** Runs `fn` after every earlier `serializeBy` call with the same key has settled. */
export function serializeBy<T>(key: string, fn: () => Promise<T>): Promise<T> {
  return processSerializer.run(key, fn);
}
