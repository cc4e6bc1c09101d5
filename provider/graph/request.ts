// The shape of a Graph request and response: what callers of GraphClient write. Endpoint targets
// are checked against the table in endpoints.ts at compile time.
import type { Endpoint, endpoints, HttpMethod } from "./endpoints";

export type QueryValue = string | number | boolean | undefined;

/** What every request may carry besides its method, target and body. */
export interface RequestOptions {
  /** OData/query parameters, e.g. `{ $filter: "displayName eq 'x'", $top: 50 }`. Encoded here. */
  query?: Record<string, QueryValue>;
  /**
   * Override whether a transient failure (5xx, reset connection) may be retried. Defaults from the method and
   * endpoint: GET/PUT/PATCH/DELETE yes, POST only for harmless actions (start, pause, validateCredentials).
   */
  idempotent?: boolean;
  /**
   * `"retry-not-found"`: the target was created moments ago and may not have replicated; retry 404 and
   * 400 NoBackingApplicationObject with backoff until the deadline. Never use it to probe for existence.
   */
  consistency?: "retry-not-found";
  /**
   * With `consistency`: when (client clock, ms) this process created the target. The first attempt
   * waits until the object is about as old as new objects take to become visible (visibility.ts).
   */
  createdAt?: number;
  signal?: AbortSignal;
  /** Extra headers, e.g. `{ ConsistencyLevel: "eventual" }`. Authorization cannot be overridden. */
  headers?: Record<string, string>;
  /** Deadline for this call including retries. Defaults to entra:operationTimeout. */
  timeoutMs?: number;
}

interface WithBody<B> {
  /** Sent as JSON. */
  body?: B;
}

/** Endpoint `P` with exactly its path params. */
type ExactEndpointTarget<P extends string> = { endpoint: Endpoint<P>; path?: never; url?: never } & ([P] extends [never]
  ? { params?: Record<string, never> }
  : { params: Record<P, string> });

type ParamsOf<E> = E extends Endpoint<infer P> ? P : never;

/** Any endpoint of the table in endpoints.ts, each with its own params. */
type AnyEndpointTarget = { [K in keyof typeof endpoints]: ExactEndpointTarget<ParamsOf<(typeof endpoints)[K]>> }[keyof typeof endpoints];

/**
 * Callers name the response type (`get<Job>(…)`), and TypeScript does not infer the remaining type parameters of a
 * call once one is given, so P stays `string`: the params are then checked against the endpoint's own entry in the
 * table (a missing or misspelt param is an error) instead of accepting any record.
 */
type EndpointTarget<P extends string> = string extends P ? AnyEndpointTarget : ExactEndpointTarget<P>;

/** By endpoint + params (preferred), by path relative to the version root, or by absolute Graph URL. */
type Target<P extends string> =
  | EndpointTarget<P>
  | { path: string; endpoint?: never; params?: never; url?: never }
  | { url: string; endpoint?: never; params?: never; path?: never };

/** A request: method, target, options and (for writes) a JSON body. */
export type GraphRequest<B = unknown, P extends string = string> = { method: HttpMethod } & RequestOptions & WithBody<B> & Target<P>;

/** Arguments of `get`, `delete`, `list` and `pages`: a request without method or body. */
export type GraphReadRequest<P extends string = string> = RequestOptions & Target<P>;

/** Arguments of `post`, `patch` and `put`: a request without method. */
export type GraphWriteRequest<B = unknown, P extends string = string> = RequestOptions & WithBody<B> & Target<P>;

export interface GraphResponse<T> {
  status: number;
  /** Parsed JSON; `undefined` for 204 or an empty body. */
  body: T;
  /** Lower-cased response headers. */
  headers: Record<string, string>;
  requestId?: string;
  clientRequestId: string;
}
