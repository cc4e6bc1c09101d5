// What drifted, read from `pulumi preview --refresh --json`: one item per resource whose live
// state differs from what the program declares, with the properties (declared and live values;
// never a secret value), and what `up` will do. Pure functions: the command (drift.ts) runs the
// preview and adds who made each change.

/** The sentinel Pulumi prints for a value not known until apply. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const SECRET = "[secret]";
const TYPE_PREFIX = "pulumi-nodejs:dynamic/entra:";

export interface PreviewStep {
  op: string;
  urn: string;
  oldState?: { id?: string; type?: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown>; modified?: string } | null;
  newState?: { id?: string; type?: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> } | null;
}

export interface PropertyDrift {
  property: string;
  declared: unknown;
  live: unknown;
}

export interface DriftItem {
  kind: string;
  name: string;
  urn: string;
  /** The Graph object id in state (application object id, job id, service principal id, assignment id). */
  graphId?: string;
  /** The service principal the object belongs to (for attribution and secrets warnings). */
  servicePrincipalId?: string;
  properties: PropertyDrift[];
  /** What the provider said on refresh (e.g. which secret key no longer validates). */
  notes: string[];
  /** What `pulumi up` will do. */
  action: "update" | "recreate" | "replace" | "restore" | "delete";
  /** When Pulumi last wrote the resource (changes after it are someone else's). */
  lastDeployed?: string;
  attribution?: Attribution;
}

export type Attribution = { actor: string; activity: string; time: string } | { unavailable: string };

export interface DriftReport {
  drift: DriftItem[];
  /**
   * Resources whose difference follows from another drift: an output of a drifted parent not known
   * until it updates, or objects deleted together with their application.
   */
  folded: string[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const nameOf = (urn: string) => urn.split("::").pop() ?? urn;

function changedProperties(oldInputs: Record<string, unknown>, newInputs: Record<string, unknown>): PropertyDrift[] {
  const keys = [...new Set([...Object.keys(oldInputs), ...Object.keys(newInputs)])].filter((k) => k !== "__provider").sort();
  return keys.filter((k) => !same(oldInputs[k], newInputs[k])).map((k) => ({ property: k, declared: newInputs[k], live: oldInputs[k] }));
}

const isUnknown = (v: unknown): boolean => v === UNKNOWN || (typeof v === "string" && v.includes(UNKNOWN));

/** Notes the provider wrote on refresh, by service principal id (ProvisioningSecrets warnings). */
export function secretsNotes(output: string): Map<string, string[]> {
  const notes = new Map<string, string[]>();
  for (const m of output.matchAll(/warning: ProvisioningSecrets of service principal ([0-9a-f-]{36}): ([^\n]+)/gi)) {
    const list = notes.get(m[1].toLowerCase()) ?? [];
    if (!list.includes(m[2].trim())) list.push(m[2].trim());
    notes.set(m[1].toLowerCase(), list);
  }
  return notes;
}

/** The secret keys named in notes: "SecretToken was changed …", "… (…InvalidCredentials on SecretToken)". */
function keysIn(note: string): string[] {
  const keys = new Set<string>();
  const lead = /^(\w+) was (changed|removed)/.exec(note);
  if (lead) keys.add(lead[1]);
  const on = / on (\w+)\)/.exec(note);
  if (on) keys.add(on[1]);
  const setting = /^the setting (\w+) was changed/.exec(note);
  if (setting) keys.add(setting[1]);
  return [...keys];
}

/**
 * The drift in a preview's steps. `output` is the rest of the CLI's output (diagnostics), where the
 * provider names secret keys that changed or stopped validating.
 */
export function analyzePreview(steps: PreviewStep[], output: string): DriftReport {
  const refreshed = new Map(steps.filter((s) => s.op === "refresh").map((s) => [s.urn, s]));
  const notes = secretsNotes(output);
  const drift: DriftItem[] = [];
  const folded: string[] = [];
  const seen = new Set<string>();
  for (const step of steps) {
    const type = step.newState?.type ?? step.oldState?.type ?? refreshed.get(step.urn)?.oldState?.type ?? "";
    if (!type.startsWith(TYPE_PREFIX) || ["same", "refresh", "read"].includes(step.op) || seen.has(step.urn)) continue;
    seen.add(step.urn);
    const kind = type.slice(TYPE_PREFIX.length);
    const before = refreshed.get(step.urn)?.oldState ?? step.oldState ?? undefined;
    const spId = (before?.outputs?.servicePrincipalId ?? before?.inputs?.servicePrincipalId) as string | undefined;
    const base = { kind, name: nameOf(step.urn), urn: step.urn, graphId: before?.id, servicePrincipalId: spId, lastDeployed: before?.modified };
    if (step.op === "create" && before) {
      // In state before the refresh, gone after it: deleted outside Pulumi.
      drift.push({ ...base, properties: [{ property: "(object)", declared: "exists", live: "deleted" }], notes: [], action: "recreate" });
      continue;
    }
    if (step.op === "create" || step.op === "delete") continue; // a program change, not drift
    const oldInputs = step.oldState?.inputs ?? {};
    const newInputs = step.newState?.inputs ?? {};
    let properties = changedProperties(oldInputs, newInputs);
    const spNotes = spId ? (notes.get(spId.toLowerCase()) ?? []) : [];
    const itemNotes = kind === "ProvisioningSecrets" ? spNotes : [];
    if (properties.length > 0 && properties.every((p) => isUnknown(p.declared))) {
      folded.push(base.name);
      continue;
    }
    properties = properties.filter((p) => !isUnknown(p.declared));
    if (kind === "ProvisioningSecrets") {
      // Values are secret on both sides: name the keys the provider reported instead.
      properties = properties.filter((p) => !(p.declared === SECRET && p.live === SECRET));
      for (const note of itemNotes) for (const key of keysIn(note)) properties.push({ property: `credentials.${key}`, declared: "(declared value)", live: /validate/.test(note) ? "not validating" : /removed/.test(note) ? "missing" : "changed" });
      if (properties.length === 0 && itemNotes.length === 0) properties.push({ property: "credentials", declared: "(declared values)", live: "changed" });
    }
    if (kind === "ProvisioningJob") {
      // "enabled: false" reads as a setting; what changed is the schedule (paused or stopped out of band).
      properties = properties.map((p) =>
        p.property === "enabled" ? { property: "scheduleState", declared: p.declared === false ? "Paused" : "Active", live: before?.outputs?.scheduleState ?? (p.live ? "Active" : "Paused") } : p,
      );
    }
    const restored = kind === "GalleryApplication" && step.oldState?.outputs?.deletedDateTime !== undefined;
    if (restored) properties = [{ property: "(object)", declared: "exists", live: `deleted ${String(step.oldState?.outputs?.deletedDateTime)} (restorable)` }];
    const action = restored ? "restore" : /replace/.test(step.op) ? "replace" : "update";
    drift.push({ ...base, properties, notes: itemNotes, action });
  }
  // The jobs, secrets and schemas of an application deleted out of band went with it: they follow
  // from that one change (and up recreates them after restoring or recreating the application).
  const goneApps = new Set(drift.filter((d) => d.kind === "GalleryApplication" && (d.action === "restore" || d.action === "recreate")).map((d) => d.servicePrincipalId?.toLowerCase()));
  const kept = drift.filter((d) => {
    const follows = d.kind !== "GalleryApplication" && d.action === "recreate" && goneApps.has(d.servicePrincipalId?.toLowerCase());
    if (follows) folded.push(d.name);
    return !follows;
  });
  return { drift: kept, folded };
}

const show = (v: unknown) => (v === undefined ? "(unset)" : typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v));

