// `entra-provisioning demo`: the README's demo. Runs a Pulumi program through the project's
// pulumi binary with a local file backend. (Foundation stage: the smoke program.)
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const repoRoot = path.resolve(__dirname, "..", "..", "..");

function pulumi(args: string[], cwd: string, env: NodeJS.ProcessEnv): number {
  process.stdout.write(`\n$ pulumi ${args.join(" ")}\n`);
  const result = spawnSync(path.join(repoRoot, ".tools", "bin", "pulumi"), args, { cwd, env, stdio: "inherit" });
  return result.status ?? 1;
}

export async function runDemo(_args: string[]): Promise<number> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "entra-demo-"));
  const program = path.join(tmp, "program");
  fs.cpSync(path.join(repoRoot, "test", "fixtures", "smoke"), program, { recursive: true });
  fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(program, "node_modules"));
  const env = {
    ...process.env,
    PULUMI_BACKEND_URL: `file://${path.join(tmp, "state")}`,
    PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? "demo",
  };
  fs.mkdirSync(path.join(tmp, "state"));
  const steps: string[][] = [
    ["stack", "init", "demo"],
    ["config", "set", "journal", path.join(tmp, "journal.log")],
    ["up", "--yes", "--skip-preview"],
    ["preview", "--expect-no-changes"],
    ["destroy", "--yes", "--skip-preview"],
  ];
  for (const step of steps) {
    const code = pulumi([...step, "--non-interactive"], program, env);
    if (code !== 0) return code;
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  return 0;
}
