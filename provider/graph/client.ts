import { createHash, randomUUID } from "node:crypto";
import type { Dispatcher } from "undici";
import { CachedTokenProvider, createCredential, type AccessTokenProvider } from "./auth";
import { abortReason, systemClock, type Clock } from "./clock";
import { GraphCounters } from "./counters";
import { isIdempotent, path as fillPath, routeOf, type Endpoint } from "./endpoints";
import { httpError, networkCode, networkError, parseBody, safeJson, timeoutError, type ErrorBase } from "./call-errors";
import { GraphError, parseGraphErrorBody } from "./errors";
import { AdaptiveLimiter, serializeBy, type LimiterPermit } from "./limiter";
import { defaultLogger, type GraphLogger } from "./log";
import { listAll, iteratePages, type ODataPage } from "./paging";
import { registerSecretsInBody } from "./redact";
import type { GraphReadRequest, GraphRequest, GraphResponse, GraphWriteRequest, RequestOptions } from "./request";
import {
  decideRetry,
  DEFAULT_RETRY_OPTIONS,
  honoursRetryAfter,
  mayHaveBeenProcessed,
  parseRetryAfter,
  type AttemptOutcome,
  type RetryOptions,
} from "./retry";
import type { GraphSettings } from "./settings";
import { sharedDispatcher } from "./transport";
import { VisibilityDelay } from "./visibility";

export interface GraphClientOptions {
  /** Defaults to the process-wide shared undici Agent for these settings. Tests pass a MockAgent. */
  dispatcher?: Dispatcher;
  /** Defaults to a cached @azure/identity credential chosen from settings. */
  tokens?: AccessTokenProvider;
  logger?: GraphLogger;
  clock?: Clock;
  /** Overrides of retry tuning (maxRetries comes from settings unless given here). */
  retry?: Partial<RetryOptions>;
  /** Successes needed before the adaptive limiter grows by one. */
  limiterGrowAfter?: number;
  userAgent?: string;
}

const USER_AGENT = "pulumi-entra-provisioning";

/** When the target of a consistency-retried request was created (moments ago), if the caller knows (visibility.ts). */
function recentlyCreatedAt(req: RequestOptions): number | undefined {
  return req.consistency === "retry-not-found" ? req.createdAt : undefined;
}

const RESERVED_HEADERS = new Set(["authorization", "client-request-id", "retry-attempt", "content-type", "content-length", "host"]);

interface ResolvedTarget {
  url: URL;
  pathOnly: string;
  route: string;
  endpoint?: Endpoint;
}

/** What stays the same across the attempts of one call. */
interface PreparedCall {
  readonly req: GraphRequest;
  readonly target: ResolvedTarget;
  readonly base: ErrorBase;
  readonly idempotent: boolean;
  /** Client clock, ms: the call gives up with GRAPH_TIMEOUT rather than wait past it. */
  readonly deadline: number;
  readonly payload?: string;
  readonly callerHeaders: Record<string, string>;
  /** From `recentlyCreatedAt`: set only for consistency-retried requests whose creation time is known. */
  readonly createdAt?: number;
}

/** What the retry loop carries from one attempt to the next. */
interface RetryState {
  attempt: number;
  /** Throttling/transient retries so far (bounded by maxRetries). */
  retries: number;
  /** Replication-lag retries so far (bounded by the deadline only). */
  consistencyRetries: number;
  refreshedAfter401: boolean;
  /** An earlier attempt failed in a way Graph may have applied (5xx, reset after sending). */
  maybeAppliedEarlier: boolean;
  /** The latest failure, reported inside GRAPH_TIMEOUT. */
  last?: Failure;
}

interface Failure {
  outcome: AttemptOutcome;
  error: GraphError;
}

interface RawResponse {
  status: number;
  /** Lower-cased. */
  headers: Record<string, string>;
  text: string;
}

type AttemptResult<T> = { kind: "ok"; response: GraphResponse<T> } | { kind: "auth-retry" } | { kind: "failed"; failure: Failure; sentAt: number };

/**
 * The one Graph client of a provider process (per settings): auth, shared transport, adaptive concurrency,
 * retries, eventual-consistency retries, errors and counters.
 */
