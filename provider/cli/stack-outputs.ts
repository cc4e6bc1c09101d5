// What the monitoring commands learn from a Pulumi stack, through the Pulumi CLI: the `entra:*`
// config (to authenticate like the provider does) and the provisioning jobs in its state. State is
// read with `pulumi stack export` without --show-secrets, so no secret output is ever decrypted;
// only the config is read with secrets, and it is never printed.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { JobTarget } from "../functions/status";
import { pulumiFailed, usageError } from "./errors";

export interface StackRef {
  cwd: string;
  stack: string;
}

const repoRoot = path.resolve(__dirname, "..", "..", "..");

/** ENTRA_PULUMI_BINARY, else the project's engine (.tools/bin/pulumi) when present, else `pulumi` on PATH. */
export function pulumiBinary(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ENTRA_PULUMI_BINARY) return env.ENTRA_PULUMI_BINARY;
  const local = path.join(repoRoot, ".tools", "bin", "pulumi");
  return fs.existsSync(local) ? local : "pulumi";
}

/** Runs `pulumi ARGS --cwd DIR --non-interactive`; `what` names the stack or project in errors. */
function pulumiIn(cwd: string, args: string[], what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      pulumiBinary(),
      [...args, "--cwd", cwd, "--non-interactive"],
      { env: { PULUMI_SKIP_UPDATE_CHECK: "true", ...process.env }, maxBuffer: 512 * 1024 * 1024 },
      (error, stdout, stderr) => {
        // Never echo stdout on failure: for `config --show-secrets` it holds credentials.
        if (error) return reject(pulumiFailed(`pulumi ${args[0]} ${args[1] ?? ""} for ${what} in ${cwd} failed: ${stderr.trim().split("\n").slice(-3).join(" ") || error.message}`, error));
        resolve(stdout);
      },
    );
  });
}

function pulumi(ref: StackRef, args: string[]): Promise<string> {
  return pulumiIn(ref.cwd, [...args, "--stack", ref.stack], `stack "${ref.stack}"`);
}

/** The project's selected stack (what `pulumi stack select` chose, as LocalWorkspace.stack() reads it). */
export async function selectedStack(cwd: string): Promise<string> {
  const stacks = JSON.parse(await pulumiIn(cwd, ["stack", "ls", "--json"], "the project")) as { name: string; current?: boolean }[];
  const current = stacks.find((s) => s.current);
  if (current) return current.name;
  throw usageError(
    `no stack is selected for the Pulumi project in ${cwd}: pass --stack NAME` +
      (stacks.length ? ` (its stacks: ${stacks.map((s) => s.name).join(", ")})` : " (the project has no stack in this backend)") +
      ", or run `pulumi stack select NAME` there.",
  );
}

/** The stack's `entra:*` config values (decrypted: needed to authenticate). */
export async function stackGraphConfig(ref: StackRef): Promise<Record<string, string>> {
  const raw = JSON.parse(await pulumi(ref, ["config", "--json", "--show-secrets"])) as Record<string, { value?: unknown }>;
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(raw)) {
    if (key.startsWith("entra:") && v.value !== undefined) out[key] = typeof v.value === "string" ? v.value : JSON.stringify(v.value);
  }
  return out;
}

interface ExportedResource {
  urn: string;
  type: string;
  id?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  delete?: boolean;
}

/** A stack's job: named after its GalleryApplication (display name and Pulumi resource name). */
export interface StackJobTarget extends JobTarget {
  resourceName?: string;
  /** `false` when the program declares `enabled: false` (paused on purpose); otherwise left out. */
  declaredEnabled?: false;
}

/** The resource name in a URN (`urn:pulumi:stack::project::type::name`). */
const urnName = (urn: string) => (urn.includes("::") ? urn.slice(urn.lastIndexOf("::") + 2) : undefined);

const plainString = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);

/** Jobs from the stack's state: every ProvisioningJob, named after its GalleryApplication. */
export async function stackJobTargets(ref: StackRef): Promise<StackJobTarget[]> {
  const exported = JSON.parse(await pulumi(ref, ["stack", "export"])) as { deployment?: { resources?: ExportedResource[] } };
  return jobTargetsFromDeployment(exported.deployment?.resources ?? []);
}

export function jobTargetsFromDeployment(resources: ExportedResource[]): StackJobTarget[] {
  const live = resources.filter((r) => !r.delete);
  const apps = new Map<string, { displayName?: string; resourceName?: string }>();
  for (const r of live) {
    if (!/entra:GalleryApplication$/.test(r.type)) continue;
    const sp = plainString(r.outputs?.servicePrincipalId);
    if (sp) apps.set(sp, { displayName: plainString(r.outputs?.displayName), resourceName: urnName(r.urn) });
  }
  const targets: StackJobTarget[] = [];
  for (const r of live) {
    if (!/entra:ProvisioningJob$/.test(r.type)) continue;
    const sp = plainString(r.outputs?.servicePrincipalId);
    const jobId = plainString(r.id);
    if (!sp || !jobId) continue;
    const app = apps.get(sp);
    // The program's input as of the last `pulumi up`, absent when it is the default (true). Not the output: a
    // job whose start failed is recorded as enabled: false there. (A `pulumi refresh` records a job paused out
    // of band as an input enabled: false too, until the next `up` restores the declaration.)
    const declared = r.inputs?.enabled;
    targets.push({
      servicePrincipalId: sp,
      jobId,
      displayName: app?.displayName,
      ...(app?.resourceName ? { resourceName: app.resourceName } : {}),
      ...(declared === false ? { declaredEnabled: false as const } : {}),
    });
  }
  return targets;
}
