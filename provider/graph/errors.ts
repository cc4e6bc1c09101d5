import { EntraError, type EntraErrorCode } from "../errors";
import { redact } from "./redact";

/**
 * The codes of Graph failures: the `GRAPH_*` members of the package's code union (provider/errors.ts,
 * where each is described). Callers match on `err.code`, never on message text.
 */
export type GraphErrorCode = Extract<EntraErrorCode, `GRAPH_${string}`>;

/** What the caller should do next, keyed by code. Kept short; the message adds request specifics. */
const NEXT_STEP: Record<GraphErrorCode, string> = {
  GRAPH_BAD_REQUEST: "Check the values sent for this object against the Graph documentation.",
  GRAPH_AUTH:
    "Check entra:tenantId, entra:clientId and the client secret or certificate (or the AZURE_* environment variables).",
  GRAPH_FORBIDDEN: "Grant the missing permission to the app registration and give admin consent.",
  GRAPH_NOT_FOUND:
    "The object does not exist or has not replicated yet; if it was created moments ago, run the operation again.",
  GRAPH_CONFLICT: "Another change to the same object is in progress or it already exists; run the operation again.",
  GRAPH_THROTTLED: "Graph is throttling this app and tenant; lower entra:maxConcurrency or run the operation later.",
  GRAPH_UNAVAILABLE:
    "Graph is temporarily unavailable; run the operation again (raise entra:maxRetries if this persists).",
  GRAPH_TIMEOUT: "Raise entra:operationTimeout (seconds) or run the operation again.",
  GRAPH_ABORTED: "The operation was cancelled.",
  GRAPH_NETWORK: "Check network access to the Graph endpoint (proxy, firewall, DNS, entra:caFile).",
  GRAPH_INVALID_RESPONSE: "Graph returned an unexpected body; run the operation again or report it.",
};

export interface GraphErrorInit {
  code: GraphErrorCode;
  /** What happened, without the next step or ids (they are appended). */
  summary: string;
  status?: number;
  graphCode?: string;
  graphMessage?: string;
  /** Codes from Graph's `error.details[].code`, e.g. `NoBackingApplicationObject`. */
  detailCodes?: string[];
  requestId?: string;
  clientRequestId?: string;
  method?: string;
  path?: string;
  route?: string;
  hint?: string;
  /** True when a non-idempotent write failed after it was sent, so Graph may have applied it. */
  mayHaveSucceeded?: boolean;
  retryAfterMs?: number;
  attempts?: number;
  cause?: unknown;
}

/**
 * Kept beside EntraError's brand so that errors thrown by an older copy of this package (one
 * without EntraError) are still recognised: see provider/errors.ts for why brands, not `instanceof`.
 */
const GRAPH_ERROR_BRAND = Symbol.for("pulumi-entra-provisioning.GraphError");

/** Every Graph failure the client surfaces. Fields never hold credentials or request bodies. */
export class GraphError extends EntraError<GraphErrorCode> {
  override readonly name = "GraphError";
  readonly status?: number;
  readonly graphCode?: string;
  readonly graphMessage?: string;
  readonly detailCodes: string[];
  readonly requestId?: string;
  readonly clientRequestId?: string;
  readonly method?: string;
  readonly path?: string;
  readonly route?: string;
  readonly hint: string;
  readonly mayHaveSucceeded: boolean;
  readonly retryAfterMs?: number;
  readonly attempts?: number;

  constructor(init: GraphErrorInit) {
    const hint = init.hint ?? NEXT_STEP[init.code];
    const ids = [
      init.requestId ? `request-id: ${init.requestId}` : undefined,
      init.clientRequestId ? `client-request-id: ${init.clientRequestId}` : undefined,
    ].filter((s): s is string => s !== undefined);
    const message = redact(`${init.summary} ${hint}${ids.length ? ` (${ids.join(", ")})` : ""}`);
    super(init.code, message, { cause: init.cause });
    this.status = init.status;
    this.graphCode = init.graphCode;
    this.graphMessage = init.graphMessage === undefined ? undefined : redact(init.graphMessage);
    this.detailCodes = init.detailCodes ?? [];
    this.requestId = init.requestId;
    this.clientRequestId = init.clientRequestId;
    this.method = init.method;
    this.path = init.path;
    this.route = init.route;
    this.hint = redact(hint);
    this.mayHaveSucceeded = init.mayHaveSucceeded ?? false;
    this.retryAfterMs = init.retryAfterMs;
    this.attempts = init.attempts;
    Object.defineProperty(this, GRAPH_ERROR_BRAND, { value: true });
  }

