/**
 * Throttling after the identity-and-access service limits
 * (https://learn.microsoft.com/graph/throttling-limits#identity-and-access-service-limits).
 *
 * - "identity-default": per (application, tenant) token buckets measured in resource units (RU).
 *   A small tenant (< 50 users) gets 3,500 RU per 10 s; writes also draw from 3,000 per 2 min 30 s.
 * - a number: a plain requests-per-second bucket per tenant (burst = one second's worth).
 * - "off": no bucket (the fixed per-API limits below still apply; they are part of Graph's contract).
 *
 * {@link WindowLimiter} implements the fixed "N requests per window" limits: provisionOnDemand and
 * the reports APIs (/auditLogs/provisioning), both 5 requests per 10 seconds.
 */
export type ThrottleMode = "off" | "identity-default" | number;

class Bucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly capacity: number,
    readonly refillPerMs: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.last = now;
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.refillPerMs);
    this.last = now;
  }

  /** Seconds to wait, or 0 when the cost was taken. */
  take(cost: number, now: number): number {
    this.refill(now);
    if (this.tokens >= cost) {
      this.tokens -= cost;
      return 0;
    }
    return Math.max(1, Math.ceil((cost - this.tokens) / this.refillPerMs / 1000));
  }

  usedFraction(): number {
    return 1 - this.tokens / this.capacity;
  }
}

export interface ThrottleRequest {
  appId: string;
  tenantId: string;
  cost: number;
  write: boolean;
  identity: boolean;
}

export interface ThrottleDecision {
  retryAfter: number; // 0 = allowed
  headers: Record<string, string>;
}

export class Throttler {
  private buckets = new Map<string, Bucket>();

  constructor(private modeValue: ThrottleMode) {}

  get mode(): ThrottleMode {
    return this.modeValue;
  }

  set mode(m: ThrottleMode) {
    this.modeValue = m;
    this.buckets.clear();
  }

  private bucket(key: string, capacity: number, perSecond: number, now: number): Bucket {
    let b = this.buckets.get(key);
    if (!b) this.buckets.set(key, (b = new Bucket(capacity, perSecond / 1000, now)));
    return b;
  }

  check(r: ThrottleRequest, now = Date.now()): ThrottleDecision {
    const mode = this.modeValue;
    if (mode === "off") return { retryAfter: 0, headers: {} };
    if (typeof mode === "number") {
      const wait = this.bucket(`rps:${r.tenantId}`, Math.max(1, mode), mode, now).take(1, now);
      return wait ? { retryAfter: wait, headers: { "x-ms-throttle-scope": `Tenant/ReadWrite/${r.appId}/${r.tenantId}`, "x-ms-throttle-information": "ResourceUnitLimitExceeded" } } : { retryAfter: 0, headers: {} };
    }
    if (!r.identity) return { retryAfter: 0, headers: {} };
    const ru = this.bucket(`ru:${r.appId}:${r.tenantId}`, 3500, 350, now);
    const headers: Record<string, string> = { "x-ms-resource-unit": String(r.cost) };
    if (r.write) {
      const w = this.bucket(`w:${r.appId}:${r.tenantId}`, 3000, 3000 / 150, now);
      const wait = w.take(1, now);
      if (wait) {
        return { retryAfter: wait, headers: { ...headers, "x-ms-throttle-scope": `Tenant_Application/Write/${r.appId}/${r.tenantId}`, "x-ms-throttle-information": "WriteLimitExceeded" } };
      }
    }
    const wait = ru.take(r.cost, now);
    if (wait) {
      return { retryAfter: wait, headers: { ...headers, "x-ms-throttle-scope": `Tenant_Application/ReadWrite/${r.appId}/${r.tenantId}`, "x-ms-throttle-information": "ResourceUnitLimitExceeded" } };
    }
    const used = ru.usedFraction();
    // Sent only above 80% of the limit, per the docs.
    if (used > 0.8) headers["x-ms-throttle-limit-percentage"] = used.toFixed(2);
    return { retryAfter: 0, headers };
  }

  reset(): void {
    this.buckets.clear();
  }
}

/** RU cost of a request: GET applications = 2, else 1; $select −1, $expand +1, $top < 20 −1; minimum 1. */
export function resourceUnitCost(method: string, template: string, query: URLSearchParams): number {
  let cost = method === "GET" && /^\/applications(\/|\(|$)/.test(template) ? 2 : 1;
  if (query.has("$select")) cost -= 1;
  if (query.has("$expand")) cost += 1;
  const top = query.get("$top");
  if (top !== null && Number(top) < 20) cost -= 1;
  return Math.max(1, cost);
}

/** Sliding-window limiter: at most `limit` requests per `windowMs` per key. */
export class WindowLimiter {
  private hits = new Map<string, number[]>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** Records a request; returns seconds to wait (0 = allowed, and counted). */
  hit(key: string, now = Date.now()): number {
    let list = this.hits.get(key);
    if (!list) this.hits.set(key, (list = []));
    while (list.length && list[0] <= now - this.windowMs) list.shift();
    if (list.length >= this.limit) return Math.max(1, Math.ceil((list[0] + this.windowMs - now) / 1000));
    list.push(now);
    return 0;
  }

  reset(): void {
    this.hits.clear();
  }
}
