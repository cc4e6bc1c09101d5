import { redact } from "./redact";

/**
 * One structured event per attempt. Logging is by allow-list: these fields are all that is ever emitted —
 * no headers, no bodies, no query strings, no tokens.
 */
export interface GraphLogEvent {
  method: string;
  /** Route template, e.g. `/servicePrincipals/{spId}/synchronization/jobs/{jobId}`. */
  route: string;
  /** HTTP status; 0 for a network error. */
  status: number;
  /** 1 for the first attempt. */
  attempt: number;
  durationMs: number;
  requestId?: string;
  clientRequestId?: string;
  /** What happens next: done, retry after `delayMs`, or the error code surfaced. */
  outcome: "ok" | "retry" | "error";
  delayMs?: number;
  /** Why we retry or fail: `throttled`, `transient`, `consistency`, `auth`, or a GraphError code. */
  reason?: string;
}

export type GraphLogger = (event: GraphLogEvent) => void;

const FIELDS: ReadonlyArray<keyof GraphLogEvent> = [
  "method",
  "route",
  "status",
  "attempt",
  "durationMs",
  "requestId",
  "clientRequestId",
  "outcome",
  "delayMs",
  "reason",
];

/** Renders an event as one line of `key=value` pairs, allow-listed fields only. */
export function formatLogEvent(event: GraphLogEvent): string {
  const parts: string[] = ["graph"];
  for (const field of FIELDS) {
    const value = event[field];
    if (value !== undefined) parts.push(`${field}=${String(value)}`);
  }
  return redact(parts.join(" "));
}

/**
 * Default logger: silent unless `ENTRA_GRAPH_LOG=1`, then one line per attempt on stderr (the dynamic-provider
 * host forwards stderr to the engine's diagnostics).
 */
export function defaultLogger(env: NodeJS.ProcessEnv = process.env): GraphLogger {
  if (env.ENTRA_GRAPH_LOG === "1" || env.ENTRA_GRAPH_LOG === "true") {
    return (event) => process.stderr.write(`${formatLogEvent(event)}\n`);
  }
  return () => undefined;
}
