/**
 * Redaction of credentials from any text that may reach a log line or an error message.
 *
 * Two layers, because neither alone is enough:
 * - patterns catch credential *shapes* we never want to print whatever their value (bearer tokens, JWTs,
 *   `client_secret=` form fields, `Authorization:` headers, `"password": "..."`-like JSON members);
 * - a process-wide registry of known secret *values* (the configured client secret, secret values we send in
 *   synchronization secret bodies) catches them when Graph or an identity endpoint echoes them back verbatim.
 *
 * Logging itself is by allow-list (see log.ts); `redact()` is the safety net for free text we cannot avoid
 * printing, such as Graph's `error.message` or an identity library's failure message.
 */

import { CREDENTIAL_KEYS } from "./synchronization-enums";

export const REDACTED = "[REDACTED]";

/** Values shorter than this are not registered: redacting "true" or "1" everywhere would mangle messages. */
const MIN_SECRET_LENGTH = 4;

const knownSecrets = new Set<string>();
/** knownSecrets longest first (so a secret containing another is removed whole); rebuilt lazily after adds. */
let sortedSecrets: string[] | undefined;

/**
 * Remembers a secret value so that {@link redact} removes it from any later text.
 * Called for the configured client secret and for secret values in synchronization secret bodies.
 */
export function registerSecret(value: string | undefined | null): void {
  if (typeof value !== "string") return;
  const trimmed = value.trim();
  if (trimmed.length < MIN_SECRET_LENGTH) return;
  knownSecrets.add(trimmed);
  // Graph and identity endpoints may echo values URL- or JSON-encoded.
  knownSecrets.add(encodeURIComponent(trimmed));
  knownSecrets.add(JSON.stringify(trimmed).slice(1, -1));
  sortedSecrets = undefined;
}

const PATTERNS: ReadonlyArray<[RegExp, string]> = [
  // Authorization / Proxy-Authorization header lines and header-ish "key: value" fragments.
  // The value is an optional scheme ("Bearer", "Basic") plus one credential token.
  [/\b((?:proxy-)?authorization)("?\s*[:=]\s*"?)(?:[A-Za-z]+\s+)?[^\s",;}]+/gi, `$1$2${REDACTED}`],
  [/\bbearer\s+[A-Za-z0-9\-._~+/]+=*/gi, `Bearer ${REDACTED}`],
  // JWTs (access tokens, client assertions) wherever they appear.
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, REDACTED],
  // OAuth form fields and query parameters.
  [
    /\b(client_secret|client_assertion|assertion|access_token|refresh_token|id_token|password)=[^&\s"']*/gi,
    `$1=${REDACTED}`,
  ],
  // JSON members whose name says they hold a credential: "clientSecret": "...", "SecretToken": "...".
  [
    /("(?:[A-Za-z0-9_]*(?:secret|password|token|credential|apikey|api_key|connectionstring)[A-Za-z0-9_]*)"\s*:\s*)"(?:[^"\\]|\\.)*"/gi,
    `$1"${REDACTED}"`,
  ],
];

/** Removes credentials from `text`. Safe to call on anything; non-strings are stringified first. */
export function redact(text: unknown): string {
  let out = typeof text === "string" ? text : String(text);
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  if (knownSecrets.size > 0) {
    sortedSecrets ??= [...knownSecrets].sort((a, b) => b.length - a.length);
    for (const secret of sortedSecrets) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
  }
  return out;
}

/** Synchronization secret keys whose values are credentials; non-secret keys such as `BaseAddress` stay readable. */
const SECRET_SYNC_KEYS = new Set([...CREDENTIAL_KEYS].map((k) => k.toLowerCase()));

/**
 * Registers every secret value found in a synchronization secrets or validateCredentials body
 * (`{ value: [{key, value}] }` or `{ credentials: [{key, value}] }`), so that Graph echoing one back cannot leak it.
 */
export function registerSecretsInBody(body: unknown): void {
  if (body === null || typeof body !== "object") return;
  const record = body as Record<string, unknown>;
  for (const listKey of ["value", "credentials"]) {
    const list = record[listKey];
    if (!Array.isArray(list)) continue;
    for (const pair of list) {
      if (pair === null || typeof pair !== "object") continue;
      const { key, value } = pair as { key?: unknown; value?: unknown };
      if (typeof key === "string" && SECRET_SYNC_KEYS.has(key.toLowerCase()) && typeof value === "string") {
        registerSecret(value);
      }
    }
  }
}