export class GraphClient {
  readonly settings: GraphSettings;
  readonly counters = new GraphCounters();
  readonly limiter: AdaptiveLimiter;
  /** Learned replication lag, applied to requests that carry `createdAt`. */
  readonly visibility: VisibilityDelay;
  private readonly dispatcher: Dispatcher;
  private readonly tokens: AccessTokenProvider;
  private readonly logger: GraphLogger;
  private readonly clock: Clock;
  private readonly retry: RetryOptions;
  private readonly base: URL;
  private readonly userAgent: string;

  constructor(settings: GraphSettings, options: GraphClientOptions = {}) {
    this.settings = settings;
    this.dispatcher = options.dispatcher ?? sharedDispatcher(settings);
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? defaultLogger();
    this.retry = { ...DEFAULT_RETRY_OPTIONS, maxRetries: settings.maxRetries, ...options.retry };
    this.limiter = new AdaptiveLimiter({ max: settings.maxConcurrency, growAfter: options.limiterGrowAfter });
    this.visibility = new VisibilityDelay({ random: this.retry.random });
    this.base = new URL(settings.baseUrl);
    this.userAgent = options.userAgent ?? USER_AGENT;
    if (options.tokens) {
      this.tokens = options.tokens;
    } else {
      const { credential, kind } = createCredential(settings, this.dispatcher);
      this.tokens = new CachedTokenProvider(credential, {
        scope: settings.scope,
        clock: this.clock,
        describe: { kind, tenantId: settings.tenantId, clientId: settings.clientId, authorityHost: settings.authorityHost },
      });
    }
  }

  // The casts only add the method: TypeScript cannot see that `{ ...req, method }` keeps the union of `req`.
  get<T, P extends string = string>(req: GraphReadRequest<P>): Promise<GraphResponse<T>> {
    return this.request<T>({ ...req, method: "GET" } as GraphRequest);
  }

  post<T, B = unknown, P extends string = string>(req: GraphWriteRequest<B, P>): Promise<GraphResponse<T>> {
    return this.request<T>({ ...req, method: "POST" } as GraphRequest);
  }

  patch<T = undefined, B = unknown, P extends string = string>(req: GraphWriteRequest<B, P>): Promise<GraphResponse<T>> {
    return this.request<T>({ ...req, method: "PATCH" } as GraphRequest);
  }

  put<T = undefined, B = unknown, P extends string = string>(req: GraphWriteRequest<B, P>): Promise<GraphResponse<T>> {
    return this.request<T>({ ...req, method: "PUT" } as GraphRequest);
  }

  delete<P extends string = string>(req: GraphReadRequest<P>): Promise<GraphResponse<undefined>> {
    return this.request<undefined>({ ...req, method: "DELETE" } as GraphRequest);
  }

  /** All items of a collection, following `@odata.nextLink`. */
  list<T, P extends string = string>(req: GraphReadRequest<P>): Promise<T[]> {
    return listAll<T>(this, { ...req, method: "GET" } as GraphRequest);
  }

  /** Pages of a collection, following `@odata.nextLink`; stop early by breaking out of the loop. */
  pages<T, P extends string = string>(req: GraphReadRequest<P>): AsyncGenerator<ODataPage<T>> {
    return iteratePages<T>(this, { ...req, method: "GET" } as GraphRequest);
  }

