/**
 * Retry decisions as pure functions of (attempt outcome, context) → decision. The one loop that acts on them is
 * `GraphClient.request` (client.ts); keeping the decisions pure makes every rule unit-testable without I/O.
 *
 * Order of strategies (first that applies wins):
 *  1. throttling — 429 always (Graph did not process the request); 503/504 only for idempotent requests.
 *     Honours Retry-After (delta-seconds, possibly fractional, HTTP-date or `retry-after-ms`), clamped to
 *     [0, maxRetryAfterMs] by {@link parseRetryAfter}, which the client runs once per response.
 *  2. consistency — only when the caller marked the request as touching a recently created object:
 *     404 and 400 NoBackingApplicationObject (https://devblogs.microsoft.com/identity/designing-for-eventual-consistency-for-microsoft-entra/).
 *     Bounded by the deadline, not maxRetries.
 *  3. transient — 408/500/502/503/504 and network errors, idempotent requests only, plus connection failures
 *     where the request provably never left (refused, DNS, connect timeout) for every request.
 */

export interface RetryOptions {
  /** Retries (not attempts) allowed for throttling and transient failures. */
  maxRetries: number;
  /** First backoff step. Defaults to 500 ms. */
  baseDelayMs: number;
  /** Upper bound of an exponential backoff step. Defaults to 30 s. */
  maxDelayMs: number;
  /** Upper bound for a server-sent Retry-After. Defaults to 150 s. */
  maxRetryAfterMs: number;
  /** First backoff step for eventual-consistency retries. Defaults to 250 ms. */
  consistencyBaseDelayMs: number;
  /** Upper bound of a consistency backoff step. Defaults to 8 s. */
  consistencyMaxDelayMs: number;
  /** Uniform random in [0, 1); injectable so jitter bounds can be tested. */
  random: () => number;
}

export const DEFAULT_RETRY_OPTIONS: RetryOptions = {
  maxRetries: 10,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  // Identity write limits are counted over 150 s windows (https://learn.microsoft.com/graph/throttling-limits#identity-and-access-service-limits): honour a Retry-After that long.
  maxRetryAfterMs: 150_000,
  consistencyBaseDelayMs: 250,
  consistencyMaxDelayMs: 8_000,
  random: Math.random,
};

/** What happened on one attempt. Exactly one of `status` / `networkErrorCode` is set. */
export interface AttemptOutcome {
  status?: number;
  /**
   * The server's requested wait from {@link parseRetryAfter}, read once when the response arrived: the client puts
   * this same number on `GraphError.retryAfterMs` and the throttling strategy waits it, so the two cannot disagree.
   */
  retryAfterMs?: number;
  graphCode?: string;
  detailCodes?: readonly string[];
  /** `err.code` of a transport failure, e.g. ECONNRESET or UND_ERR_SOCKET. */
  networkErrorCode?: string;
}

export interface AttemptContext {
  /** Retries already made for throttling/transient reasons (0 after the first attempt). */
  retries: number;
  /** Consistency retries already made. */
  consistencyRetries: number;
  idempotent: boolean;
  /** The caller expects the target may not have replicated yet. */
  consistency: boolean;
}

export type RetryReason = "throttled" | "transient" | "consistency";

export type RetryDecision = { retry: true; delayMs: number; reason: RetryReason } | { retry: false };

type Strategy = (o: AttemptOutcome, c: AttemptContext, opts: RetryOptions) => RetryDecision | undefined;

const NO: RetryDecision = { retry: false };

/**
 * Graph codes that mean "the object you reference has not replicated yet"
 * (https://devblogs.microsoft.com/identity/designing-for-eventual-consistency-for-microsoft-entra/).
 */
export const CONSISTENCY_CODES: ReadonlySet<string> = new Set(["NoBackingApplicationObject"]);

/** Transport failures after which the request may have reached Graph: retried for idempotent requests only. */
const MAYBE_SENT_ERRORS = new Set([
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ECONNABORTED",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_RESPONSE",
]);

/** Transport failures before any byte was sent: safe to retry even for a creating POST. */
const NOT_SENT_ERRORS = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

export function isRetryableNetworkError(code: string | undefined, idempotent: boolean): boolean {
  if (code === undefined) return false;
  return NOT_SENT_ERRORS.has(code) || (idempotent && MAYBE_SENT_ERRORS.has(code));
}

/** True when the failure happened after the request may have been processed (for `mayHaveSucceeded`). */
export function mayHaveBeenProcessed(outcome: AttemptOutcome): boolean {
  if (outcome.status !== undefined) return outcome.status !== 429 && outcome.status >= 500;
  return outcome.networkErrorCode === undefined || !NOT_SENT_ERRORS.has(outcome.networkErrorCode);
}

