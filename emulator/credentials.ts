import { badRequest } from "./errors";
import { SYNCHRONIZATION_SECRET_KEYS } from "./shapes";
import { KeyValue } from "./sync-store";

/**
 * Credential handling for synchronization connectors.
 *
 * The emulator has no third-party application to call, so it decides whether credentials "work"
 * by a documented convention (emulator/README.md):
 *   - every key the connector requires (see catalogue.ts) must be present with a non-empty value;
 *   - a value starting with `invalid-` is rejected by the "target application".
 * Anything else is accepted. This lets users test the rejected-credentials path deterministically.
 */
export const REJECT_PREFIX = "invalid-";

/**
 * Secret-bearing keys: GET /synchronization/secrets never returns them in clear
 * (https://learn.microsoft.com/entra/identity/app-provisioning/skip-out-of-scope-deletions).
 */
export const SECRET_KEYS: ReadonlySet<string> = new Set([
  "Password", "SecretToken", "ClientSecret", "AppKey", "ConsumerSecret", "TokenKey", "Oauth2AccessToken",
  "Oauth2RefreshToken", "Oauth2ClientSecret", "Oauth2AuthorizationCode", "ConnectionString", "SyncAgentCompatibilityKey",
]);

export const MASK = "*";

export interface CredentialProblem {
  code: string;
  message: string;
  key: string;
}

/** Connector-style error-code prefix, e.g. "Salesforce" → SalesforceInvalidCredentials (the doc's quarantine example). */
export function connectorPrefix(factoryTag: string, targetDirectory: string): string {
  if (/^(customappsso|customscim)$/i.test(factoryTag)) return "SystemForCrossDomainIdentityManagement";
  return targetDirectory.replace(/[^A-Za-z0-9]/g, "");
}

export function checkCredentials(required: readonly string[], creds: readonly KeyValue[], prefix: string): CredentialProblem | undefined {
  const byKey = new Map(creds.map((c) => [c.key, c.value]));
  for (const key of required) {
    const value = byKey.get(key);
    if (value === undefined || value === "") {
      return {
        code: `${prefix}MissingCredentials`,
        key,
        message: `The credential '${key}' is required by this application's provisioning connector and was not provided.`,
      };
    }
    if (value.startsWith(REJECT_PREFIX)) {
      return {
        code: `${prefix}InvalidCredentials`,
        key,
        message: `The application rejected the credential '${key}'. Verify the value and try again. ` +
          `(Emulator: values starting with '${REJECT_PREFIX}' are always rejected.)`,
      };
    }
  }
  return undefined;
}

/** Validates `[{key, value}]` from a request body; keys must be synchronizationSecret enum names. */
export function parseKeyValues(raw: unknown, what: string): KeyValue[] {
  if (!Array.isArray(raw)) throw badRequest(`'${what}' must be an array of {key, value} pairs.`);
  return raw.map((item, i) => {
    if (!item || typeof item !== "object" || Array.isArray(item)) throw badRequest(`${what}[${i}] must be an object.`);
    const { key, value, ...rest } = item as Record<string, unknown>;
    const extra = Object.keys(rest).find((k) => !k.startsWith("@odata."));
    if (extra) {
      throw badRequest(`The property '${extra}' does not exist on type 'microsoft.graph.synchronizationSecretKeyStringValuePair'. ` +
        "Make sure to only use property names that are defined by the type.");
    }
    if (typeof key !== "string" || !SYNCHRONIZATION_SECRET_KEYS.has(key)) {
      throw badRequest(`The value '${String(key)}' of ${what}[${i}].key is not a valid 'microsoft.graph.synchronizationSecret' member.`);
    }
    if (value !== null && value !== undefined && typeof value !== "string") throw badRequest(`${what}[${i}].value must be a string.`);
    return { key, value: (value as string | null | undefined) ?? "" };
  });
}

export function maskSecrets(set: readonly KeyValue[]): KeyValue[] {
  return set.map((kv) => (SECRET_KEYS.has(kv.key) ? { key: kv.key, value: MASK } : kv));
}

/** The bearer-token credential of SCIM connectors (https://learn.microsoft.com/graph/api/synchronization-serviceprincipal-put-synchronization). */
export const BEARER_KEYS: ReadonlySet<string> = new Set(["SecretToken"]);

/** OAuth credential keys (synchronizationSecret members named Oauth2…). */
export const OAUTH_KEYS: ReadonlySet<string> = new Set([
  "Oauth2AccessToken", "Oauth2AccessTokenCreationTime", "Oauth2RefreshToken", "Oauth2ClientId", "Oauth2ClientSecret",
  "Oauth2AuthorizationCode", "Oauth2RedirectUri", "Oauth2TokenExchangeUri", "Oauth2AuthorizationUri",
]);