  /** Runs `fn` after earlier calls with the same key settle (process-wide), e.g. per service principal. */
  serializeBy<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return serializeBy(key, fn);
  }

  /**
   * Sends one logical request: takes a token, waits for a limiter slot, sends, and retries per retry.ts until it
   * succeeds, a strategy says stop, maxRetries is reached or the deadline passes. Throws GraphError.
   */
  async request<T, B = unknown, P extends string = string>(req: GraphRequest<B, P>): Promise<GraphResponse<T>> {
    if (recentlyCreatedAt(req) !== undefined) {
      const probeDone = await this.visibility.probeTurn();
      if (probeDone) {
        try {
          return await this.send<T>(req as GraphRequest);
        } finally {
          probeDone();
        }
      }
    }
    return this.send<T>(req as GraphRequest);
  }

  private async send<T>(req: GraphRequest): Promise<GraphResponse<T>> {
    const call = this.prepare(req);
    await this.waitUntilVisible(call);
    const state: RetryState = { attempt: 0, retries: 0, consistencyRetries: 0, refreshedAfter401: false, maybeAppliedEarlier: false };
    for (;;) {
      state.attempt++;
      const result = await this.attempt<T>(call, state);
      if (result.kind === "ok") return result.response;
      if (result.kind === "failed") await this.backOffOrThrow(call, state, result.failure, result.sentAt);
      // "auth-retry": go again at once with the fresh token.
    }
  }

  /** Everything about a call that stays the same across its attempts. */
  private prepare(req: GraphRequest): PreparedCall {
    const target = this.resolveTarget(req);
    const method = req.method;
    if (target.endpoint?.sensitiveBody) registerSecretsInBody(req.body);
    // Header names are case-insensitive: drop caller versions of the ones we own instead of sending both.
    const callerHeaders = Object.fromEntries(
      Object.entries(req.headers ?? {})
        .map(([k, v]) => [k.toLowerCase(), v] as const)
        .filter(([k]) => !RESERVED_HEADERS.has(k)),
    );
    const clientRequestId = randomUUID();
    return {
      req,
      target,
      base: { method, path: target.pathOnly, route: target.route, clientRequestId },
      idempotent: req.idempotent ?? isIdempotent(method, target.endpoint),
      deadline: this.clock.now() + (req.timeoutMs ?? this.settings.operationTimeoutMs),
      payload: req.body === undefined ? undefined : JSON.stringify(req.body),
      callerHeaders,
      createdAt: recentlyCreatedAt(req),
    };
  }

  /** Step 1: a request about an object created moments ago first waits until such objects are usually visible. */
  private async waitUntilVisible(call: PreparedCall): Promise<void> {
    if (call.createdAt === undefined) return;
    const wait = this.visibility.waitMs(call.createdAt, this.clock.now());
    if (wait <= 0) return;
    this.counters.recordVisibilityWait(wait);
    await this.sleepOrAbort(call, Math.min(wait, call.deadline - this.clock.now()));
  }

  /** One attempt: token, limiter slot, send, classify. Throws when the call must stop before a retry decision. */
  private async attempt<T>(call: PreparedCall, state: RetryState): Promise<AttemptResult<T>> {
    const signal = call.req.signal;
    if (signal?.aborted) throw this.aborted(call, abortReason(signal));
    const remaining = call.deadline - this.clock.now();
    if (remaining <= 0) throw this.timeout(call, state.last);
    const attemptSignal = combineSignals(signal, remaining);
    const { token, permit } = await this.tokenAndSlot(call, state, attemptSignal);
    const sentAt = this.clock.now();
    let response: RawResponse;
    try {
      response = await this.dispatch(call, token, state.attempt, attemptSignal);
    } catch (e) {
      permit.release("other");
      this.counters.recordAttempt(call.base.method, call.target.route, 0, state.attempt > 1);
      if (signal?.aborted) throw this.aborted(call, e);
      if (this.clock.now() >= call.deadline) throw this.timeout(call, state.last);
      const failure = { outcome: { networkErrorCode: networkCode(e) }, error: networkError(this.settings, call.base, e, call.idempotent, state.attempt) };
      return { kind: "failed", failure, sentAt };
    }
    return this.classify<T>(call, state, response, permit, sentAt);
  }

  /** Steps 2 and 3: a bearer token, then a slot from the adaptive limiter (the wait for it is counted as queueing). */
  private async tokenAndSlot(call: PreparedCall, state: RetryState, signal: AbortSignal): Promise<{ token: string; permit: LimiterPermit }> {
    try {
      const token = await this.tokens.getToken(signal);
      const queuedSince = this.clock.now();
      const permit = await this.limiter.acquire(signal);
      this.counters.recordQueue(this.clock.now() - queuedSince);
      return { token, permit };
    } catch (e) {
      if (GraphError.isGraphError(e)) throw this.count(e);
      if (call.req.signal?.aborted) throw this.aborted(call, e);
      throw this.timeout(call, state.last);
    }
  }

  /** Step 4: the HTTP exchange itself. Throws the transport's error, including one while reading the body. */
  private async dispatch(call: PreparedCall, token: string, attempt: number, signal: AbortSignal): Promise<RawResponse> {
    const headers: Record<string, string> = {
      ...call.callerHeaders,
      accept: "application/json",
      "client-request-id": call.base.clientRequestId,
      "user-agent": this.userAgent,
      authorization: `Bearer ${token}`,
    };
    if (call.payload !== undefined) headers["content-type"] = "application/json";
    if (attempt > 1) headers["retry-attempt"] = String(attempt - 1);
    const { url } = call.target;
    const res = await this.dispatcher.request({ origin: url.origin, path: `${url.pathname}${url.search}`, method: call.base.method, headers, body: call.payload, signal });
    const text = await res.body.text();
    return { status: res.statusCode, headers: flattenHeaders(res.headers), text };
  }

  /** Step 5: success, a one-off token refresh after 401, or a failure for the retry decision. */
  private classify<T>(call: PreparedCall, state: RetryState, res: RawResponse, permit: LimiterPermit, sentAt: number): AttemptResult<T> {
    const { status, headers, text } = res;
    const { method, clientRequestId } = call.base;
    const route = call.target.route;
    permit.release(status === 429 ? "throttled" : status < 400 ? "success" : "other");
    this.counters.recordAttempt(method, route, status, state.attempt > 1);
    const requestId = headers["request-id"];
    const durationMs = this.clock.now() - sentAt;
    if (call.createdAt !== undefined && (status < 400 || status === 404)) this.visibility.observe(sentAt - call.createdAt, status < 400);
    if (status < 400) {
      const body = this.parsedOrCounted(text, headers, status, call.base, requestId);
      this.logger({ method, route, status, attempt: state.attempt, durationMs, requestId, clientRequestId, outcome: "ok" });
      return { kind: "ok", response: { status, body: body as T, headers, requestId, clientRequestId } };
    }
    const parsed = parseGraphErrorBody(safeJson(text));
    if (status === 401 && !state.refreshedAfter401) {
      // A token can be revoked or rotated before its expiry; fetch a new one once.
      state.refreshedAfter401 = true;
      this.tokens.invalidate();
      this.counters.recordAuthRetry();
      this.logger({ method, route, status, attempt: state.attempt, durationMs, requestId, clientRequestId, outcome: "retry", delayMs: 0, reason: "auth" });
      return { kind: "auth-retry" };
    }
    const outcome: AttemptOutcome = {
      status,
      graphCode: parsed.graphCode,
      detailCodes: parsed.detailCodes,
      retryAfterMs: honoursRetryAfter(status) ? parseRetryAfter(headers, this.clock.now(), this.retry.maxRetryAfterMs) : undefined,
    };
    const error = httpError(this.settings, call.base, outcome, parsed, requestId, call.idempotent, call.target.endpoint, state.attempt);
    return { kind: "failed", failure: { outcome, error }, sentAt };
  }

  /** Step 6: the retry decision (retry.ts), bounded by the deadline; sleeps before the next attempt or throws. */
  private async backOffOrThrow(call: PreparedCall, state: RetryState, failure: Failure, sentAt: number): Promise<void> {
    state.last = failure;
    const { outcome, error } = failure;
    // After a failure that may have been applied (5xx, reset after sending), a DELETE's 404 most likely means it
    // deleted the object itself, so that 404 is not treated as replication lag.
    const consistency = call.req.consistency === "retry-not-found" && !(call.base.method === "DELETE" && state.maybeAppliedEarlier);
    const decision = decideRetry(outcome, { retries: state.retries, consistencyRetries: state.consistencyRetries, idempotent: call.idempotent, consistency }, this.retry);
    if (mayHaveBeenProcessed(outcome)) state.maybeAppliedEarlier = true;
    const log = {
      method: call.base.method,
      route: call.target.route,
      status: outcome.status ?? 0,
      attempt: state.attempt,
      durationMs: this.clock.now() - sentAt,
      requestId: error.requestId,
      clientRequestId: call.base.clientRequestId,
    };
    if (!decision.retry) {
      this.logger({ ...log, outcome: "error", reason: error.code });
      throw this.count(error);
    }
    let delayMs = decision.delayMs;
    if (decision.reason === "consistency" && call.createdAt !== undefined) {
      // Not before the object is as old as objects have been taking to replicate.
      delayMs = Math.max(delayMs, this.visibility.waitMs(call.createdAt, this.clock.now()));
    }
    if (this.clock.now() + delayMs >= call.deadline) {
      this.logger({ ...log, outcome: "error", reason: "GRAPH_TIMEOUT" });
      throw this.timeout(call, state.last);
    }
    if (decision.reason === "consistency") {
      state.consistencyRetries++;
      this.counters.recordConsistencyRetry();
    } else {
      state.retries++;
    }
    this.logger({ ...log, outcome: "retry", delayMs, reason: decision.reason });
    this.counters.recordBackoff(delayMs);
    await this.sleepOrAbort(call, delayMs);
  }

  private async sleepOrAbort(call: PreparedCall, ms: number): Promise<void> {
    try {
      await this.clock.sleep(ms, call.req.signal);
    } catch (e) {
      throw this.aborted(call, e);
    }
  }

  /** The one GRAPH_ABORTED error: the caller's signal fired. */
  private aborted(call: PreparedCall, cause: unknown): GraphError {
    const { method, path } = call.base;
    return this.count(new GraphError({ ...call.base, code: "GRAPH_ABORTED", summary: `Graph ${method} ${path} was cancelled.`, cause }));
  }

  private resolveTarget(req: GraphRequest): ResolvedTarget {
    let relative: string;
    let endpoint: Endpoint | undefined;
    if (req.url !== undefined) {
      // Absolute URLs come from @odata.nextLink: only ever send our token back to our own Graph endpoint.
      const url = new URL(req.url);
      if (url.origin !== this.base.origin || !url.pathname.startsWith(`${this.base.pathname}/`)) {
        throw new GraphError({
          code: "GRAPH_INVALID_RESPONSE",
          summary: `Refusing to call ${url.origin}${url.pathname}: it is not under the configured Graph endpoint ${this.base.href}.`,
          hint: "Check entra:graphEndpoint and entra:apiVersion.",
        });
      }
      const pathOnly = url.pathname.slice(this.base.pathname.length);
      const match = routeOf(pathOnly);
      return { url, pathOnly, route: match.route, endpoint: match.endpoint };
    }
    if (req.endpoint !== undefined) {
      endpoint = req.endpoint;
      relative = fillPath(req.endpoint, (req.params ?? {}) as Record<string, string>);
    } else {
      relative = req.path.startsWith("/") ? req.path : `/${req.path}`;
      endpoint = routeOf(relative).endpoint;
    }
    const url = new URL(`${this.base.href}${relative}`);
    for (const [k, v] of Object.entries(req.query ?? {})) {
      if (v !== undefined) url.searchParams.append(k, String(v));
    }
    // URLSearchParams writes spaces as "+"; OData expressions are safer with %20.
    url.search = url.search.replace(/\+/g, "%20");
    return { url, pathOnly: relative, route: endpoint?.template ?? routeOf(relative).route, endpoint };
  }

  private timeout(call: PreparedCall, last: Failure | undefined): GraphError {
    return this.count(timeoutError(call.base, call.req.timeoutMs ?? this.settings.operationTimeoutMs, last?.error));
  }

  private parsedOrCounted(text: string, headers: Record<string, string>, status: number, base: ErrorBase, requestId: string | undefined): unknown {
    try {
      return parseBody(text, headers, status, base, requestId);
    } catch (e) {
      throw e instanceof GraphError ? this.count(e) : e;
    }
  }

  private count(e: GraphError): GraphError {
    this.counters.recordError(e.code);
    return e;
  }
}

function flattenHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}


/** The `code` of a transport error, looking through undici's `cause` chain (e.g. UND_ERR_SOCKET → ECONNRESET). */

function combineSignals(signal: AbortSignal | undefined, remainingMs: number): AbortSignal {
  const timeout = AbortSignal.timeout(Math.max(1, Math.ceil(remainingMs)));
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}

const clients = new Map<string, GraphClient>();

/**
 * The process-wide client for these settings: every resource in a stack shares one client (one limiter, one token
 * cache, one connection pool) per settings identity. The identity key includes a hash of the secret, never the secret.
 */
export function getGraphClient(settings: GraphSettings, options?: Pick<GraphClientOptions, "logger">): GraphClient {
  const key = createHash("sha256").update(JSON.stringify(settings)).digest("hex");
  let client = clients.get(key);
  if (!client) {
    client = new GraphClient(settings, options);
    clients.set(key, client);
  }
  return client;
}

/** Forgets cached clients (tests). */
export function resetGraphClients(): void {
  clients.clear();
}