  /**
   * The same failure (code, status, ids) told for the caller's context: a new summary and next step
   * (e.g. which input to fix). This error becomes the `cause`.
   */
  rephrased(summary: string, hint: string): GraphError {
    return new GraphError({
      code: this.code,
      summary,
      hint,
      status: this.status,
      graphCode: this.graphCode,
      graphMessage: this.graphMessage,
      detailCodes: this.detailCodes,
      requestId: this.requestId,
      clientRequestId: this.clientRequestId,
      method: this.method,
      path: this.path,
      route: this.route,
      mayHaveSucceeded: this.mayHaveSucceeded,
      retryAfterMs: this.retryAfterMs,
      attempts: this.attempts,
      cause: this,
    });
  }

  /** Works across copies of this package in one process (see provider/errors.ts). */
  static isGraphError(e: unknown): e is GraphError {
    return typeof e === "object" && e !== null && (e as Record<symbol, unknown>)[GRAPH_ERROR_BRAND] === true;
  }
}

/** Type guard that also checks the code: `isGraphError(e, "GRAPH_NOT_FOUND")`. */
export function isGraphError(e: unknown, ...codes: GraphErrorCode[]): e is GraphError {
  return GraphError.isGraphError(e) && (codes.length === 0 || codes.includes(e.code));
}

/** Invalid or missing provider configuration. `key` is the full config key, e.g. `entra:maxRetries`. */
export class ConfigError extends EntraError<"CONFIG_INVALID"> {
  override readonly name = "ConfigError";
  constructor(
    readonly key: string,
    message: string,
  ) {
    super("CONFIG_INVALID", redact(message));
  }
}

/** Maps an HTTP status to our stable code. Classification uses status (and Graph's code), never message text. */
export function codeForStatus(status: number): GraphErrorCode {
  if (status === 401) return "GRAPH_AUTH";
  if (status === 403) return "GRAPH_FORBIDDEN";
  if (status === 404 || status === 410) return "GRAPH_NOT_FOUND";
  if (status === 409 || status === 412) return "GRAPH_CONFLICT";
  if (status === 429) return "GRAPH_THROTTLED";
  if (status === 408 || status >= 500) return "GRAPH_UNAVAILABLE";
  return "GRAPH_BAD_REQUEST";
}

/** The parts of a Graph OData error body (`{"error":{code,message,details,innerError}}`) we keep. */
export interface ParsedGraphError {
  graphCode?: string;
  graphMessage?: string;
  detailCodes: string[];
  requestId?: string;
  clientRequestId?: string;
}

export function parseGraphErrorBody(body: unknown): ParsedGraphError {
  const out: ParsedGraphError = { detailCodes: [] };
  if (body === null || typeof body !== "object") return out;
  const error = (body as { error?: unknown }).error;
  if (error === null || typeof error !== "object") return out;
  const e = error as Record<string, unknown>;
  if (typeof e.code === "string") out.graphCode = e.code;
  if (typeof e.message === "string") out.graphMessage = e.message;
  if (Array.isArray(e.details)) {
    for (const d of e.details) {
      const code = (d as { code?: unknown } | null)?.code;
      if (typeof code === "string") out.detailCodes.push(code);
    }
  }
  const inner = (e.innerError ?? e.innererror) as Record<string, unknown> | undefined;
  if (inner && typeof inner === "object") {
    if (typeof inner["request-id"] === "string") out.requestId = inner["request-id"];
    if (typeof inner["client-request-id"] === "string") out.clientRequestId = inner["client-request-id"];
  }
  return out;
}