/** Statuses whose Retry-After is honoured (throttling strategy) and reported on the error (`retryAfterMs`). */
export function honoursRetryAfter(status: number | undefined): boolean {
  return status === 429 || status === 503 || status === 504;
}

/**
 * The one Retry-After parser: RFC 9110 delta-seconds or HTTP-date
 * (https://www.rfc-editor.org/rfc/rfc9110#field.retry-after) plus the Azure `retry-after-ms` /
 * `x-ms-retry-after-ms` variants (https://learn.microsoft.com/azure/architecture/best-practices/retry-service-specific).
 * Returns milliseconds, clamped to [0, maxMs], or undefined when absent/unparseable.
 */
export function parseRetryAfter(
  headers: Record<string, string | undefined> | undefined,
  now: number,
  maxMs: number,
): number | undefined {
  if (!headers) return undefined;
  const clamp = (ms: number): number => Math.min(Math.max(0, Math.ceil(ms)), maxMs);
  for (const name of ["retry-after-ms", "x-ms-retry-after-ms"]) {
    const v = headers[name];
    if (v !== undefined && /^\s*\d+(\.\d+)?\s*$/.test(v)) return clamp(Number(v));
  }
  const v = headers["retry-after"]?.trim();
  if (!v) return undefined;
  // Graph sends fractional seconds ("2.128"), which RFC 9110 does not allow but we accept.
  if (/^\d+(\.\d+)?$/.test(v)) return clamp(Number(v) * 1000);
  // Date.parse accepts bare numbers such as "-5" as years; an HTTP-date always names a month.
  const date = /[A-Za-z]{3}/.test(v) ? Date.parse(v) : Number.NaN;
  if (Number.isNaN(date)) return undefined;
  return clamp(date - now); // a date in the past means "now"
}

/** Exponential backoff with full jitter: uniform in [0, min(max, base·2^n)]. */
export function fullJitterDelay(n: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(n, 30));
  return Math.floor(random() * ceiling);
}

/**
 * Exponential backoff with "equal" jitter: uniform in [d/2, d], d = min(max, base·2^n). Used for consistency
 * polling, where a near-zero delay would just hit the same lagging replica again.
 */
export function equalJitterDelay(n: number, baseMs: number, maxMs: number, random: () => number): number {
  const d = Math.min(maxMs, baseMs * 2 ** Math.min(n, 30));
  return Math.floor(d / 2 + random() * (d / 2));
}

export const throttlingStrategy: Strategy = (o, c, opts) => {
  const s = o.status;
  if (!honoursRetryAfter(s)) return undefined;
  // A 503/504 may come after Graph applied a write; only 429 guarantees it did not.
  if (s !== 429 && !c.idempotent) return NO;
  if (c.retries >= opts.maxRetries) return NO;
  const delayMs = o.retryAfterMs ?? fullJitterDelay(c.retries, opts.baseDelayMs, opts.maxDelayMs, opts.random);
  return { retry: true, delayMs, reason: s === 429 ? "throttled" : "transient" };
};

export const consistencyStrategy: Strategy = (o, c, opts) => {
  if (!c.consistency) return undefined;
  const replicating =
    o.status === 404 ||
    (o.status === 400 &&
      ((o.graphCode !== undefined && CONSISTENCY_CODES.has(o.graphCode)) ||
        (o.detailCodes ?? []).some((d) => CONSISTENCY_CODES.has(d))));
  if (!replicating) return undefined;
  const delayMs = equalJitterDelay(
    c.consistencyRetries,
    opts.consistencyBaseDelayMs,
    opts.consistencyMaxDelayMs,
    opts.random,
  );
  return { retry: true, delayMs, reason: "consistency" };
};

export const transientStrategy: Strategy = (o, c, opts) => {
  const transientStatus = o.status !== undefined && [408, 500, 502, 503, 504].includes(o.status);
  const retryableNetwork = o.status === undefined && isRetryableNetworkError(o.networkErrorCode, c.idempotent);
  if (!transientStatus && !retryableNetwork) return undefined;
  if (transientStatus && !c.idempotent) return NO;
  if (c.retries >= opts.maxRetries) return NO;
  return {
    retry: true,
    delayMs: fullJitterDelay(c.retries, opts.baseDelayMs, opts.maxDelayMs, opts.random),
    reason: "transient",
  };
};

const STRATEGIES: readonly Strategy[] = [throttlingStrategy, consistencyStrategy, transientStrategy];

/** Runs the strategies in order; the first that applies decides. */
export function decideRetry(outcome: AttemptOutcome, context: AttemptContext, options: RetryOptions): RetryDecision {
  for (const strategy of STRATEGIES) {
    const decision = strategy(outcome, context, options);
    if (decision) return decision;
  }
  return NO;
}
