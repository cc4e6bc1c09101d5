// What the monitoring commands learn from a Pulumi stack, through the Pulumi CLI: the `entra:*`
// config (to authenticate like the provider does) and the provisioning jobs in its state. State is
// read with `pulumi stack export` without --show-secrets, so no secret output is ever decrypted;
// only the config is read with secrets, and it is never printed.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { JobTarget } from "../functions/status";

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

function pulumi(ref: StackRef, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      pulumiBinary(),
      [...args, "--stack", ref.stack, "--cwd", ref.cwd, "--non-interactive"],
      { env: { PULUMI_SKIP_UPDATE_CHECK: "true", ...process.env }, maxBuffer: 512 * 1024 * 1024 },
      (error, stdout, stderr) => {
        // Never echo stdout on failure: for `config --show-secrets` it holds credentials.
        if (error) return reject(new Error(`pulumi ${args[0]} ${args[1] ?? ""} for stack "${ref.stack}" in ${ref.cwd} failed: ${stderr.trim().split("\n").slice(-3).join(" ") || error.message}`));
        resolve(stdout);
      },
    );
  });
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
  outputs?: Record<string, unknown>;
  delete?: boolean;
}

const plainString = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);

/** Jobs from the stack's state: every ProvisioningJob, named after its GalleryApplication. */
export async function stackJobTargets(ref: StackRef): Promise<JobTarget[]> {
  const exported = JSON.parse(await pulumi(ref, ["stack", "export"])) as { deployment?: { resources?: ExportedResource[] } };
  return jobTargetsFromDeployment(exported.deployment?.resources ?? []);
}

export function jobTargetsFromDeployment(resources: ExportedResource[]): JobTarget[] {
  const live = resources.filter((r) => !r.delete);
  const names = new Map<string, string>();
  for (const r of live) {
    if (!/entra:GalleryApplication$/.test(r.type)) continue;
    const sp = plainString(r.outputs?.servicePrincipalId);
    const name = plainString(r.outputs?.displayName);
    if (sp && name) names.set(sp, name);
  }
  const targets: JobTarget[] = [];
  for (const r of live) {
    if (!/entra:ProvisioningJob$/.test(r.type)) continue;
    const sp = plainString(r.outputs?.servicePrincipalId);
    const jobId = plainString(r.id);
    if (sp && jobId) targets.push({ servicePrincipalId: sp, jobId, displayName: names.get(sp) });
  }
  return targets;
}
