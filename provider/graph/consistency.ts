import { systemClock, type Clock } from "./clock";
import { GraphError, isGraphError } from "./errors";
import { CONSISTENCY_CODES, equalJitterDelay } from "./retry";

/**
 * Eventual-consistency helpers. Entra replicates writes asynchronously: for seconds (sometimes minutes) after a
 * create, reads on other replicas return 404 and dependent writes fail with 400 NoBackingApplicationObject
 * (https://devblogs.microsoft.com/identity/designing-for-eventual-consistency-for-microsoft-entra/). We retry
 * *those* failures with backoff, bounded by the operation deadline, instead of sleeping a fixed time after every
 * write (Terraform waits for 5 reads 5 s apart).
 *
 * For a single request prefer `client.request({ ..., consistency: "retry-not-found" })`; use these helpers when
 * the dependent step is several calls or a condition on the returned data.
 */

export interface PollOptions {
  /** Give up after this long. Use the operation timeout (client.settings.operationTimeoutMs). */
  timeoutMs: number;
  signal?: AbortSignal;
  clock?: Clock;
  random?: () => number;
  /** First backoff step. Defaults to 250 ms. */
  baseDelayMs?: number;
  /** Largest backoff step. Defaults to 8 s. */
  maxDelayMs?: number;
  /** What is being waited for, for the timeout message, e.g. "service principal 1234 to be visible". */
  description?: string;
}

/** True for the errors that mean "not replicated yet" when the caller knows the object was just created. */
export function isNotYetVisible(e: unknown): boolean {
  if (isGraphError(e, "GRAPH_NOT_FOUND")) return true;
  if (!isGraphError(e, "GRAPH_BAD_REQUEST")) return false;
  return (
    (e.graphCode !== undefined && CONSISTENCY_CODES.has(e.graphCode)) || e.detailCodes.some((c) => CONSISTENCY_CODES.has(c))
  );
}

/**
 * Calls `fn` until it stops failing with a not-yet-visible error ({@link isNotYetVisible}); other errors are thrown
 * at once. Throws GraphError GRAPH_TIMEOUT (with the last error as `cause`) when the deadline passes.
 */
export async function untilVisible<T>(fn: () => Promise<T>, options: PollOptions): Promise<T> {
  return poll(async () => {
    try {
      return { done: true, value: await fn() } as const;
    } catch (e) {
      if (isNotYetVisible(e)) return { done: false, last: e } as const;
      throw e;
    }
  }, options);
}

/**
 * Calls `probe` until it returns something other than `undefined` — e.g. until a read-back shows the keys just
 * written. Throws GraphError GRAPH_TIMEOUT when the deadline passes.
 */
export async function waitFor<T>(probe: () => Promise<T | undefined>, options: PollOptions): Promise<T> {
  return poll<T>(async (): Promise<Step<T>> => {
    const value = await probe();
    return value === undefined ? { done: false } : { done: true, value };
  }, options);
}

type Step<T> = { done: true; value: T } | { done: false; last?: unknown };

async function poll<T>(step: () => Promise<Step<T>>, options: PollOptions): Promise<T> {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const deadline = clock.now() + options.timeoutMs;
  for (let n = 0; ; n++) {
    const result = await step();
    if (result.done) return result.value;
    const delay = equalJitterDelay(n, options.baseDelayMs ?? 250, options.maxDelayMs ?? 8_000, random);
    if (clock.now() + delay >= deadline) {
      const last = result.last;
      throw new GraphError({
        code: "GRAPH_TIMEOUT",
        summary: `Timed out after ${Math.round(options.timeoutMs / 1000)} s waiting for ${options.description ?? "Graph to show a recent change"}.${
          GraphError.isGraphError(last) ? ` Last result: ${last.status ?? last.code}${last.graphCode ? ` ${last.graphCode}` : ""}.` : ""
        }`,
        requestId: GraphError.isGraphError(last) ? last.requestId : undefined,
        cause: last,
      });
    }
    await clock.sleep(delay, options.signal);
  }
}

export interface CreateOnceOptions<T> {
  /** The non-idempotent write, e.g. POST instantiate or POST jobs. */
  create: () => Promise<T>;
  /**
   * Finds what an earlier `create` may have made (by a unique name, template id, …). Return undefined when
   * nothing is (yet) visible.
   */
  find: () => Promise<T | undefined>;
  /** How long to keep looking after an uncertain failure before creating again. Defaults to 15 s. */
  settleMs?: number;
  /**
   * Which failures may have created the object. Defaults to `e.mayHaveSucceeded` (5xx or a connection lost after
   * sending). GalleryApplication should add GRAPH_NOT_FOUND for instantiate, which Graph is known to answer with
   * 404 after creating the objects (terraform-provider-azuread#1406).
   */
  isUncertain?: (e: GraphError) => boolean;
  /** Create attempts in total. Defaults to 5. */
  maxAttempts?: number;
  signal?: AbortSignal;
  clock?: Clock;
  random?: () => number;
}

/**
 * Runs a creating POST so that an uncertain failure (5xx or a reset connection after the request was sent —
 * GraphError `mayHaveSucceeded`) does not leave a duplicate: before trying again it looks for the object the
 * failed attempt may have created, for up to `settleMs` (the object itself may take a moment to replicate).
 * Definite failures (4xx, or retries exhausted on 429) are thrown as they are.
 */
export async function createOnce<T>(options: CreateOnceOptions<T>): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    try {
      return await options.create();
    } catch (e) {
      const uncertain = isGraphError(e) && (options.isUncertain ? options.isUncertain(e) : e.mayHaveSucceeded);
      if (!uncertain || attempt >= maxAttempts) throw e;
      try {
        return await waitFor(options.find, {
          timeoutMs: options.settleMs ?? 15_000,
          signal: options.signal,
          clock: options.clock,
          random: options.random,
          maxDelayMs: 2_000,
          description: "an object from an uncertain create",
        });
      } catch (findError) {
        if (!isGraphError(findError, "GRAPH_TIMEOUT")) throw findError;
        // Not found within settleMs: the failed attempt most likely did nothing; create again.
      }
    }
  }
}
