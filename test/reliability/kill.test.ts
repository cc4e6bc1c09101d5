// Kill test: `pulumi up` (and once `pulumi destroy`) is SIGKILLed at random points — the CLI, the
// language host and the dynamic-provider process, the way a cancelled CI job dies. After each
// kill the documented recovery (docs/reliability.md) is run:
//
//   pulumi cancel --yes                                  # only if the file-backend lock is left behind
//   pulumi refresh --clear-pending-creates --yes --skip-preview
//   pulumi up --yes
//
// (after deleting any `.attrs` sidecar of the file backend that the kill left broken), and at
// the end the stack must converge with no duplicates and no orphans. Objects whose create
// was in flight at the kill are adopted by their marker (GalleryApplication) or by template
// (ProvisioningJob); secrets are a PUT and idempotent. The seed (kill points and emulator faults)
// is printed and is in the test's name; TEST_SEED=<seed> replays a run (RELIABILITY_KILL_SEED,
// its older name, still works).
import { randomInt } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { harness, Harness } from "../emulator/helpers";
import { emulatorConfig, openProgram, ProgramRun, repoRoot, runPulumi } from "../helpers/pulumi";
import { descendants, NO_FAULTS, setFaults, emulatorObjects, expectExactly, killTree, sleep, startPulumi } from "./helpers";

jest.setTimeout(900_000);

const N = Number(process.env.RELIABILITY_KILL_N ?? 6);
const ROUNDS = Number(process.env.RELIABILITY_KILL_ROUNDS ?? 5);
const SEED = Number(process.env.TEST_SEED ?? process.env.RELIABILITY_KILL_SEED ?? randomInt(100_000));
if (!Number.isSafeInteger(SEED)) throw new Error(`TEST_SEED must be an integer, got ${process.env.TEST_SEED ?? process.env.RELIABILITY_KILL_SEED}`);
const TOKEN = "kill-scim-token-8a41f2";

