// The GraphErrors a call produces, built from what the attempt saw. Kept apart from the retry loop
// in client.ts: these decide what the user reads (code, summary, hint), not whether to try again.
import { codeForStatus, describeTlsFailure, GraphError, type parseGraphErrorBody, tlsFailureOf } from "./errors";
import type { Endpoint, HttpMethod } from "./endpoints";
import { mayHaveBeenProcessed, type AttemptOutcome } from "./retry";
import type { GraphSettings } from "./settings";

/** Identifies a call on every error it produces. */
export type ErrorBase = { method: HttpMethod; path: string; route: string; clientRequestId: string };

/** The parsed body of a success: JSON, text for other content types, undefined when empty. */
export function parseBody(
  text: string,
  headers: Record<string, string>,
  status: number,
  base: ErrorBase,
  requestId: string | undefined,
): unknown {
  if (status === 204 || text.trim() === "") return undefined;
  if (!/json/i.test(headers["content-type"] ?? "json")) return text;
  try {
    return JSON.parse(text);
  } catch {
    throw new GraphError({
      ...base,
      code: "GRAPH_INVALID_RESPONSE",
      status,
      requestId,
      summary: `Graph ${base.method} ${base.path} returned ${status} with a body that is not valid JSON.`,
    });
  }
}

/** The GraphError for an HTTP failure, with the hint that says what to do (permission, possible duplicate write). */
export function httpError(
  settings: GraphSettings,
  base: ErrorBase,
  outcome: AttemptOutcome,
  parsed: ReturnType<typeof parseGraphErrorBody>,
  requestId: string | undefined,
  idempotent: boolean,
  endpoint: Endpoint | undefined,
  attempts: number,
): GraphError {
  const status = outcome.status!;
  // The synchronization API answers a missing permission with 401 UnknownError and an empty
  // message, not 403 (microsoft-graph-docs-contrib issue 8800, terraform-provider-azuread issue
  // 1628). This runs after one fresh token was tried, so the token is not the problem.
  const syncDenied = status === 401 && endpoint !== undefined && endpoint.template.includes("/synchronization");
  const code = syncDenied ? "GRAPH_FORBIDDEN" : codeForStatus(status);
  const graphPart = parsed.graphCode ? ` ${parsed.graphCode}` : "";
  const msgPart = parsed.graphMessage ? `: ${parsed.graphMessage.replace(/\s+$/, "").replace(/\.$/, "")}` : "";
  const mayHaveSucceeded = !idempotent && mayHaveBeenProcessed(outcome);
  let hint: string | undefined;
  if (syncDenied) {
    hint =
      `Graph answers 401 on the synchronization API when the app lacks its permission: grant ${endpoint.permission} to the app registration used by the provider ` +
      `(client ${settings.clientId ?? "from the ambient credential"}) and give admin consent. Application.ReadWrite.OwnedBy works only for applications the caller owns.`;
  } else if (code === "GRAPH_FORBIDDEN" && endpoint) {
    hint = `Grant the application permission ${endpoint.permission} to the app registration used by the provider (client ${settings.clientId ?? "from the ambient credential"}) and give admin consent.`;
  } else if (mayHaveSucceeded) {
    hint = "Graph may have applied this write before failing; check whether the object exists before running the operation again.";
  }
  return new GraphError({
    ...base,
    code,
    status,
    graphCode: parsed.graphCode,
    graphMessage: parsed.graphMessage,
    detailCodes: parsed.detailCodes,
    requestId: requestId ?? parsed.requestId,
    clientRequestId: base.clientRequestId,
    summary: `Graph ${base.method} ${base.path} failed with ${status}${graphPart}${msgPart}.`,
    hint,
    mayHaveSucceeded,
    retryAfterMs: outcome.retryAfterMs,
    attempts,
  });
}

/** GRAPH_NETWORK for a failure before any response (reset, DNS, TLS: an untrusted CA names entra:caFile). */
export function networkError(
  settings: GraphSettings,
  base: ErrorBase,
  cause: unknown,
  idempotent: boolean,
  attempts: number,
): GraphError {
  const errCode = networkCode(cause) ?? "unknown";
  const tls = tlsFailureOf(cause);
  const tlsText = tls && describeTlsFailure(tls, new URL(settings.graphEndpoint).origin, "Graph", settings.caFile);
  const mayHaveSucceeded = !idempotent && mayHaveBeenProcessed({ networkErrorCode: errCode });
  return new GraphError({
    ...base,
    code: "GRAPH_NETWORK",
    summary: `Graph ${base.method} ${base.path} failed before a response arrived${tlsText ? `: ${tlsText.summary}` : ` (${errCode}).`}`,
    hint: tlsText
      ? tlsText.hint
      : mayHaveSucceeded
        ? "Graph may have applied this write before the connection failed; check whether the object exists before running the operation again."
        : undefined,
    mayHaveSucceeded,
    attempts,
    cause: cause instanceof Error ? new Error(cause.message) : undefined,
  });
}

/** GRAPH_TIMEOUT for a call whose deadline passed; `last` is the latest failure, if any. */
export function timeoutError(base: ErrorBase, timeoutMs: number, last: GraphError | undefined): GraphError {
  const seconds = Math.round(timeoutMs / 1000);
  const lastPart = last ? ` Last result: ${last.status ?? last.code}${last.graphCode ? ` ${last.graphCode}` : ""}.` : "";
  return new GraphError({
    ...base,
    code: "GRAPH_TIMEOUT",
    status: last?.status,
    graphCode: last?.graphCode,
    graphMessage: last?.graphMessage,
    detailCodes: last?.detailCodes,
    requestId: last?.requestId,
    mayHaveSucceeded: last?.mayHaveSucceeded,
    summary: `Graph ${base.method} ${base.path} did not complete within ${seconds} s.${lastPart}`,
    cause: last,
  });
}

/** The first `code` along an error's cause chain (undici wraps socket errors). */
export function networkCode(e: unknown): string | undefined {
let current: unknown = e;
let first: string | undefined;
for (let i = 0; i < 4 && current && typeof current === "object"; i++) {
  const code = (current as { code?: unknown }).code;
  if (typeof code === "string") first ??= code;
  current = (current as { cause?: unknown }).cause;
}
return first;
}

export function safeJson(text: string): unknown {
try {
  return JSON.parse(text);
} catch {
  return undefined;
}
}
