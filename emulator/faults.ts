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
      default:
        throw badRequest(`Unknown fault setting '${k}'. Known: latencyMs, replicationLagMs, throttle, faultRate, throttleRate, instantiate404Rate.`);
    }
  }
  return next;
}
