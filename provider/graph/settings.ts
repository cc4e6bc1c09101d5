import * as fs from "node:fs";
import { ConfigError } from "./errors";
import { editDistance } from "../suggest";
import { registerSecret } from "./redact";

/**
 * Graph connection settings, read once per provider process from the `entra` stack-config namespace
 * (the dynamic-provider host passes the full stack config to `configure()`), with environment fallbacks.
 */
export interface GraphSettings {
  /** Origin of Microsoft Graph, without a version segment or trailing slash, e.g. `https://graph.microsoft.com`. */
  readonly graphEndpoint: string;
  /**
   * `v1.0` by default: every API this package calls (instantiate, synchronization jobs/schema/secrets,
   * provisionOnDemand, deletedItems, auditLogs/provisioning) is on v1.0 with the same shape as beta
   * (https://learn.microsoft.com/graph/api/resources/synchronization-overview), and v1.0 is the version covered by Graph's support and breaking-change policy.
   * `beta` stays available for tenants that need a beta-only property.
   */
  readonly apiVersion: "v1.0" | "beta";
  /** `graphEndpoint` + `/` + `apiVersion`. */
  readonly baseUrl: string;
  /** Scope requested for Graph tokens: `{graphEndpoint}/.default`. */
  readonly scope: string;
  readonly cloud?: GraphCloud;
  readonly tenantId?: string;
  readonly clientId?: string;
  /** Secret: never logged, never part of an error message. */
  readonly clientSecret?: string;
  readonly clientCertificatePath?: string;
  /** Entra authority, e.g. `https://login.microsoftonline.com`. */
  readonly authorityHost: string;
  /** True when `authorityHost` is not a known public-cloud authority (emulator, private cloud). */
  readonly disableInstanceDiscovery: boolean;
  readonly maxConcurrency: number;
  readonly maxRetries: number;
  readonly operationTimeoutMs: number;
  /** Extra CA certificate (PEM file) to trust besides the system roots, e.g. the emulator's CA. */
  readonly caFile?: string;
}

export type GraphCloud = "public" | "usgov" | "china";

/** Endpoints per national cloud. `cloud` sets both so they cannot be mixed up; explicit keys still win. */
export const CLOUDS: Readonly<Record<GraphCloud, { graphEndpoint: string; authorityHost: string }>> = {
  public: { graphEndpoint: "https://graph.microsoft.com", authorityHost: "https://login.microsoftonline.com" },
  usgov: { graphEndpoint: "https://graph.microsoft.us", authorityHost: "https://login.microsoftonline.us" },
  china: { graphEndpoint: "https://microsoftgraph.chinacloudapi.cn", authorityHost: "https://login.chinacloudapi.cn" },
};

/** Authorities MSAL knows; any other host gets `disableInstanceDiscovery` so MSAL does not ask the public cloud. */
const KNOWN_AUTHORITY_HOSTS = new Set([
  "login.microsoftonline.com",
  "login.microsoftonline.us",
  "login.chinacloudapi.cn",
  "login.partner.microsoftonline.cn",
  "login.windows.net",
  "login.microsoft.com",
  "sts.windows.net",
]);

export const DEFAULT_MAX_CONCURRENCY = 16;
export const DEFAULT_MAX_RETRIES = 10;
export const DEFAULT_OPERATION_TIMEOUT_SECONDS = 600;

const KEYS = [
  "graphEndpoint",
  "apiVersion",
  "tenantId",
  "clientId",
  "clientSecret",
  "clientCertificatePath",
  "authorityHost",
  "cloud",
  "maxConcurrency",
  "maxRetries",
  "operationTimeout",
  "caFile",
] as const;
type Key = (typeof KEYS)[number];

/** The keys of the `entra:` config namespace (without it): the dynamic provider reads each one (resources/runtime.ts). */
export const GRAPH_SETTING_KEYS: readonly Key[] = KEYS;

const NAMESPACE = "entra";

/**
 * Reads and validates Graph settings.
 *
 * Precedence per value: explicit `entra:` key, then the `cloud` preset (when `entra:cloud` is set), then the
 * environment fallback, then the public-cloud default. `cloud` outranks ambient env vars because it is an explicit
 * stack decision and a half-public, half-sovereign pair never works.
 *
 * @param config - stack config; full keys (`entra:maxRetries`) or bare keys (`maxRetries`). Other namespaces are
 *   ignored, because the dynamic-provider host passes the whole stack config.
 * @param env - usually `process.env`.
 * @throws ConfigError naming the key and what to do.
 */
