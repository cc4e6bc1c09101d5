// A fleet declared from a data file: one ProvisionedApplication per entry. Credentials never
// live in the file: an entry names the stack config secret that holds each value.
import * as fs from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { EntraError } from "./errors";
import { ProvisionedApplication, type Assignments } from "./resources/provisioned-application";

/** A credential value in the file: plain text (non-secret keys only) or a config secret reference. */
export type CredentialRef = string | { secret: string };

export interface FleetInstance {
  /** Pulumi resource name; unique in the fleet. */
  name: string;
  /** Gallery template display name or id. */
  template: string;
  /** Defaults to `name`. */
  displayName?: string;
  /** Graph secret key → value or `{ secret: <config key> }`. */
  credentials: Record<string, CredentialRef>;
  /** Start provisioning (default true). */
  enabled?: boolean;
  jobTemplateId?: string;
  /** Who the app provisions: groups (display names) and users (user principal names) to assign. */
  assignments?: Assignments;
  /** "assignedOnly" (default) or "all" users and groups. */
  scope?: "assignedOnly" | "all";
}

/** A fleet file that cannot be read or parsed, or an entry that is malformed; the message names the entry and field. */
export class FleetFileError extends EntraError<"FLEET_FILE_INVALID"> {
  override readonly name = "FleetFileError";
  constructor(message: string, options?: { cause?: unknown }) {
    super("FLEET_FILE_INVALID", message, options);
  }
}

const KEYS = ["name", "template", "displayName", "credentials", "enabled", "jobTemplateId", "assignments", "scope"];
const ASSIGNMENT_KEYS = ["groups", "users", "role"];

function checkAssignments(at: string, value: unknown): void {
  if (!value || typeof value !== "object" || Array.isArray(value)) throw new FleetFileError(`${at}.assignments must be a mapping with groups, users and/or role.`);
  const a = value as Record<string, unknown>;
  for (const key of Object.keys(a)) {
    if (!ASSIGNMENT_KEYS.includes(key)) throw new FleetFileError(`${at}.assignments.${key} is not an assignment field; use one of ${ASSIGNMENT_KEYS.join(", ")}.`);
  }
  for (const key of ["groups", "users"]) {
    const list = a[key];
    if (list !== undefined && (!Array.isArray(list) || list.some((x) => typeof x !== "string" || x.trim() === ""))) {
      throw new FleetFileError(`${at}.assignments.${key} must be a list of ${key === "groups" ? "group display names" : "user principal names"}.`);
    }
  }
  if (a.role !== undefined && (typeof a.role !== "string" || a.role === "")) throw new FleetFileError(`${at}.assignments.role must be a role value, display name or id.`);
}

function readYaml(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new FleetFileError(`${file}: cannot read the fleet file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`, { cause: e });
  }
  try {
    return parse(text);
  } catch (e) {
    throw new FleetFileError(`${file}: not valid YAML: ${(e as Error).message}`, { cause: e });
  }
}

/** Reads and validates a fleet file (`instances: [...]`); errors name the entry and field. */
export function loadFleet(file: string): FleetInstance[] {
  const doc = readYaml(file) as { instances?: unknown } | null;
  if (!doc || !Array.isArray(doc.instances)) throw new FleetFileError(`${file}: expected a top-level "instances:" list.`);
  const seen = new Set<string>();
  return doc.instances.map((raw, i) => {
    const at = `${file}: instances[${i}]`;
    if (!raw || typeof raw !== "object") throw new FleetFileError(`${at} must be a mapping.`);
    const entry = raw as Record<string, unknown>;
    for (const key of Object.keys(entry)) {
      if (!KEYS.includes(key)) throw new FleetFileError(`${at}.${key} is not a fleet field; use one of ${KEYS.join(", ")}.`);
    }
    for (const key of ["name", "template"]) {
      if (typeof entry[key] !== "string" || entry[key] === "") throw new FleetFileError(`${at}.${key} is required (a non-empty string).`);
    }
    if (seen.has(entry.name as string)) throw new FleetFileError(`${at}.name "${entry.name}" is used twice; names must be unique.`);
    seen.add(entry.name as string);
    const creds = entry.credentials;
    if (!creds || typeof creds !== "object" || Array.isArray(creds)) throw new FleetFileError(`${at}.credentials must map secret keys to values.`);
    for (const [key, value] of Object.entries(creds)) {
      const ok = typeof value === "string" || (value && typeof value === "object" && typeof (value as { secret?: unknown }).secret === "string");
      if (!ok) throw new FleetFileError(`${at}.credentials.${key} must be a string or { secret: <config key> }.`);
    }
    if (entry.enabled !== undefined && typeof entry.enabled !== "boolean") throw new FleetFileError(`${at}.enabled must be true or false.`);
    if (entry.assignments !== undefined) checkAssignments(at, entry.assignments);
    if (entry.scope !== undefined && entry.scope !== "assignedOnly" && entry.scope !== "all") throw new FleetFileError(`${at}.scope must be "assignedOnly" or "all".`);
    return entry as unknown as FleetInstance;
  });
}

/**
 * Declares one ProvisionedApplication per instance. `{ secret: key }` credentials are read with
 * `config.requireSecret(key)`, so they stay encrypted in config and state.
 */
export function declareFleet(
  instances: FleetInstance[],
  config: pulumi.Config,
  opts?: pulumi.ComponentResourceOptions,
): Record<string, ProvisionedApplication> {
  const fleet: Record<string, ProvisionedApplication> = {};
  for (const instance of instances) {
    const credentials: Record<string, pulumi.Input<string>> = {};
    for (const [key, value] of Object.entries(instance.credentials)) {
      credentials[key] = typeof value === "string" ? value : config.requireSecret(value.secret);
    }
    fleet[instance.name] = new ProvisionedApplication(
      instance.name,
      {
        template: instance.template,
        displayName: instance.displayName ?? instance.name,
        credentials,
        enabled: instance.enabled,
        jobTemplateId: instance.jobTemplateId,
        assignments: instance.assignments,
        scope: instance.scope,
      },
      opts,
    );
  }
  return fleet;
}