/**
 * What is wrong with a server's TLS certificate, from Node's error code (never the message):
 * - `untrusted`: the chain ends at a CA this process does not trust (a private CA, a TLS-inspecting proxy, the
 *   emulator's CA): trusting that CA (entra:caFile, NODE_EXTRA_CA_CERTS) fixes it;
 * - `expired`: outside the certificate's validity period (or this machine's clock is wrong);
 * - `hostname`: the certificate is for another host name;
 * - `invalid`: rejected for another reason (revoked, bad signature, not a CA, …).
 */
export type TlsProblem = "untrusted" | "expired" | "hostname" | "invalid";

export interface TlsFailure {
  problem: TlsProblem;
  /** Node's code, e.g. UNABLE_TO_VERIFY_LEAF_SIGNATURE. */
  code: string;
}

const TLS_PROBLEMS: Record<string, TlsProblem> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "untrusted",
  UNABLE_TO_GET_ISSUER_CERT: "untrusted",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "untrusted",
  SELF_SIGNED_CERT_IN_CHAIN: "untrusted",
  DEPTH_ZERO_SELF_SIGNED_CERT: "untrusted",
  CERT_UNTRUSTED: "untrusted",
  CERT_HAS_EXPIRED: "expired",
  CERT_NOT_YET_VALID: "expired",
  ERR_TLS_CERT_ALTNAME_INVALID: "hostname",
  HOSTNAME_MISMATCH: "hostname",
  CERT_REVOKED: "invalid",
  CERT_REJECTED: "invalid",
  CERT_SIGNATURE_FAILURE: "invalid",
  CERT_CHAIN_TOO_LONG: "invalid",
  INVALID_CA: "invalid",
  INVALID_PURPOSE: "invalid",
  PATH_LENGTH_EXCEEDED: "invalid",
  UNABLE_TO_DECRYPT_CERT_SIGNATURE: "invalid",
  UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: "invalid",
  ERR_TLS_CERT_ALTNAME_FORMAT: "invalid",
};

/** The certificate failure behind a transport error: `err.code`, through `cause` chains and AggregateErrors. */
export function tlsFailureOf(e: unknown): TlsFailure | undefined {
  const queue: unknown[] = [e];
  for (let seen = 0; queue.length && seen < 12; seen++) {
    const current = queue.shift();
    if (!current || typeof current !== "object") continue;
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && Object.prototype.hasOwnProperty.call(TLS_PROBLEMS, code)) return { problem: TLS_PROBLEMS[code], code };
    queue.push((current as { cause?: unknown }).cause);
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors)) queue.push(...errors);
  }
  return undefined;
}

/**
 * What went wrong with the certificate of `origin` (`what`: e.g. "the token endpoint"), as a clause to follow a
 * colon, and the next step. Never points at the tenant, client id or secret: no credential was sent over this connection.
 */
export function describeTlsFailure(f: TlsFailure, origin: string, what: string, caFile?: string): { summary: string; hint: string } {
  const where = `${what} ${origin}`;
  switch (f.problem) {
    case "untrusted":
      return {
        summary: `the TLS certificate of ${where} is not trusted (${f.code}): it is signed by a CA this machine does not trust.`,
        hint: caFile
          ? `entra:caFile (${caFile}) does not hold the CA that signed it: point entra:caFile (or ENTRA_CA_FILE) at that CA's PEM file, or add the CA to the PEM file named by NODE_EXTRA_CA_CERTS. Credentials are not the problem.`
          : "If the endpoint uses a private CA (a TLS-inspecting proxy, a private cloud, the emulator), set entra:caFile (or ENTRA_CA_FILE) to that CA's PEM file, or name a PEM file holding it in NODE_EXTRA_CA_CERTS. Credentials are not the problem.",
      };
    case "expired":
      return {
        summary: `the TLS certificate of ${where} has expired or is not yet valid (${f.code}).`,
        hint: "Check the server's certificate and this machine's clock. Credentials are not the problem.",
      };
    case "hostname":
      return {
        summary: `the TLS certificate of ${where} is not valid for that host name (${f.code}).`,
        hint: "Check the URL (entra:graphEndpoint, entra:authorityHost): the certificate names another host. Credentials are not the problem.",
      };
    default:
      return {
        summary: `the TLS certificate of ${where} was rejected (${f.code}).`,
        hint: "Check the server's certificate chain (and entra:caFile, if set). Credentials are not the problem.",
      };
  }
}