export function loadGraphSettings(
  config: Record<string, string | undefined>,
  env: NodeJS.ProcessEnv = process.env,
): GraphSettings {
  const values = collect(config);
  const fromEnv = (name: string): string | undefined => nonEmpty(env[name]);

  const cloud = values.cloud === undefined ? undefined : parseCloud(values.cloud);
  const preset = cloud ? CLOUDS[cloud] : undefined;

  let graphEndpointRaw = values.graphEndpoint ?? preset?.graphEndpoint ?? fromEnv("ENTRA_GRAPH_ENDPOINT");
  const graphKey = values.graphEndpoint !== undefined || preset ? "entra:graphEndpoint" : "ENTRA_GRAPH_ENDPOINT";
  graphEndpointRaw ??= CLOUDS.public.graphEndpoint;
  const { origin: graphEndpoint, version: versionInUrl } = parseGraphEndpoint(graphEndpointRaw, graphKey);

  const apiVersion = parseApiVersion(values.apiVersion ?? versionInUrl ?? "v1.0");

  const authorityRaw =
    values.authorityHost ?? preset?.authorityHost ?? fromEnv("AZURE_AUTHORITY_HOST") ?? CLOUDS.public.authorityHost;
  const authorityKey =
    values.authorityHost !== undefined || preset ? "entra:authorityHost" : "AZURE_AUTHORITY_HOST";
  const authorityHost = parseUrl(authorityRaw, authorityKey, "the Entra authority, e.g. https://login.microsoftonline.com");

  const tenantId = optionalId(values.tenantId ?? fromEnv("AZURE_TENANT_ID"), values.tenantId, "tenantId", "AZURE_TENANT_ID");
  const clientId = optionalId(values.clientId ?? fromEnv("AZURE_CLIENT_ID"), values.clientId, "clientId", "AZURE_CLIENT_ID");
  const clientSecret = values.clientSecret ?? fromEnv("AZURE_CLIENT_SECRET");
  registerSecret(clientSecret);

  const clientCertificatePath = values.clientCertificatePath;
  if (clientCertificatePath !== undefined) assertReadableFile(clientCertificatePath, "entra:clientCertificatePath");
  if (clientSecret !== undefined && clientCertificatePath !== undefined) {
    throw new ConfigError(
      "entra:clientCertificatePath",
      "entra:clientCertificatePath and a client secret (entra:clientSecret or AZURE_CLIENT_SECRET) are both set. Set only one.",
    );
  }
  if (clientSecret !== undefined || clientCertificatePath !== undefined) {
    const via = clientSecret !== undefined ? "a client secret" : "entra:clientCertificatePath";
    if (tenantId === undefined) {
      throw new ConfigError("entra:tenantId", `entra:tenantId is required with ${via}. Set entra:tenantId or AZURE_TENANT_ID.`);
    }
    if (clientId === undefined) {
      throw new ConfigError("entra:clientId", `entra:clientId is required with ${via}. Set entra:clientId or AZURE_CLIENT_ID.`);
    }
  }

  const caFile = values.caFile ?? fromEnv("ENTRA_CA_FILE");
  if (caFile !== undefined) assertReadableFile(caFile, values.caFile !== undefined ? "entra:caFile" : "ENTRA_CA_FILE");

  const maxConcurrency = parseIntKey(values.maxConcurrency, "maxConcurrency", 1, 256, DEFAULT_MAX_CONCURRENCY);
  const maxRetries = parseIntKey(values.maxRetries, "maxRetries", 0, 20, DEFAULT_MAX_RETRIES);
  const operationTimeout = parseIntKey(
    values.operationTimeout,
    "operationTimeout",
    1,
    86_400,
    DEFAULT_OPERATION_TIMEOUT_SECONDS,
  );

  const baseUrl = `${graphEndpoint}/${apiVersion}`;
  return Object.freeze({
    graphEndpoint,
    apiVersion,
    baseUrl,
    scope: `${graphEndpoint}/.default`,
    cloud,
    tenantId,
    clientId,
    clientSecret,
    clientCertificatePath,
    authorityHost,
    disableInstanceDiscovery: !KNOWN_AUTHORITY_HOSTS.has(new URL(authorityHost).hostname.toLowerCase()),
    maxConcurrency,
    maxRetries,
    operationTimeoutMs: operationTimeout * 1000,
    caFile,
  });
}

