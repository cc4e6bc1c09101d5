import { badRequest } from "./errors";
import { Rng } from "./random";
import { ThrottleMode } from "./throttle";

/**
 * Run-time fault settings (also exposed through GET/PATCH /_emulator/faults) and the random
 * decisions made from them. All draws use the seeded Rng.
 */
export interface FaultSettings {
  latencyMs: number;
  replicationLagMs: number;
  throttle: ThrottleMode;
  faultRate: number;
  throttleRate: number;
  instantiate404Rate: number;
  /** Extra lag of list and $filter queries behind reads by id; null: twice replicationLagMs. */
  listLagMs: number | null;
  /** Deterministic failures: the next `times` requests matching a route answer `status`. */
  failures: FailureRule[];
}

/**
 * "Answer the next `times` `method route` requests with `status`", e.g.
 * `{"method":"PATCH","route":"/servicePrincipals/{id}","status":403}`. `route` is the route
 * template as /_emulator/stats prints it. Lets tests and users make one step of a deployment fail
 * (a missing permission, a 5xx that outlasts retries) without random faults. Emulator-defined.
 */
export interface FailureRule {
  method: string;
  route: string;
  status: number;
  /** How many matching requests fail (default 1); the rule is dropped when it reaches 0. */
  times: number;
}

const RULE_ERRORS: Record<number, [code: string, message: string]> = {
  400: ["BadRequest", "The request is invalid (injected by the emulator's failure rule)."],
  403: ["Authorization_RequestDenied", "Insufficient privileges to complete the operation."],
  404: ["Request_ResourceNotFound", "Resource does not exist or one of its queried reference-property objects are not present."],
  409: ["Conflict", "The request conflicts with the current state (injected by the emulator's failure rule)."],
};

/** The rule matching this request, consumed by one; undefined when none matches. */
export function takeFailure(settings: FaultSettings, method: string, template: string): [status: number, code: string, message: string] | undefined {
  const i = settings.failures.findIndex((r) => r.method === method && r.route === template);
  if (i < 0) return undefined;
  const rule = settings.failures[i];
  rule.times -= 1;
  if (rule.times <= 0) settings.failures.splice(i, 1);
  const [code, message] = RULE_ERRORS[rule.status] ?? FAULT_ERRORS[rule.status] ?? ["generalException", "An unspecified error has occurred."];
  return [rule.status, code, message];
}

function failureRules(v: unknown): FailureRule[] {
  if (!Array.isArray(v)) throw badRequest("'failures' must be an array of {method, route, status, times?}.");
  return v.map((r, i) => {
    const o = (r ?? {}) as Record<string, unknown>;
    const extra = Object.keys(o).find((k) => !["method", "route", "status", "times"].includes(k));
    if (extra) throw badRequest(`failures[${i}]: unknown property '${extra}'. Known: method, route, status, times.`);
    if (typeof o.method !== "string" || typeof o.route !== "string") throw badRequest(`failures[${i}]: 'method' and 'route' (a template such as /servicePrincipals/{id}) are required.`);
    if (typeof o.status !== "number" || o.status < 400 || o.status > 599) throw badRequest(`failures[${i}]: 'status' must be an HTTP error status (400-599).`);
    const times = o.times === undefined ? 1 : o.times;
    if (typeof times !== "number" || !Number.isInteger(times) || times < 1) throw badRequest(`failures[${i}]: 'times' must be a positive integer.`);
    return { method: o.method.toUpperCase(), route: o.route, status: o.status, times };
  });
}

export type Fault = { kind: "reset" } | { kind: "status"; status: 500 | 502 | 503 | 504 };

const STATUSES = [500, 502, 503, 504] as const;

export function drawFault(rng: Rng, faultRate: number): Fault | undefined {
  if (!rng.chance(faultRate)) return undefined;
  const pick = rng.int(STATUSES.length + 1);
  return pick === STATUSES.length ? { kind: "reset" } : { kind: "status", status: STATUSES[pick] };
}

export const FAULT_ERRORS: Record<number, [code: string, message: string]> = {
  500: ["generalException", "An unspecified error has occurred."],
  502: ["serviceNotAvailable", "Bad gateway: the upstream directory service did not respond correctly."],
  503: ["serviceNotAvailable", "The service is temporarily unavailable. Please retry later."],
  504: ["serviceNotAvailable", "Gateway timeout: the request did not complete in time."],
};

export function parseThrottle(v: unknown): ThrottleMode {
  if (v === "off" || v === "identity-default") return v;
  const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
  if (!Number.isFinite(n) || n <= 0) throw badRequest(`Invalid throttle '${String(v)}': use "off", "identity-default" or a positive requests-per-second number.`);
  return n;
}

function rate(name: string, v: unknown): number {
  if (typeof v !== "number" || !(v >= 0 && v <= 1)) throw badRequest(`'${name}' must be a number between 0 and 1.`);
  return v;
}

function nonNegative(name: string, v: unknown): number {
  if (typeof v !== "number" || !(v >= 0) || !Number.isFinite(v)) throw badRequest(`'${name}' must be a non-negative number.`);
  return v;
}

/** Validates a PATCH body; unknown fields are rejected so typos do not silently do nothing. */
export function applyFaultPatch(current: FaultSettings, body: Record<string, unknown>): FaultSettings {
  const next = { ...current };
  for (const [k, v] of Object.entries(body)) {
    switch (k) {
      case "latencyMs":
      case "replicationLagMs":
        next[k] = nonNegative(k, v);
        break;
      case "faultRate":
      case "throttleRate":
      case "instantiate404Rate":
        next[k] = rate(k, v);
        break;
      case "throttle":
        next.throttle = parseThrottle(v);
        break;
      case "listLagMs":
        next.listLagMs = v === null ? null : nonNegative(k, v);
        break;
      case "failures":
        next.failures = failureRules(v);
        break;
      default:
        throw badRequest(`Unknown fault setting '${k}'. Known: latencyMs, replicationLagMs, throttle, faultRate, throttleRate, instantiate404Rate, listLagMs, failures.`);
    }
  }
  return next;
}
