/** Public option and handle types (re-exported by emulator/index.ts). */
export interface EmulatorOptions {
  /** 0 = any free port (default 0). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Plain HTTP for Graph and token routes (default false: HTTPS with a generated CA + cert). */
  http?: boolean;
  /** Mean added latency per request in ms (default 0); lognormally distributed around it. */
  latencyMs?: number;
  /** Max replication lag per replica in ms (default 0). */
  replicationLagMs?: number;
  /**
   * Max extra lag before lists and $filter queries see a write, per replica, in ms (default: twice
   * replicationLagMs). Lists never see a write before reads by id on the same replica do.
   */
  listLagMs?: number;
  /** Directory replicas (default 3). */
  replicas?: number;
  /**
   * "identity-default" = resource-unit buckets per https://learn.microsoft.com/graph/throttling-limits#identity-and-access-service-limits;
   * a number = requests/second per tenant. Default "off".
   */
  throttle?: "off" | "identity-default" | number;
  /** Share of requests answered with a random 500/502/503/504 or a connection reset (default 0). */
  faultRate?: number;
  /** Share of requests answered 429 with Retry-After at random, independent of the bucket (default 0). */
  throttleRate?: number;
  /** Share of instantiate calls that create the objects but answer 404 (default 0). */
  instantiate404Rate?: number;
  /** Makes all randomness reproducible. */
  seed?: number;
  /** Load at start; written atomically (tmp + rename), debounced after changes and on close. */
  stateFile?: string;
  /** Interval between simulated provisioning cycles of a started job in ms (default 2000). */
  cycleIntervalMs?: number;
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  /** Size of the seeded user directory (default 20 users; groups scale with it). */
  users?: number;
}

export interface RunningEmulator {
  /** e.g. "https://127.0.0.1:43123" (no version suffix). */
  graphUrl: string;
  /** Token endpoint = authorityHost + "/{tenantId}/oauth2/v2.0/token". */
  authorityHost: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** PEM of the CA that signed the server certificate (absent with http: true). */
  caFile?: string;
  /** graphUrl + "/_emulator". */
  adminUrl: string;
  close(): Promise<void>;
}
