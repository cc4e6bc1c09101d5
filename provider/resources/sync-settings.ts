// The provisioning settings that live in a service principal's synchronization secrets, as typed
// inputs of ProvisioningSecrets. Microsoft documents them as secrets keys, written with the
// secrets PUT (GET the set, change the key, PUT the whole set back):
// - SyncAll: "true" provisions all users and groups, "false" only those assigned to the app
//   (https://learn.microsoft.com/graph/api/synchronization-serviceprincipal-put-synchronization, and the PUT
//   example of https://learn.microsoft.com/entra/identity/app-provisioning/application-provisioning-configuration-api);
// - SkipOutOfScopeDeletions: "True" leaves users who go out of scope in the target app
//   (https://learn.microsoft.com/entra/identity/app-provisioning/skip-out-of-scope-deletions);
// - SyncNotificationSettings: a JSON string with Enabled, Recipients, DeleteThresholdEnabled,
//   DeleteThresholdValue: failure emails and the accidental-deletions threshold
//   (https://learn.microsoft.com/entra/identity/app-provisioning/accidental-deletions).
// A PUT without SyncAll and SyncNotificationSettings can be dropped by Graph while answering 204
// (emulator/FIDELITY.md), so every write carries both: the live value, or the documented default.
import type { Checker } from "./inputs";
import { describe, isUnknown } from "./inputs";

export interface NotificationSettings {
  /** Email the recipients when the job goes to quarantine. */
  enabled: boolean;
  /** Email address(es) to notify, as the portal's "Notification Email" field takes them. */
  recipients?: string;
}

/** The typed settings; undefined leaves a setting as it is in Graph (an admin may manage it). */
export interface SyncSettings {
  /** "assignedOnly" (Graph's default): provision users and groups assigned to the app; "all": everyone. */
  scope?: "assignedOnly" | "all";
  /** true: users who go out of scope stay in the target app instead of being disabled there. */
  skipOutOfScopeDeletions?: boolean;
  notifications?: NotificationSettings;
  /**
   * Accidental-deletions threshold: a cycle that would delete this many accounts or more is held
   * back and the job quarantined (500 allows at most 499); false turns the check off.
   */
  deleteThreshold?: number | false;
}

export const SETTING_INPUTS = ["scope", "skipOutOfScopeDeletions", "notifications", "deleteThreshold"] as const;
/** The secrets keys the typed settings write; never declared in `credentials` as well. */
export const SETTING_KEYS: Record<string, (typeof SETTING_INPUTS)[number]> = {
  SyncAll: "scope",
  SkipOutOfScopeDeletions: "skipOutOfScopeDeletions",
  SyncNotificationSettings: "notifications",
};

const SCOPES = ["assignedOnly", "all"];
const DEFAULT_NOTIFICATIONS = { Enabled: false, DeleteThresholdEnabled: false };

interface KeyValue {
  key: string;
  value: string;
}

/** Preview-time validation; returns the declared settings (known values only). */
export function checkSettings(c: Checker, news: Record<string, unknown>): SyncSettings {
  const out: SyncSettings = {};
  const scope = news.scope;
  if (scope !== undefined && !isUnknown(scope)) {
    if (typeof scope !== "string" || !SCOPES.includes(scope)) c.fail("scope", `must be "assignedOnly" (users and groups assigned to the app) or "all", got ${describe(scope)}.`);
    else out.scope = scope as SyncSettings["scope"];
  }
  const skip = c.boolean(news, "skipOutOfScopeDeletions");
  if (skip !== undefined) out.skipOutOfScopeDeletions = skip;
  const n = news.notifications;
  if (n !== undefined && !isUnknown(n)) {
    if (!n || typeof n !== "object" || Array.isArray(n)) c.fail("notifications", `must be { enabled: boolean, recipients?: string }, got ${describe(n)}.`);
    else {
      const o = n as Record<string, unknown>;
      for (const k of Object.keys(o)) if (k !== "enabled" && k !== "recipients") c.fail(`notifications.${k}`, "is not a notification setting; use enabled and recipients.");
      if (typeof o.enabled !== "boolean" && !isUnknown(o.enabled)) c.fail("notifications.enabled", `must be true or false, got ${describe(o.enabled)}.`);
      if (o.recipients !== undefined && !isUnknown(o.recipients) && (typeof o.recipients !== "string" || !o.recipients.includes("@"))) {
        c.fail("notifications.recipients", `must be an email address, got ${describe(o.recipients)}.`);
      }
      if (o.enabled === true && (o.recipients === undefined || o.recipients === "")) c.fail("notifications.recipients", "is required when notifications are enabled: set the email address to notify.");
      out.notifications = o as unknown as NotificationSettings;
    }
  }
  const t = news.deleteThreshold;
  if (t !== undefined && !isUnknown(t)) {
    if (t !== false && (typeof t !== "number" || !Number.isInteger(t) || t < 1)) {
      c.fail("deleteThreshold", `must be a whole number of accounts (at least 1) or false to turn the accidental-deletions check off, got ${describe(t)}.`);
    } else out.deleteThreshold = t as number | false;
  }
  return out;
}

