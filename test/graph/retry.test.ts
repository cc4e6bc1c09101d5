import {
  decideRetry,
  DEFAULT_RETRY_OPTIONS,
  equalJitterDelay,
  fullJitterDelay,
  parseRetryAfter,
  type AttemptContext,
  type RetryOptions,
} from "../../provider/graph";

const NOW = Date.parse("2026-01-01T00:00:00Z");
const opts = (o: Partial<RetryOptions> = {}): RetryOptions => ({ ...DEFAULT_RETRY_OPTIONS, random: () => 0.5, ...o });
const ctx = (c: Partial<AttemptContext> = {}): AttemptContext => ({
  retries: 0,
  consistencyRetries: 0,
  idempotent: true,
  consistency: false,
  ...c,
});

describe("parseRetryAfter", () => {
  it("reads delta-seconds, including Graph's fractional form", () => {
    expect(parseRetryAfter({ "retry-after": "3" }, NOW, 60_000)).toBe(3000);
    expect(parseRetryAfter({ "retry-after": "2.128" }, NOW, 60_000)).toBe(2128);
    expect(parseRetryAfter({ "retry-after": "0" }, NOW, 60_000)).toBe(0);
  });

  it("reads an HTTP-date relative to now", () => {
    const date = new Date(NOW + 7000).toUTCString();
    expect(parseRetryAfter({ "retry-after": date }, NOW, 60_000)).toBe(7000);
  });

  it("clamps a date in the past to 0 and caps long waits", () => {
    expect(parseRetryAfter({ "retry-after": new Date(NOW - 60_000).toUTCString() }, NOW, 60_000)).toBe(0);
    expect(parseRetryAfter({ "retry-after": "3600" }, NOW, 60_000)).toBe(60_000);
    expect(parseRetryAfter({ "retry-after": new Date(NOW + 3_600_000).toUTCString() }, NOW, 60_000)).toBe(60_000);
  });

  it("prefers retry-after-ms and ignores garbage", () => {
    expect(parseRetryAfter({ "retry-after-ms": "150", "retry-after": "9" }, NOW, 60_000)).toBe(150);
    expect(parseRetryAfter({ "x-ms-retry-after-ms": "75" }, NOW, 60_000)).toBe(75);
    expect(parseRetryAfter({ "retry-after": "soon" }, NOW, 60_000)).toBeUndefined();
    expect(parseRetryAfter({ "retry-after": "-5" }, NOW, 60_000)).toBeUndefined();
    expect(parseRetryAfter(undefined, NOW, 60_000)).toBeUndefined();
  });

  it("treats absent, empty and malformed values as no Retry-After", () => {
    expect(parseRetryAfter({}, NOW, 60_000)).toBeUndefined();
    expect(parseRetryAfter({ "retry-after": "" }, NOW, 60_000)).toBeUndefined();
    expect(parseRetryAfter({ "retry-after": "   " }, NOW, 60_000)).toBeUndefined();
    expect(parseRetryAfter({ "retry-after": "1e3" }, NOW, 60_000)).toBeUndefined();
    expect(parseRetryAfter({ "retry-after": "3s" }, NOW, 60_000)).toBeUndefined();
    expect(parseRetryAfter({ "retry-after": "Xyz, 99 Foo 2026 00:00:00 GMT" }, NOW, 60_000)).toBeUndefined();
    // A malformed -ms header falls back to Retry-After instead of hiding it.
    expect(parseRetryAfter({ "retry-after-ms": "soon", "retry-after": "2" }, NOW, 60_000)).toBe(2000);
    expect(parseRetryAfter({ "retry-after-ms": "-5" }, NOW, 60_000)).toBeUndefined();
  });

  it("rounds fractional milliseconds up and caps the -ms variants too", () => {
    expect(parseRetryAfter({ "retry-after": "0.0001" }, NOW, 60_000)).toBe(1);
    expect(parseRetryAfter({ "retry-after-ms": "12.2" }, NOW, 60_000)).toBe(13);
    expect(parseRetryAfter({ "retry-after-ms": "900000" }, NOW, 60_000)).toBe(60_000);
  });

  it("caps at the default maxRetryAfterMs of 150 s (one identity throttling window)", () => {
    const cap = DEFAULT_RETRY_OPTIONS.maxRetryAfterMs;
    expect(cap).toBe(150_000);
    expect(parseRetryAfter({ "retry-after": "150" }, NOW, cap)).toBe(150_000);
    expect(parseRetryAfter({ "retry-after": "151" }, NOW, cap)).toBe(150_000);
    expect(parseRetryAfter({ "retry-after": new Date(NOW + 86_400_000).toUTCString() }, NOW, cap)).toBe(150_000);
  });
});