/** The keys whose absence makes Graph drop a secrets PUT while answering 204 (see FIDELITY.md, "Secrets"). */
export const SETTINGS_KEYS = ["SyncAll", "SyncNotificationSettings"] as const;

/**
 * The provisioning settings a secrets set carries (sources in FIDELITY.md, "Secrets"):
 * - SyncAll "true": all users and groups are in scope, anything else: only assigned ones;
 * - SkipOutOfScopeDeletions "True": objects that leave scope are left as they are in the target
 *   (https://learn.microsoft.com/entra/identity/app-provisioning/skip-out-of-scope-deletions);
 * - SyncNotificationSettings, a JSON string: Enabled/Recipients (quarantine emails) and the
 *   accidental-deletions threshold DeleteThresholdEnabled/DeleteThresholdValue, both "per job
 *   settings" that default to true and 500
 *   (https://learn.microsoft.com/entra/identity/hybrid/cloud-sync/how-to-inbound-synch-ms-graph#accidental-deletes).
 */
export interface SyncSettings {
  syncAll: boolean;
  skipOutOfScopeDeletions: boolean;
  notificationsEnabled: boolean;
  recipients: string;
  deleteThresholdEnabled: boolean;
  deleteThresholdValue: number;
}

export const DEFAULT_DELETE_THRESHOLD = 500;

const NOTIFICATION_FIELDS: Record<string, "boolean" | "string" | "count"> = {
  Enabled: "boolean",
  Recipients: "string",
  DeleteThresholdEnabled: "boolean",
  DeleteThresholdValue: "count",
};

/** Problems with the settings values of a PUT (400 Request_BadRequest; emulator-defined strictness). */
export function settingsProblem(set: readonly KeyValue[]): string | undefined {
  for (const { key, value } of set) {
    if ((key === "SyncAll" || key === "SkipOutOfScopeDeletions") && !/^(true|false)$/i.test(value)) {
      return `The value of '${key}' must be "true" or "false" (any case), got '${value}'.`;
    }
    if (key === "SyncNotificationSettings") {
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        return "The value of 'SyncNotificationSettings' must be a JSON object string, e.g. {\"Enabled\":false,\"DeleteThresholdEnabled\":true,\"DeleteThresholdValue\":500}.";
      }
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return "The value of 'SyncNotificationSettings' must be a JSON object.";
      for (const [field, v] of Object.entries(parsed as Record<string, unknown>)) {
        const kind = NOTIFICATION_FIELDS[field];
        if (!kind) return `SyncNotificationSettings has no field '${field}' (known: ${Object.keys(NOTIFICATION_FIELDS).join(", ")}).`;
        const okType = kind === "count" ? typeof v === "number" && Number.isInteger(v) && v >= 0 : typeof v === kind;
        if (!okType) return `SyncNotificationSettings.${field} must be ${kind === "count" ? "a non-negative whole number" : `a ${kind}`}, got ${JSON.stringify(v)}.`;
      }
    }
  }
  return undefined;
}

/**
 * A PUT that mixes the bearer token with OAuth keys answers 500 and is dropped (AzureAD/SCIMReferenceCode,
 * scim-onboarding.agent.md: "NEVER mix bearer + OAuth keys in the same PUT … Graph returns 500").
 */
export function mixedAuthKeys(set: readonly KeyValue[]): { bearer: string; oauth: string } | undefined {
  const bearer = set.find((kv) => BEARER_KEYS.has(kv.key));
  const oauth = set.find((kv) => OAUTH_KEYS.has(kv.key));
  return bearer && oauth ? { bearer: bearer.key, oauth: oauth.key } : undefined;
}

/** The settings a stored set means at cycle time; absent or unreadable values take the documented defaults. */
export function syncSettings(set: readonly KeyValue[], jobThreshold?: string): SyncSettings {
  const byKey = new Map(set.map((kv) => [kv.key, kv.value]));
  let n: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(byKey.get("SyncNotificationSettings") ?? "{}") as unknown;
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) n = parsed as Record<string, unknown>;
  } catch {
    n = {};
  }
  const fallback = Number(jobThreshold);
  const value = typeof n.DeleteThresholdValue === "number" ? n.DeleteThresholdValue : Number.isFinite(fallback) && fallback >= 0 ? fallback : DEFAULT_DELETE_THRESHOLD;
  return {
    syncAll: (byKey.get("SyncAll") ?? "").toLowerCase() === "true",
    skipOutOfScopeDeletions: (byKey.get("SkipOutOfScopeDeletions") ?? "").toLowerCase() === "true",
    notificationsEnabled: n.Enabled === true,
    recipients: typeof n.Recipients === "string" ? n.Recipients : "",
    deleteThresholdEnabled: n.DeleteThresholdEnabled !== false,
    deleteThresholdValue: value,
  };
}