function parseNotifications(value: string | undefined): Record<string, unknown> {
  if (!value) return { ...DEFAULT_NOTIFICATIONS };
  try {
    const parsed = JSON.parse(value) as unknown;
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : { ...DEFAULT_NOTIFICATIONS };
  } catch {
    return { ...DEFAULT_NOTIFICATIONS };
  }
}

/**
 * `set` with the declared settings written into it, and SyncAll and SyncNotificationSettings
 * always present (the live value, or Graph's documented default).
 */
export function applySettings(set: KeyValue[], settings: SyncSettings): KeyValue[] {
  const byKey = new Map(set.map((kv) => [kv.key, kv.value]));
  if (settings.scope !== undefined) byKey.set("SyncAll", settings.scope === "all" ? "true" : "false");
  else if (!byKey.has("SyncAll")) byKey.set("SyncAll", "false");
  if (settings.skipOutOfScopeDeletions !== undefined) byKey.set("SkipOutOfScopeDeletions", settings.skipOutOfScopeDeletions ? "True" : "False");
  const n = parseNotifications(byKey.get("SyncNotificationSettings"));
  if (settings.notifications !== undefined) {
    n.Enabled = settings.notifications.enabled;
    if (settings.notifications.recipients !== undefined) n.Recipients = settings.notifications.recipients;
    else delete n.Recipients;
  }
  if (settings.deleteThreshold !== undefined) {
    n.DeleteThresholdEnabled = settings.deleteThreshold !== false;
    if (settings.deleteThreshold === false) delete n.DeleteThresholdValue;
    else n.DeleteThresholdValue = settings.deleteThreshold;
  }
  if (!byKey.has("SyncNotificationSettings") || settings.notifications !== undefined || settings.deleteThreshold !== undefined) {
    byKey.set("SyncNotificationSettings", JSON.stringify(n));
  }
  return [...byKey].map(([key, value]) => ({ key, value }));
}

/** The live values of the settings `declared` names (for drift), read from the secrets set. */
export function liveSettings(set: Map<string, string>, declared: SyncSettings): SyncSettings {
  const out: SyncSettings = {};
  if (declared.scope !== undefined) out.scope = set.get("SyncAll")?.toLowerCase() === "true" ? "all" : "assignedOnly";
  if (declared.skipOutOfScopeDeletions !== undefined) out.skipOutOfScopeDeletions = set.get("SkipOutOfScopeDeletions")?.toLowerCase() === "true";
  const n = parseNotifications(set.get("SyncNotificationSettings"));
  if (declared.notifications !== undefined) {
    out.notifications = { enabled: n.Enabled === true, ...(typeof n.Recipients === "string" && n.Recipients !== "" ? { recipients: n.Recipients } : {}) };
  }
  if (declared.deleteThreshold !== undefined) {
    const value = Number(n.DeleteThresholdValue);
    out.deleteThreshold = n.DeleteThresholdEnabled === true && Number.isFinite(value) ? value : false;
  }
  return out;
}

/** Settings from a resource's inputs or state (only the typed ones, as stored). */
export function settingsOf(props: Record<string, unknown>): SyncSettings {
  const out: SyncSettings = {};
  for (const k of SETTING_INPUTS) if (props[k] !== undefined) (out as Record<string, unknown>)[k] = props[k];
  return out;
}
