// End-to-end tests run Pulumi programs that load this package from node_modules: a real copy of
// dist/ made by `refresh_program_deps` (scripts/lib.sh), not the sources. This is the e2e tier's
// jest globalSetup (jest.config.js): it hashes what the copy is built from and, when the hash
// differs from the one recorded in the copy, rebuilds dist/ with tsc and refreshes the copy, so
// `npx jest --selectProjects e2e <file>` right after an edit tests the edit, not the last setup.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

const repoRoot = path.resolve(__dirname, "..", "..");
const copyDir = path.join(repoRoot, "node_modules", "pulumi-entra-provisioning");
const stampFile = path.join(copyDir, ".source-hash");
// Several jest runs may start at once; only one rebuilds, the others wait and then find it fresh.
const lockDir = path.join(repoRoot, "node_modules", ".pulumi-entra-provisioning.lock");
const LOCK_STALE_MS = 10 * 60_000;

/** What the copy (refresh_program_deps) is made from: dist/provider, dist/emulator and their build config. */
const INPUT_DIRS = ["provider", "emulator"];
const INPUT_FILES = ["package.json", "README.md", "tsconfig.json", "tsconfig.build.json"];

const MANUAL_FIX = "run `npm run build && bash -c 'root=$PWD; source scripts/lib.sh; refresh_program_deps'` (or `npm run setup`)";

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

/** A content hash of the build inputs; mtimes would change on every checkout and miss nothing else. */
export function sourceHash(): string {
  const files = [...INPUT_DIRS.flatMap((d) => listFiles(path.join(repoRoot, d))), ...INPUT_FILES.map((f) => path.join(repoRoot, f))].sort();
  const hash = createHash("sha256");
  for (const file of files) {
    hash.update(path.relative(repoRoot, file)).update("\0");
    hash.update(fs.existsSync(file) ? fs.readFileSync(file) : "(missing)").update("\0");
  }
  return hash.digest("hex");
}

function recordedHash(): string | undefined {
  return fs.existsSync(stampFile) ? fs.readFileSync(stampFile, "utf8").trim() : undefined;
}

/** Marks the copy as built from the current sources (scripts/test.sh, right after setup built it). */
export function recordFreshCopy(): void {
  if (fs.existsSync(copyDir)) fs.writeFileSync(stampFile, `${sourceHash()}\n`);
}

function run(command: string, args: string[], what: string): void {
  const r = spawnSync(command, args, { cwd: repoRoot, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) {
    throw new Error(
      `node_modules/pulumi-entra-provisioning is older than the sources in provider/ and emulator/, and ${what} failed ` +
        `(exit ${r.status ?? r.signal ?? r.error?.message}):\n${r.stdout ?? ""}${r.stderr ?? ""}\n` +
        `End-to-end tests would run stale code. Fix that, then ${MANUAL_FIX}.`,
    );
  }
}

async function withLock<T>(fn: () => T): Promise<T> {
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const age = Date.now() - fs.statSync(lockDir, { throwIfNoEntry: false })!.mtimeMs;
      if (age > LOCK_STALE_MS) fs.rmSync(lockDir, { recursive: true, force: true }); // a killed run left it
      else await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

export default async function freshPackage(): Promise<void> {
  if (!fs.existsSync(path.join(repoRoot, ".tools", "bin", "pulumi")) || !fs.existsSync(copyDir)) {
    throw new Error("End-to-end tests need the Pulumi engine in .tools/bin and node_modules/pulumi-entra-provisioning: run `npm run setup` first.");
  }
  if (recordedHash() === sourceHash()) return;
  await withLock(() => {
    const hash = sourceHash(); // before the build: an edit made during it is rebuilt next time
    if (recordedHash() === hash) return; // another run refreshed it while this one waited
    const started = Date.now();
    run(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json"], "rebuilding dist/ (tsc -p tsconfig.build.json)");
    const cli = path.join(repoRoot, "dist", "provider", "cli", "main.js");
    if (fs.existsSync(cli)) fs.chmodSync(cli, 0o755);
    run("bash", ["-c", 'set -euo pipefail; root="$1"; source "$root/scripts/lib.sh"; refresh_program_deps', "bash", repoRoot], "refreshing it (refresh_program_deps)");
    fs.writeFileSync(stampFile, `${hash}\n`);
    process.stderr.write(`\ne2e: sources changed since node_modules/pulumi-entra-provisioning was made: rebuilt dist/ and refreshed it in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  });
}
