// Shared by the reliability suite: what the stack's state says exists, what the emulator holds,
// and the comparison between the two (no orphans, no duplicates).
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Harness } from "../emulator/helpers";
import { ProgramRun, repoRoot, runPulumi } from "../helpers/pulumi";

export const PULUMI_BIN = path.join(repoRoot, ".tools", "bin", "pulumi");

/** The chaos the issue asks for: 10 % 429, 5 % 5xx + resets, replication lag up to 5 s, instantiate 404s. */
export const CHAOS = {
  latencyMs: 10,
  throttleRate: 0.1,
  faultRate: 0.05,
  replicationLagMs: 5000,
  instantiate404Rate: 0.2,
};

export interface StateResource {
  urn: string;
  type: string;
  id?: string;
  outputs?: Record<string, unknown>;
  inputs?: Record<string, unknown>;
}

export interface Exported {
  deployment: { resources?: StateResource[]; pending_operations?: unknown[] };
}

/** The real state (`pulumi stack export`, secrets stay encrypted), not the Automation API's --show-secrets export. */
export async function exportState(run: ProgramRun): Promise<Exported> {
  const cli = await runPulumi(run, ["stack", "export"]);
  if (cli.code !== 0) throw new Error(`stack export failed (${cli.code}): ${cli.stderr}`);
  return JSON.parse(cli.stdout) as Exported;
}

const TYPE = (kind: string) => `pulumi-nodejs:dynamic/entra:${kind}`;

export interface StackObjects {
  applications: string[];
  servicePrincipals: string[];
  jobs: string[];
  secrets: string[];
}

/** Graph objects the stack's state owns. */
export function stackObjects(exported: Exported): StackObjects {
  const rs = exported.deployment.resources ?? [];
  const of = (kind: string) => rs.filter((r) => r.type === TYPE(kind));
  return {
    applications: of("GalleryApplication").map((r) => r.id as string).sort(),
    servicePrincipals: of("GalleryApplication").map((r) => r.outputs?.servicePrincipalId as string).sort(),
    jobs: of("ProvisioningJob").map((r) => r.id as string).sort(),
    secrets: of("ProvisioningSecrets").map((r) => r.id as string).sort(),
  };
}

interface EmulatorState {
  applications: { count: number; ids: string[] };
  servicePrincipals: { count: number; ids: string[] };
  jobs: { count: number; items: { id: string; servicePrincipalId: string; templateId: string; scheduleState: string; status: string }[] };
  secrets: { count: number; items: { servicePrincipalId: string; keys: string[] }[] };
  deletedItems: { count: number };
}

export async function emulatorState(h: Harness): Promise<EmulatorState> {
  return (await h.admin("GET", "/state")).body as EmulatorState;
}

/** What the emulator holds, in the same shape as {@link stackObjects}. Cleared secret sets (all values empty) do not count. */
export async function emulatorObjects(h: Harness): Promise<StackObjects & { raw: EmulatorState }> {
  const s = await emulatorState(h);
  return {
    raw: s,
    applications: [...s.applications.ids].sort(),
    servicePrincipals: [...s.servicePrincipals.ids].sort(),
    jobs: s.jobs.items.map((j) => j.id).sort(),
    secrets: s.secrets.items.filter((i) => i.keys.length > 0).map((i) => i.servicePrincipalId).sort(),
  };
}

/** No orphans and no duplicates: the emulator holds exactly the objects the stack owns, `n` of each. */
export async function expectExactly(h: Harness, run: ProgramRun, n: number): Promise<StackObjects> {
  const ours = stackObjects(await exportState(run));
  const theirs = await emulatorObjects(h);
  expect(ours.applications).toHaveLength(n);
  expect(ours.jobs).toHaveLength(n);
  expect(ours.secrets).toHaveLength(n);
  expect(theirs.applications).toEqual(ours.applications);
  expect(theirs.servicePrincipals).toEqual(ours.servicePrincipals);
  expect(theirs.jobs).toEqual(ours.jobs);
  expect(theirs.secrets).toEqual(ours.secrets);
  // At most one job per service principal.
  expect(new Set(theirs.raw.jobs.items.map((j) => j.servicePrincipalId)).size).toBe(theirs.jobs.length);
  return ours;
}

export async function setFaults(h: Harness, faults: Partial<typeof CHAOS>): Promise<void> {
  const r = await h.admin("PATCH", "/faults", faults);
  if (r.status !== 200) throw new Error(`PATCH faults: ${r.status} ${JSON.stringify(r.body)}`);
}

export const NO_FAULTS = { throttleRate: 0, faultRate: 0, instantiate404Rate: 0, replicationLagMs: 0, latencyMs: 0 };

/** Every process below `pid` (children, grandchildren…), read from /proc. Linux only. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      // Field 4 (ppid) follows the parenthesised command name, which may contain spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // The process exited while we looked.
    }
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift() as number;
    for (const c of children.get(p) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

/**
 * Starts `pulumi <args>` in its own process group. Pulumi puts each plugin (language host,
 * dynamic provider) in a process group of its own, so a kill must walk the whole tree.
 */
export function startPulumi(run: ProgramRun, args: string[], extraEnv: Record<string, string> = {}): { child: ChildProcess; output: () => string; done: Promise<number | null> } {
  const child = spawn(PULUMI_BIN, [...args, "--non-interactive", "--stack", run.stack.name], {
    cwd: run.workDir,
    env: { ...process.env, ...run.env, ...extraEnv },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const done = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return { child, output: () => out, done };
}

/** SIGKILL the process, its group, and every descendant (in their own groups). Returns how many were killed. */
export function killTree(pid: number): number {
  const all = [pid, ...descendants(pid)];
  // Stop the parent first so it cannot start new children while we walk.
  const groups = new Set<number>();
  for (const p of all) {
    const g = pgidOf(p);
    if (g !== undefined) groups.add(g);
  }
  let killed = 0;
  for (const p of all) {
    try {
      process.kill(p, "SIGKILL");
      killed++;
    } catch {
      // gone already
    }
  }
  const own = pgidOf(process.pid);
  for (const g of groups) {
    if (g === own || g <= 1) continue;
    try {
      process.kill(-g, "SIGKILL");
    } catch {
      // no such group
    }
  }
  return killed;
}

function pgidOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
  } catch {
    return undefined;
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
