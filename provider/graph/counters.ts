/**
 * Request counters for benchmarks and logs. Keys are "METHOD route-template", never concrete paths, so the
 * numbers stay comparable across runs and carry no object ids.
 */
export interface GraphCountersSnapshot {
  /** Attempts sent, by "METHOD /route/{template}". */
  requests: Record<string, number>;
  /** Responses by HTTP status ("0" = network error). */
  statuses: Record<string, number>;
  /** Total attempts sent (first tries + retries). */
  totalRequests: number;
  /** Attempts that were retries of an earlier attempt, whatever the reason (includes consistency and auth retries). */
  retries: number;
  /** 429 responses seen (retried or not). */
  throttled: number;
  /** Retries caused by eventual consistency (404 / NoBackingApplicationObject on a recent object). */
  consistencyRetries: number;
  /** Token refreshes after a 401. */
  authRetries: number;
  /** Milliseconds slept in backoff, summed over requests. */
  backoffMs: number;
  /** Milliseconds waited for new objects to replicate before a first attempt (visibility.ts), summed. */
  visibilityWaitMs: number;
  /** Milliseconds spent waiting for a concurrency-limiter slot, summed over requests. */
  queueMs: number;
  /** Errors surfaced to callers, by GraphError code. */
  errors: Record<string, number>;
}

export class GraphCounters {
  private data: GraphCountersSnapshot = GraphCounters.empty();

  private static empty(): GraphCountersSnapshot {
    return {
      requests: {},
      statuses: {},
      totalRequests: 0,
      retries: 0,
      throttled: 0,
      consistencyRetries: 0,
      authRetries: 0,
      backoffMs: 0,
      visibilityWaitMs: 0,
      queueMs: 0,
      errors: {},
    };
  }

  recordAttempt(method: string, route: string, status: number, isRetry: boolean): void {
    const key = `${method} ${route}`;
    this.data.requests[key] = (this.data.requests[key] ?? 0) + 1;
    this.data.statuses[String(status)] = (this.data.statuses[String(status)] ?? 0) + 1;
    this.data.totalRequests++;
    if (isRetry) this.data.retries++;
    if (status === 429) this.data.throttled++;
  }

  recordConsistencyRetry(): void {
    this.data.consistencyRetries++;
  }

  recordAuthRetry(): void {
    this.data.authRetries++;
  }

  recordBackoff(ms: number): void {
    this.data.backoffMs += ms;
  }

  recordVisibilityWait(ms: number): void {
    this.data.visibilityWaitMs += ms;
  }

  recordQueue(ms: number): void {
    this.data.queueMs += ms;
  }

  recordError(code: string): void {
    this.data.errors[code] = (this.data.errors[code] ?? 0) + 1;
  }

  /** A deep copy; later requests do not change it. */
  snapshot(): GraphCountersSnapshot {
    return JSON.parse(JSON.stringify(this.data)) as GraphCountersSnapshot;
  }

  reset(): void {
    this.data = GraphCounters.empty();
  }
}