describe("jitter", () => {
  it("full jitter stays within [0, min(cap, base·2^n)]", () => {
    for (let n = 0; n < 12; n++) {
      const ceiling = Math.min(30_000, 500 * 2 ** n);
      expect(fullJitterDelay(n, 500, 30_000, () => 0)).toBe(0);
      expect(fullJitterDelay(n, 500, 30_000, () => 0.999999)).toBeLessThanOrEqual(ceiling);
      expect(fullJitterDelay(n, 500, 30_000, () => 0.999999)).toBeGreaterThanOrEqual(Math.floor(ceiling * 0.999));
      expect(fullJitterDelay(n, 500, 30_000, () => 0.5)).toBe(Math.floor(ceiling / 2));
    }
  });

  it("equal jitter stays within [d/2, d]", () => {
    for (let n = 0; n < 10; n++) {
      const d = Math.min(8000, 250 * 2 ** n);
      expect(equalJitterDelay(n, 250, 8000, () => 0)).toBe(Math.floor(d / 2));
      expect(equalJitterDelay(n, 250, 8000, () => 0.999999)).toBeLessThanOrEqual(d);
    }
  });
});

describe("decideRetry", () => {
  it("honours Retry-After on 429, 503 and 504", () => {
    for (const status of [429, 503, 504]) {
      expect(decideRetry({ status, retryAfterMs: 4000 }, ctx(), opts())).toEqual({
        retry: true,
        delayMs: 4000,
        reason: status === 429 ? "throttled" : "transient",
      });
    }
  });

  it("ignores a Retry-After on statuses that are not throttling", () => {
    expect(decideRetry({ status: 500, retryAfterMs: 4000 }, ctx({ retries: 1 }), opts())).toEqual({ retry: true, delayMs: 500, reason: "transient" });
  });

  it("backs off exponentially without Retry-After", () => {
    expect(decideRetry({ status: 429 }, ctx({ retries: 3 }), opts())).toEqual({ retry: true, delayMs: 2000, reason: "throttled" });
    expect(decideRetry({ status: 500 }, ctx({ retries: 1 }), opts())).toEqual({ retry: true, delayMs: 500, reason: "transient" });
  });

  it("stops at maxRetries", () => {
    expect(decideRetry({ status: 429 }, ctx({ retries: 2 }), opts({ maxRetries: 2 }))).toEqual({ retry: false });
    expect(decideRetry({ status: 503 }, ctx({ retries: 2 }), opts({ maxRetries: 2 }))).toEqual({ retry: false });
    expect(decideRetry({ networkErrorCode: "ECONNRESET" }, ctx({ retries: 2 }), opts({ maxRetries: 2 }))).toEqual({ retry: false });
  });

  it("retries a non-idempotent POST only on 429", () => {
    const post = ctx({ idempotent: false });
    expect(decideRetry({ status: 429 }, post, opts()).retry).toBe(true);
    for (const status of [500, 502, 503, 504]) expect(decideRetry({ status }, post, opts()).retry).toBe(false);
    expect(decideRetry({ networkErrorCode: "ECONNRESET" }, post, opts()).retry).toBe(false);
    expect(decideRetry({ networkErrorCode: "UND_ERR_SOCKET" }, post, opts()).retry).toBe(false);
  });

  it("retries connection failures where nothing was sent, even for POST", () => {
    const post = ctx({ idempotent: false });
    expect(decideRetry({ networkErrorCode: "ECONNREFUSED" }, post, opts()).retry).toBe(true);
    expect(decideRetry({ networkErrorCode: "UND_ERR_CONNECT_TIMEOUT" }, post, opts()).retry).toBe(true);
  });

  it("retries transient 5xx and network errors for idempotent requests, not 501 or 4xx", () => {
    for (const status of [408, 500, 502, 503, 504]) expect(decideRetry({ status }, ctx(), opts()).retry).toBe(true);
    for (const status of [400, 401, 403, 404, 409, 501, 505]) expect(decideRetry({ status }, ctx(), opts()).retry).toBe(false);
    for (const code of ["ECONNRESET", "UND_ERR_SOCKET", "ETIMEDOUT", "UND_ERR_HEADERS_TIMEOUT"]) {
      expect(decideRetry({ networkErrorCode: code }, ctx(), opts()).retry).toBe(true);
    }
    expect(decideRetry({ networkErrorCode: "DEPTH_ZERO_SELF_SIGNED_CERT" }, ctx(), opts()).retry).toBe(false);
  });

  it("retries 404 and NoBackingApplicationObject only in consistency mode, beyond maxRetries", () => {
    expect(decideRetry({ status: 404 }, ctx(), opts()).retry).toBe(false);
    const c = ctx({ consistency: true, retries: 10, consistencyRetries: 2 });
    expect(decideRetry({ status: 404 }, c, opts())).toEqual({ retry: true, delayMs: 750, reason: "consistency" });
    expect(
      decideRetry({ status: 400, graphCode: "Request_BadRequest", detailCodes: ["NoBackingApplicationObject"] }, c, opts()).retry,
    ).toBe(true);
    expect(decideRetry({ status: 400, graphCode: "Request_BadRequest" }, c, opts()).retry).toBe(false);
  });
});
