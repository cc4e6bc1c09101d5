// Shared plumbing of the monitoring commands: which stack (the flags, else the Pulumi project in the
// current directory and its selected stack), Graph settings (stack config or environment), the jobs
// to look at, and plain-text tables.
import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { ConfigError, getGraphClient, loadGraphSettings, type GraphClient } from "../graph";
import { closest } from "../suggest";
import { usageError } from "./errors";
import { selectedStack, stackGraphConfig, stackJobTargets, type StackJobTarget, type StackRef } from "./stack-outputs";

export interface TargetOptions {
  cwd?: string;
  stack?: string;
  servicePrincipalIds?: string;
  app?: string;
}

/** Adds --cwd/--stack (and, for job commands, --service-principal-ids and --app). */
export function stackOptions(cmd: Command, jobs = true): Command {
  cmd
    .option("--cwd <dir>", "the Pulumi project directory of the stack (default: the project in the current directory)")
    .option("--stack <name>", "the stack whose entra:* config and jobs to use (default: the project's selected stack)");
  if (jobs) {
    cmd
      .option("--service-principal-ids <ids>", "comma-separated service principal ids, with AZURE_* settings (instead of a stack's jobs)")
      .option("--app <name>", "only the stack's application with this display name (or Pulumi resource name)");
  }
  return cmd;
}

/** The directory holding Pulumi.yaml (or Pulumi.yml): `start` or its nearest parent that has one, as pulumi looks. */
export function findProjectDir(start: string): string | undefined {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "Pulumi.yaml")) || fs.existsSync(path.join(dir, "Pulumi.yml"))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

export interface ResolveOptions {
  /** The command was given ids of its own (service principals, a job): without --cwd/--stack, use the environment. */
  explicitIds: boolean;
  /** Without a project here, fall back to the environment instead of failing (logs: the whole tenant's records). */
  optional?: boolean;
  /** How to pass ids instead of a stack, for the error message, e.g. "--service-principal-ids ID,ID". */
  idsHint: string;
}

/**
 * The stack to use. --cwd and/or --stack pick it (a missing one defaults like pulumi: the project in --cwd or the
 * current directory, its selected stack). Without either, and without ids of the command's own, the Pulumi project
 * in the current directory (or a parent) and its selected stack. `undefined`: settings come from the environment.
 */
export async function resolveStack(opts: Pick<TargetOptions, "cwd" | "stack">, o: ResolveOptions): Promise<StackRef | undefined> {
  const given = opts.cwd !== undefined || opts.stack !== undefined;
  if (!given && o.explicitIds) return undefined;
  const start = path.resolve(opts.cwd ?? process.cwd());
  const project = findProjectDir(start);
  if (!project) {
    if (!given && o.optional) return undefined;
    throw usageError(
      opts.cwd !== undefined
        ? `--cwd ${opts.cwd}: no Pulumi project (Pulumi.yaml) there or in a parent directory; pass the directory of the stack's project.`
        : `no Pulumi project (Pulumi.yaml) in ${start} or a parent directory: pass --cwd DIR (the project's directory) and --stack NAME, or ${o.idsHint} with the AZURE_* settings.`,
    );
  }
  const cwd = opts.cwd ?? project;
  return { cwd, stack: opts.stack ?? (await selectedStack(cwd)) };
}

/** The stack of a job command (status, wait, report): none when --service-principal-ids is given alone. */
export const resolveJobsStack = (opts: TargetOptions) =>
  resolveStack(opts, { explicitIds: Boolean(opts.servicePrincipalIds), idsHint: "--service-principal-ids ID,ID" });

/** The Graph client: the stack's `entra:*` config when there is a stack, else the environment. */
export async function graphClient(ref: StackRef | undefined): Promise<GraphClient> {
  const config = ref ? await stackGraphConfig(ref) : {};
  try {
    return getGraphClient(loadGraphSettings(config, process.env));
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(e.key, `${e.message}${ref ? "" : " (without a stack, settings come from AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, ENTRA_GRAPH_ENDPOINT and ENTRA_CA_FILE)"}`);
    throw e;
  }
}

/** Ids from a comma-separated flag value. */
export const idList = (value: string) =>
  value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * The jobs to look at: the given service principals' jobs, else the stack's ProvisioningJobs (only --app's, when
 * given). `ref` comes from `resolveJobsStack(opts)`.
 */
export async function jobTargets(opts: TargetOptions, ref: StackRef | undefined): Promise<StackJobTarget[]> {
  if (opts.servicePrincipalIds) {
    if (opts.app !== undefined) throw usageError("--app picks jobs from a stack; with --service-principal-ids, list only the ids you want.");
    return idList(opts.servicePrincipalIds).map((servicePrincipalId) => ({ servicePrincipalId }));
  }
  if (!ref) throw usageError("say which jobs: --cwd DIR --stack NAME (the stack's ProvisioningJobs) or --service-principal-ids ID,ID.");
  const all = await stackJobTargets(ref);
  return opts.app === undefined ? all : selectApp(all, opts.app, ref.stack);
}

/**
 * The stack's jobs whose application is named `app`: by display name or Pulumi resource name, exactly, else
 * ignoring case. None: an error suggesting the closest names.
 */
export function selectApp<T extends { displayName?: string; resourceName?: string }>(targets: T[], app: string, stack: string): T[] {
  const names = (t: T) => [t.displayName, t.resourceName].filter((n): n is string => n !== undefined);
  const exact = targets.filter((t) => names(t).includes(app));
  if (exact.length) return exact;
  const folded = targets.filter((t) => names(t).some((n) => n.toLowerCase() === app.toLowerCase()));
  if (folded.length) return folded;
  // One suggestion per name ignoring case (a display name and a resource name often differ only in case).
  const candidates = new Map<string, string>();
  for (const n of targets.flatMap(names)) if (!candidates.has(n.toLowerCase())) candidates.set(n.toLowerCase(), n);
  const near = closest(app, [...candidates.values()], 3);
  throw usageError(
    `--app: no application in stack "${stack}" is named "${app}"` +
      (near.length
        ? `; did you mean ${near.map((n) => `"${n}"`).join(" or ")}?`
        : targets.length
          ? ` (display names or resource names of its ${targets.length} job(s): \`entra-provisioning status\` lists them).`
          : " (the stack has no ProvisioningJob)."),
  );
}

/** A left-aligned plain-text table; cells are cut at `max` characters. */
export function table(headers: string[], rows: string[][], max = 60): string {
  const cut = (s: string) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
  const all = [headers, ...rows].map((r) => r.map((c) => cut(c ?? "")));
  const widths = headers.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  return all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join("  ").trimEnd()).join("\n") + "\n";
}

export function parsePositive(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw usageError(`${name}: "${value}" is not a positive number.`);
  return n;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** "2024-05-01T10:00:00.123Z" → "2024-05-01 10:00:00". */
export const shortTime = (iso?: string) => (iso ? iso.replace("T", " ").replace(/\.\d+Z$|Z$/, "") : "");
