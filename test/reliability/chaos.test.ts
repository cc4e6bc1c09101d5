// Chaos: N instances (app + secrets + job each) through the real CLI against an emulator that
// throttles 10 % of requests at random, fails 5 % with 5xx or a reset connection, lags replicas
// up to 5 s and answers instantiate with 404 after creating the objects. `pulumi up` must
// converge with zero errors, and the emulator must then hold exactly the stack's objects: no
// orphans, no duplicates. CI runs a small N (RELIABILITY_CHAOS_N, default 20); the full N=200 is
// `npx ts-node bench/chaos.ts`.
import * as path from "node:path";
import { harness, Harness } from "../emulator/helpers";
import { emulatorConfig, openProgram, ProgramRun, repoRoot, runPulumi } from "../helpers/pulumi";
import { CHAOS, emulatorObjects, expectExactly, setFaults } from "./helpers";

jest.setTimeout(900_000);

const N = Number(process.env.RELIABILITY_CHAOS_N ?? 20);
const TOKEN = "chaos-scim-token-5d0c1e";

describe(`chaos: ${N} instances under throttling, faults, lag and instantiate 404s`, () => {
  let h: Harness;
  let run: ProgramRun;

  beforeAll(async () => {
    h = await harness({ seed: 7, cycleIntervalMs: 2000, ...CHAOS });
    run = await openProgram(path.join(repoRoot, "test", "fixtures", "instances"), {
      config: { ...emulatorConfig(h.emu), count: { value: String(N) }, secretToken: { value: TOKEN, secret: true } },
    });
  });
  afterAll(async () => {
    run?.cleanup();
    await h?.close();
  });

  it("converges with one pulumi up and zero errors", async () => {
    const started = Date.now();
    const up = await runPulumi(run, ["up", "--yes", "--skip-preview"]);
    const seconds = (Date.now() - started) / 1000;
    if (up.code !== 0) throw new Error(`pulumi up failed (${up.code}):\n${up.stdout.slice(-4000)}\n${up.stderr.slice(-4000)}`);
    expect(up.stdout).not.toMatch(/error:/);
    const stats = (await h.admin("GET", "/stats")).body as { requests: { status: number; count: number; route: string }[]; total: number };
    const by = (pred: (s: number) => boolean) => stats.requests.filter((r) => pred(r.status)).reduce((n, r) => n + r.count, 0);
    const instantiate404 = stats.requests.filter((r) => r.route.includes("instantiate") && r.status === 404).reduce((n, r) => n + r.count, 0);
    process.stdout.write(
      `chaos N=${N}: up ${seconds.toFixed(1)} s, ${stats.total} requests, ${by((s) => s === 429)} × 429, ` +
        `${by((s) => s >= 500)} × 5xx, ${by((s) => s === 0)} resets, ${instantiate404} instantiate 404s\n`,
    );
    // The faults really happened.
    expect(by((s) => s === 429)).toBeGreaterThan(0);
    expect(by((s) => s >= 500 || s === 0)).toBeGreaterThan(0);
  });

  it("leaves exactly the stack's applications, service principals, jobs and secret sets", async () => {
    await expectExactly(h, run, N);
    const s = (await emulatorObjects(h)).raw;
    expect(s.jobs.items.every((j) => j.scheduleState === "Active")).toBe(true);
  });

  it("a second up under the same chaos changes nothing", async () => {
    const up = await runPulumi(run, ["up", "--yes", "--skip-preview", "--expect-no-changes"]);
    expect(up.code).toBe(0);
    await expectExactly(h, run, N);
  });

  it("destroy under chaos removes everything", async () => {
    const destroy = await runPulumi(run, ["destroy", "--yes", "--skip-preview"]);
    if (destroy.code !== 0) throw new Error(`destroy failed:\n${destroy.stdout.slice(-4000)}\n${destroy.stderr.slice(-2000)}`);
    await setFaults(h, { replicationLagMs: 0 });
    const left = await emulatorObjects(h);
    expect(left.applications).toEqual([]);
    expect(left.servicePrincipals).toEqual([]);
    expect(left.jobs).toEqual([]);
  });
});
