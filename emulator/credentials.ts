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

/** Secret-bearing keys: GET /synchronization/secrets never returns them in clear (graph-api.md §3.3). */
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