/** Picks our keys out of the config map, rejecting unknown `entra:` keys with the closest valid one. */
function collect(config: Record<string, string | undefined>): Partial<Record<Key, string>> {
  const out: Partial<Record<Key, string>> = {};
  for (const [fullKey, raw] of Object.entries(config)) {
    const colon = fullKey.indexOf(":");
    if (colon >= 0 && fullKey.slice(0, colon) !== NAMESPACE) continue; // another provider's or the project's key
    const key = colon >= 0 ? fullKey.slice(colon + 1) : fullKey;
    if (!(KEYS as readonly string[]).includes(key)) {
      const closest = closestKey(key);
      throw new ConfigError(
        `${NAMESPACE}:${key}`,
        `${NAMESPACE}:${key} is not a known setting${closest ? `; did you mean ${NAMESPACE}:${closest}?` : "."} ` +
          `Valid keys: ${KEYS.map((k) => `${NAMESPACE}:${k}`).join(", ")}.`,
      );
    }
    const value = nonEmpty(raw);
    if (value !== undefined) out[key as Key] = value;
  }
  return out;
}

function nonEmpty(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const t = v.trim();
  return t === "" ? undefined : t;
}

function closestKey(key: string): string | undefined {
  let best: { key: string; d: number } | undefined;
  for (const k of KEYS) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (!best || d < best.d) best = { key: k, d };
  }
  return best && best.d <= Math.max(3, Math.floor(key.length / 3)) ? best.key : undefined;
}

/** Quotes a user value for a message. Only used for non-secret keys. */
function shown(v: string): string {
  return JSON.stringify(v.length > 80 ? `${v.slice(0, 77)}...` : v);
}

function parseCloud(v: string): GraphCloud {
  const lower = v.toLowerCase();
  if (lower === "public" || lower === "usgov" || lower === "china") return lower;
  throw new ConfigError("entra:cloud", `entra:cloud must be one of public, usgov, china, got ${shown(v)}.`);
}

function parseApiVersion(v: string): "v1.0" | "beta" {
  if (v === "v1.0" || v === "beta") return v;
  throw new ConfigError("entra:apiVersion", `entra:apiVersion must be "v1.0" or "beta", got ${shown(v)}.`);
}

function parseUrl(v: string, key: string, what: string): string {
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new ConfigError(key, `${key} must be an absolute URL of ${what}, got ${shown(v)}.`);
  }
  // Plain http only for loopback (an emulator); anything else would send tokens in clear text.
  const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw new ConfigError(key, `${key} must use https (http is allowed only for localhost), got ${shown(v)}.`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new ConfigError(key, `${key} must not contain credentials, a query or a fragment. Use the bare URL of ${what}.`);
  }
  return url.origin + url.pathname.replace(/\/+$/, "");
}

/** Accepts `https://host`, `https://host/` and `https://host/v1.0`; a version segment is split off. */
function parseGraphEndpoint(v: string, key: string): { origin: string; version?: "v1.0" | "beta" } {
  const url = parseUrl(v, key, "Microsoft Graph, e.g. https://graph.microsoft.com");
  const match = /^(.*?)\/(v1\.0|beta)$/.exec(url);
  if (match) return { origin: match[1], version: match[2] as "v1.0" | "beta" };
  return { origin: url };
}

/** Tenant and client ids: a GUID, or (tenant) a domain name such as contoso.onmicrosoft.com. */
function optionalId(v: string | undefined, explicit: string | undefined, key: string, envName: string): string | undefined {
  if (v === undefined) return undefined;
  if (/^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(v)) return v;
  const source = explicit !== undefined ? `entra:${key}` : envName;
  throw new ConfigError(`entra:${key}`, `${source} must be a GUID${key === "tenantId" ? " or a domain name" : ""}, got ${shown(v)}.`);
}

function parseIntKey(v: string | undefined, key: string, min: number, max: number, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!/^\s*-?\d+\s*$/.test(v) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new ConfigError(
      `entra:${key}`,
      `entra:${key} must be an integer between ${min} and ${max}, got ${shown(v)}. Set it with \`pulumi config set entra:${key} <n>\` or remove it to use the default (${fallback}).`,
    );
  }
  return n;
}

function assertReadableFile(path: string, key: string): void {
  try {
    fs.accessSync(path, fs.constants.R_OK);
    if (!fs.statSync(path).isFile()) throw new Error("not a file");
  } catch {
    throw new ConfigError(key, `${key} must name a readable file, got ${shown(path)}. Check the path and its permissions.`);
  }
}
