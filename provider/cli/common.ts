// Shared plumbing of the monitoring commands: Graph settings (stack config or environment), the
// jobs to look at, and plain-text tables.
import type { Command } from "commander";
import { ConfigError, getGraphClient, loadGraphSettings, type GraphClient } from "../graph";
import type { JobTarget } from "../functions/status";
import { stackGraphConfig, stackJobTargets, type StackRef } from "./stack-outputs";

export interface TargetOptions {
  cwd?: string;
  stack?: string;
  servicePrincipalIds?: string;
}

/** Adds --cwd/--stack (and, for job commands, --service-principal-ids). */
export function stackOptions(cmd: Command, jobs = true): Command {
  cmd
    .option("--cwd <dir>", "the Pulumi project directory of the stack")
    .option("--stack <name>", "the stack whose entra:* config (and jobs) to use");
  if (jobs) cmd.option("--service-principal-ids <ids>", "comma-separated service principal ids (instead of a stack's jobs)");
  return cmd;
}

export function stackRef(opts: TargetOptions): StackRef | undefined {
  if (opts.cwd === undefined && opts.stack === undefined) return undefined;
  if (!opts.cwd || !opts.stack) throw new Error("--cwd and --stack go together: pass both to use a stack, or neither to use the AZURE_* environment.");
  return { cwd: opts.cwd, stack: opts.stack };
}

/** The Graph client: the stack's `entra:*` config when a stack is given, else the environment. */
export async function graphClient(opts: TargetOptions): Promise<GraphClient> {
  const ref = stackRef(opts);
  const config = ref ? await stackGraphConfig(ref) : {};
  try {
    return getGraphClient(loadGraphSettings(config, process.env));
  } catch (e) {
    if (e instanceof ConfigError) throw new Error(`${e.message}${ref ? "" : " (without --cwd/--stack, settings come from AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, ENTRA_GRAPH_ENDPOINT and ENTRA_CA_FILE)"}`);
    throw e;
  }
}

/** The jobs to look at: the given service principals' jobs, else the stack's ProvisioningJobs. */
export async function jobTargets(opts: TargetOptions): Promise<JobTarget[]> {
  if (opts.servicePrincipalIds) {
    return opts.servicePrincipalIds
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean)
      .map((servicePrincipalId) => ({ servicePrincipalId }));
  }
  const ref = stackRef(opts);
  if (!ref) throw new Error("say which jobs: --cwd DIR --stack NAME (the stack's ProvisioningJobs) or --service-principal-ids ID,ID.");
  return stackJobTargets(ref);
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
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}: "${value}" is not a positive number.`);
  return n;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** "2024-05-01T10:00:00.123Z" → "2024-05-01 10:00:00". */
export const shortTime = (iso?: string) => (iso ? iso.replace("T", " ").replace(/\.\d+Z$|Z$/, "") : "");
