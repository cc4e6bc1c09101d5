/**
 * Full-size reliability runs: the chaos suite (10 % 429, 5 % 5xx + resets, replication lag up to
 * 5 s, instantiate 404s) at N instances, and the kill test (SIGKILL of pulumi at random points,
 * then the documented recovery) at K instances. Both are the CI tests in test/reliability with a
 * larger N, so the full-size run checks exactly what CI checks: `pulumi up` converges with zero
 * errors and the emulator then holds exactly the stack's N applications, N jobs and N secret
 * sets — no orphans, no duplicates.
 *
 *   bash scripts/setup.sh
 *   npx ts-node --transpile-only bench/chaos.ts [N=200] [killN=20] [killRounds=5]
 *
 * Prints the suites' own figures (wall time of `pulumi up`, requests, 429s, 5xx, resets,
 * instantiate 404s; the kill log with what each recovery found). Set RELIABILITY_KILL_SEED to
 * replay a kill run. Expect several minutes for N=200 on 2 cores.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const root = path.resolve(__dirname, "..");
const n = process.argv[2] ?? "200";
const killN = process.argv[3] ?? "20";
const killRounds = process.argv[4] ?? "5";

function jest(file: string, env: Record<string, string>): number {
  const started = Date.now();
  const r = spawnSync("npx", ["jest", "--ci", "--verbose", file], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: "inherit",
  });
  process.stdout.write(`\n${file}: exit ${r.status} in ${((Date.now() - started) / 1000).toFixed(0)} s\n\n`);
  return r.status ?? 1;
}

const chaos = jest("test/reliability/chaos.test.ts", { RELIABILITY_CHAOS_N: n });
const kill = killRounds === "0" ? 0 : jest("test/reliability/kill.test.ts", { RELIABILITY_KILL_N: killN, RELIABILITY_KILL_ROUNDS: killRounds });
process.exit(chaos || kill);
