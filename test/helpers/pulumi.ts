// Runs a Pulumi program directory through the real CLI (the engine built by scripts/setup.sh)
// with the Automation API, in a temporary copy with a local file backend and passphrase
// secrets. Never calls PulumiCommand.install(): nothing may be downloaded.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { providerConfig } from "../../emulator/provider-config";

export const repoRoot = path.resolve(__dirname, "..", "..");
const toolsRoot = path.join(repoRoot, ".tools");

/** The environment every pulumi invocation in the project uses: nothing reaches the network. */
export function offlineEnv(stateDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_DISABLE_REGISTRY_RESOLVE: "true",
    PULUMI_BACKEND_URL: `file://${stateDir}`,
    PULUMI_CONFIG_PASSPHRASE: "test-passphrase",
    PATH: `${path.join(toolsRoot, "bin")}${path.delimiter}${process.env.PATH ?? ""}`,
    ...extra,
  };
}

export interface ProgramRun {
  stack: Stack;
  workDir: string;
  stateDir: string;
  pulumi: PulumiCommand;
  env: Record<string, string>;
  /** Destroys nothing; removes the temporary directories. */
  cleanup(): void;
}

export interface ProgramOptions {
  stackName?: string;
  config?: Record<string, { value: string; secret?: boolean }>;
  env?: Record<string, string>;
}

/** Copies `programDir` into a temp dir (linking the repo's node_modules) and creates a stack. */
export async function openProgram(programDir: string, opts: ProgramOptions = {}): Promise<ProgramRun> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "entra-e2e-"));
  const workDir = path.join(tmp, "program");
  const stateDir = path.join(tmp, "state");
  fs.mkdirSync(stateDir);
  fs.cpSync(programDir, workDir, {
    recursive: true,
    filter: (src) => path.basename(src) !== "node_modules",
  });
  fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(workDir, "node_modules"));

  const pulumi = await PulumiCommand.get({ root: toolsRoot });
  const env = offlineEnv(stateDir, { PULUMI_HOME: path.join(tmp, "home"), ...opts.env });
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: opts.stackName ?? "test", workDir },
    { pulumiCommand: pulumi, envVars: env, pulumiHome: env.PULUMI_HOME },
  );
  if (opts.config) await stack.setAllConfig(opts.config);
  return {
    stack,
    workDir,
    stateDir,
    pulumi,
    env,
    cleanup: () => fs.rmSync(tmp, { recursive: true, force: true }),
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the project's pulumi binary directly (for flags and exit codes the Automation API hides). */
export function runPulumi(run: ProgramRun, args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(
      path.join(toolsRoot, "bin", "pulumi"),
      [...args, "--non-interactive", "--stack", run.stack.name],
      { cwd: run.workDir, env: { ...process.env, ...run.env }, maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") return reject(error);
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
  });
}

/** Stack config pointing the provider at an emulator (the client secret is a stack secret). */
export const emulatorConfig = providerConfig;