/** Small deterministic PRNG (mulberry32) so a failing run can be replayed with its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The seed is in the name, so every failure report names it.
describe(`kill test: ${ROUNDS} SIGKILLs of pulumi at random points (${N} instances, seed ${SEED}; replay: TEST_SEED=${SEED})`, () => {
  let h: Harness;
  let run: ProgramRun;
  const random = prng(SEED);
  const log: string[] = [];

  const lockFiles = () => {
    const dir = path.join(run.stateDir, ".pulumi", "locks");
    if (!fs.existsSync(dir)) return [];
    return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith(".json"));
  };

  /** Read from the file backend directly: cheaper than a `pulumi stack export` per round. */
  const pendingOperations = (): unknown[] => {
    const dir = path.join(run.stateDir, ".pulumi", "stacks");
    const file = (fs.readdirSync(dir, { recursive: true }) as string[]).find((f) => f.endsWith(`${run.stack.name}.json`));
    if (!file) return [];
    const checkpoint = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8"));
    return checkpoint.checkpoint?.latest?.pending_operations ?? [];
  };

  /** The documented recovery, step by step; returns what each step printed for the report. */
  /**
   * The file backend (gocloud fileblob) writes `<file>.attrs` sidecars with a truncating
   * os.Create, not atomically: a kill at that moment leaves an empty one and every later command
   * fails with "failed to load checkpoint: EOF". A missing sidecar is tolerated, a broken one is
   * not, so recovery deletes broken sidecars (docs/reliability.md; `?metadata=skip` on the backend
   * URL avoids them altogether).
   */
  const repairSidecars = () => {
    const dir = path.join(run.stateDir, ".pulumi");
    const broken = (fs.readdirSync(dir, { recursive: true }) as string[])
      .filter((f) => f.endsWith(".attrs"))
      .filter((f) => {
        try {
          JSON.parse(fs.readFileSync(path.join(dir, f), "utf8"));
          return false;
        } catch {
          return true;
        }
      });
    for (const f of broken) fs.rmSync(path.join(dir, f));
    if (broken.length) log.push(`  removed broken backend sidecars: ${broken.join(", ")}`);
  };

  const recover = async (args: string[]) => {
    repairSidecars();
    if (lockFiles().length) {
      const cancel = await runPulumi(run, ["cancel", "--yes"]);
      log.push(`  cancel → ${cancel.code}: ${(cancel.stdout + cancel.stderr).trim().split("\n").slice(-1)[0]}`);
      expect(cancel.code).toBe(0);
      expect(lockFiles()).toEqual([]);
    }
    const pending = pendingOperations();
    const t0 = Date.now();
    const refresh = await runPulumi(run, ["refresh", "--clear-pending-creates", "--yes", "--skip-preview"]);
    log.push(`  refresh --clear-pending-creates (${pending.length} pending) → ${refresh.code} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    if (refresh.code !== 0) throw new Error(`refresh failed:\n${refresh.stdout.slice(-3000)}\n${refresh.stderr.slice(-3000)}`);
    expect(pendingOperations()).toEqual([]);
    // Finish with the same program and config: what the refresh dropped is found by its marker.
    const up = await runPulumi(run, [...args]);
    log.push(`  ${args[0]} → ${up.code}`);
    if (up.code !== 0) throw new Error(`recovery ${args[0]} failed:\n${up.stdout.slice(-3000)}\n${up.stderr.slice(-3000)}`);
    const s = await emulatorObjects(h);
    expect(s.applications.length).toBe(args[0] === "destroy" ? 0 : N);
  };

  /** Requests the emulator has answered for a method whose route contains `route`. */
  const served = async (method: string, route: string) => {
    const stats = (await h.admin("GET", "/stats")).body as { requests: { method: string; route: string; count: number }[] };
    return stats.requests.filter((r) => r.method === method && r.route.includes(route)).reduce((n, r) => n + r.count, 0);
  };

  /**
   * Starts `pulumi <args>` and SIGKILLs it once the emulator has served `k` more writes of the kind
   * that matters, so the kill lands among resource operations (not during the engine's startup) and
   * never after the work is done. Returns false if pulumi finished first.
   */
  const killAfter = async (args: string[], write: [string, string], k: number, label: string): Promise<boolean> => {
    const before = await served(...write);
    const p = startPulumi(run, args);
    let exited = false;
    void p.done.then(() => (exited = true));
    while (!exited && (await served(...write)) - before < k) await sleep(25);
    if (exited) {
      log.push(`${label}: finished before ${k} × ${write.join(" ")}`);
      return false;
    }
    const tree = [p.child.pid as number, ...descendants(p.child.pid as number)];
    const killed = killTree(p.child.pid as number);
    await p.done;
    await sleep(200);
    const alive = tree.filter((pid) => fs.existsSync(`/proc/${pid}`) && !fs.readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z "));
    expect(alive).toEqual([]);
    const s = await emulatorObjects(h);
    log.push(`${label}: killed ${killed} processes after ${k} × ${write.join(" ")}; emulator holds ${s.applications.length} apps, ${s.jobs.length} jobs`);
    // Never a duplicate, even before recovery: during a replacement at most old + new.
    expect(s.applications.length).toBeLessThanOrEqual(2 * N);
    expect(s.jobs.length).toBeLessThanOrEqual(2 * N);
    return true;
  };

  /** A uniform pick in [1, max]. */
  const pick = (max: number) => 1 + Math.floor(random() * Math.max(1, max));

  // Every round gives pulumi work, then kills it part-way: creates (instantiate, job POST,
  // validate, start: 4 POSTs per instance), replacements of every application (a template
  // rotation), renames (one application PATCH each) and a destroy (two DELETEs each).
  const TEMPLATES = ["Zoom", "Dropbox Business", "Snowflake"];
  let rotation = 0;
  let renames = 0;
  const rotate = () => {
    rotation++;
    return run.stack.setConfig("templates", { value: JSON.stringify([...TEMPLATES.slice(rotation % 3), ...TEMPLATES.slice(0, rotation % 3)]) });
  };
  const rename = () => {
    renames++;
    const overrides = Object.fromEntries(Array.from({ length: N }, (_, i) => [i, { displayName: `Renamed ${renames}.${i}` }]));
    return run.stack.setConfig("overrides", { value: JSON.stringify(overrides) });
  };
  const UP = ["up", "--yes", "--skip-preview"];
  const rounds: { label: string; prepare: () => Promise<unknown>; args: string[]; write: [string, string]; writes: number }[] = [
    { label: "create", prepare: async () => undefined, args: UP, write: ["POST", "/"], writes: 4 * N },
    ...Array.from({ length: Math.max(0, ROUNDS - 3) }, () => ({ label: "replace", prepare: rotate, args: UP, write: ["POST", "/"] as [string, string], writes: 4 * N })),
    { label: "rename", prepare: rename, args: UP, write: ["PATCH", "/applications/"], writes: N },
    { label: "destroy", prepare: async () => undefined, args: ["destroy", "--yes", "--skip-preview"], write: ["DELETE", "/"], writes: 2 * N },
  ];

  beforeAll(async () => {
    process.stdout.write(`kill test: seed ${SEED} (replay with TEST_SEED=${SEED})\n`);
    // Lag and instantiate 404s matter to recovery; random 429/5xx only slow it (the chaos suite covers them).
    h = await harness({ seed: SEED, latencyMs: 20, replicationLagMs: 1500, instantiate404Rate: 0.2, cycleIntervalMs: 2000 });
    run = await openProgram(path.join(repoRoot, "test", "fixtures", "instances"), {
      config: { ...emulatorConfig(h.emu), count: { value: String(N) }, secretToken: { value: TOKEN, secret: true } },
    });
  });
  afterAll(async () => {
    process.stdout.write(`kill test (seed ${SEED}; replay with TEST_SEED=${SEED}):\n${log.join("\n")}\n`);
    run?.cleanup();
    await h?.close();
  });

  it("recovers after every kill and converges with no duplicates and no orphans", async () => {
    let kills = 0;
    for (const [i, round] of rounds.entries()) {
      // A round whose command finished before the kill is given new work and tried again.
      for (let attempt = 1; attempt <= 3; attempt++) {
        if (attempt > 1 && round.label === "destroy") {
          const up = await runPulumi(run, UP);
          expect(up.code).toBe(0);
        }
        await (attempt > 1 && round.label !== "destroy" ? (round.label === "rename" ? rename() : rotate()) : round.prepare());
        // Kill within the first half of the round's own writes (the run may also finish earlier work).
        const killed = await killAfter(round.args, round.write, pick(round.writes / 2), `round ${i + 1} (${round.label}, attempt ${attempt})`);
        await recover(round.args);
        if (killed) {
          kills++;
          break;
        }
      }
    }
    expect(kills).toBe(rounds.length);
    const up = await runPulumi(run, ["up", "--yes", "--skip-preview"]);
    if (up.code !== 0) throw new Error(`final up failed:\n${up.stdout.slice(-4000)}\n${up.stderr.slice(-3000)}`);
    const ours = await expectExactly(h, run, N);
    const again = await runPulumi(run, ["preview", "--refresh", "--expect-no-changes"]);
    expect(again.code).toBe(0);
    // Names converged too: the provisional marker name never survives.
    await setFaults(h, NO_FAULTS);
    for (const id of ours.applications) {
      const app = await h.call("GET", `/applications/${id}`);
      expect(app.body.displayName).toMatch(new RegExp(`^Renamed ${renames}\\.\\d+$`));
    }
  });

  it("destroy after recovery leaves nothing", async () => {
    const destroy = await runPulumi(run, ["destroy", "--yes", "--skip-preview"]);
    expect(destroy.code).toBe(0);
    const left = await emulatorObjects(h);
    expect(left.applications).toEqual([]);
    expect(left.jobs).toEqual([]);
  });
});