function who(a: Attribution | undefined): string {
  if (!a) return "";
  if ("unavailable" in a) return `who: unavailable (${a.unavailable})`;
  return `by ${a.actor} (${a.activity}, ${a.time})`;
}

const ACTION_TEXT: Record<DriftItem["action"], string> = {
  update: "up will set it back",
  recreate: "up will create it again",
  replace: "up will replace it",
  restore: "up will restore it from deleted items (same ids and appId)",
  delete: "up will delete it",
};

export function formatText(report: DriftReport): string {
  const lines: string[] = [];
  for (const d of report.drift) {
    const props = d.properties.map((p) => `${p.property}: declared ${show(p.declared)}, live ${show(p.live)}`).join("; ");
    lines.push(`DRIFT ${d.kind} ${d.name}${d.graphId ? ` (${d.graphId})` : ""}: ${props}${d.attribution ? ` — ${who(d.attribution)}` : ""} — ${ACTION_TEXT[d.action]}`);
  }
  lines.push(
    report.drift.length ? `${report.drift.length} resource(s) drifted` : "no drift: every resource matches the program",
  );
  if (report.folded.length) {
    lines.push(`(${report.folded.length} dependent resource(s) not listed: their difference follows from a drift above — an output not known until it updates, or deletion with their application: ${report.folded.join(", ")})`);
  }
  return `${lines.join("\n")}\n`;
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function formatMarkdown(report: DriftReport, stack: string): string {
  if (!report.drift.length) return `### Drift check for \`${stack}\`: no drift\n\nEvery resource matches the program.\n`;
  const rows = report.drift.flatMap((d) =>
    d.properties.map((p, i) =>
      `| ${i === 0 ? cell(`${d.kind} \`${d.name}\``) : ""} | ${cell(p.property)} | ${cell(show(p.declared))} | ${cell(show(p.live))} | ${i === 0 ? cell(who(d.attribution).replace(/^by /, "")) : ""} | ${i === 0 ? cell(ACTION_TEXT[d.action].replace(/^up will /, "")) : ""} |`,
    ),
  );
  const foot = report.folded.length ? `\n${report.folded.length} dependent resource(s) folded: their difference follows from a drift above.\n` : "";
  return `### Drift check for \`${stack}\`: ${report.drift.length} resource(s) drifted\n\n| Resource | Property | Declared | Live | Changed by | \`pulumi up\` will |\n|---|---|---|---|---|---|\n${rows.join("\n")}\n${foot}`;
}
