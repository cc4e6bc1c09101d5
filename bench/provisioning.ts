// `npm run bench -- --instances N [--latency-ms L] [--replication-lag-ms R] [--throttle off|identity-default|RPS]`
//
// In one run, against the emulator: N instances (app + secrets + job each) through the real
// pulumi CLI — create, no-op up, preview --refresh, a one-instance change, two group assignments per instance, destroy — and the same
// phases for a control program of the same shape whose provider does nothing (the engine floor).
// Prints a table and, last, one machine-readable line of the run's figures.
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { Agent, request } from "undici";
import { providerConfig, startEmulator, type RunningEmulator } from "../emulator";

const root = path.resolve(__dirname, "..", "..");
const pulumiBin = path.join(root, ".tools", "bin", "pulumi");

/** Least requests per instance each phase needs (issue 8): what a perfect client would send. */
const MIN_REQUESTS = { create: 6, refresh: 1 };
/** Groups assigned to every instance in the assignment phase (AppRoleAssignment by group name). */
const GROUPS_PER_APP = 2;

/** Requests on one instance's critical path (app → secrets → job), each paying the latency. */
const CHAIN_REQUESTS = { create: 10, refresh: 1 };

interface Phase {
  name: string;
  seconds: number;
  requests: Map<string, number>;
  total: number;
  throttled: number;
  serverErrors: number;
}

function args() {
  const { values } = parseArgs({
    options: {
      instances: { type: "string", default: "50" },
      "latency-ms": { type: "string", default: "50" },
      "replication-lag-ms": { type: "string", default: "2000" },
      throttle: { type: "string", default: "identity-default" },
      // Pulumi's default is 4 × CPUs; a fleet's resources spend most of their time waiting on Graph.
      parallel: { type: "string", default: "64" },
      // entra:maxConcurrency for the provider; the provider's default when not given.
      "max-concurrency": { type: "string" },
    },
  });
  const throttle = values.throttle === "off" || values.throttle === "identity-default" ? values.throttle : Number(values.throttle);
  return {
    n: Number(values.instances),
    latencyMs: Number(values["latency-ms"]),
    lagMs: Number(values["replication-lag-ms"]),
    throttle: throttle as "off" | "identity-default" | number,
    parallel: Number(values.parallel),
    maxConcurrency: values["max-concurrency"],
  };
}

async function stats(emu: RunningEmulator, dispatcher: Agent): Promise<{ method: string; route: string; status: number; count: number }[]> {
  const res = await request(`${emu.adminUrl}/stats`, { dispatcher });
  return ((await res.body.json()) as { requests: { method: string; route: string; status: number; count: number }[] }).requests;
}

/** Peak RSS (MB) of the dynamic-provider processes while `fn` runs. */
async function withPeakRss<T>(fn: () => Promise<T>): Promise<{ result: T; peakMb: number }> {
  let peak = 0;
  const timer = setInterval(() => {
    try {
      const out = execFileSync("ps", ["-eo", "rss=,args="], { encoding: "utf8" });
      for (const line of out.split("\n")) {
        if (line.includes("dynamic-provider/index.js")) peak = Math.max(peak, Number(line.trim().split(/\s+/)[0]) / 1024);
      }
    } catch {
      /* ps raced a process exit */
    }
  }, 200);
  try {
    return { result: await fn(), peakMb: peak };
  } finally {
    clearInterval(timer);
  }
}

function pulumi(argv: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(pulumiBin, [...argv, "--non-interactive", "--stack", "bench"], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`pulumi ${argv.join(" ")} exited ${code}:\n${out.slice(-3000)}`))));
  });
}

/** `entra-provisioning drift` on the stack; exit 0 (clean) is expected. */
function driftCommand(p: { dir: string; env: NodeJS.ProcessEnv }): Promise<void> {
  return new Promise((resolve, reject) => {
    const cli = path.join(root, "dist", "provider", "cli", "main.js");
    const child = spawn(process.execPath, [cli, "drift", "--cwd", p.dir, "--stack", "bench"], { env: { ...p.env, ENTRA_PULUMI_BINARY: pulumiBin }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`entra-provisioning drift exited ${code}:\n${out.slice(-3000)}`))));
  });
}

function program(fixture: string, tmp: string, name: string): { dir: string; env: NodeJS.ProcessEnv; stateDir: string } {
  const dir = path.join(tmp, name);
  fs.cpSync(fixture, dir, { recursive: true });
  fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"));
  const stateDir = path.join(tmp, `${name}-state`);
  fs.mkdirSync(stateDir);
  const env = {
    ...process.env,
    PATH: `${path.dirname(pulumiBin)}:${process.env.PATH}`,
    PULUMI_BACKEND_URL: `file://${stateDir}`,
    PULUMI_HOME: path.join(tmp, "home"),
    PULUMI_CONFIG_PASSPHRASE: "bench",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
  };
  return { dir, env, stateDir };
}

function stateBytes(stateDir: string): number {
  const find = (d: string): string | undefined => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        const hit = find(p);
        if (hit) return hit;
      } else if (e.name === "bench.json") return p;
    }
    return undefined;
  };
  const file = find(stateDir);
  return file ? fs.statSync(file).size : 0;
}

async function main(): Promise<void> {
  const { n, latencyMs, lagMs, throttle, parallel, maxConcurrency } = args();
  // Every engine run of both programs, at the same parallelism.
  const engine = (argv: string[], p: { dir: string; env: NodeJS.ProcessEnv }) => pulumi([...argv, "--parallel", String(parallel)], p.dir, p.env);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "entra-bench-"));
  const emu = await startEmulator({ latencyMs, replicationLagMs: lagMs, throttle, cycleIntervalMs: 5000, seed: 8 });
  const dispatcher = new Agent({ connect: { ca: emu.caFile ? fs.readFileSync(emu.caFile) : undefined } });
  try {
    const real = program(path.join(root, "test", "fixtures", "instances"), tmp, "real");
    const floor = program(path.join(root, "bench", "fixtures", "floor"), tmp, "floor");
    const setConfig = async (p: typeof real, pairs: [string, string, boolean?][]) => {
      for (const [k, v, secret] of pairs) await pulumi(["config", "set", ...(secret ? ["--secret"] : []), k, v], p.dir, p.env);
    };
    for (const p of [real, floor]) await pulumi(["stack", "init"], p.dir, p.env);
    await setConfig(floor, [["count", String(n)]]);
    await setConfig(real, [
      ["count", String(n)],
      ["secretToken", "bench-token", true],
      ...Object.entries(providerConfig(emu)).map(([k, c]): [string, string, boolean?] => [k, c.value, c.secret]),
      ...(maxConcurrency === undefined ? [] : [["entra:maxConcurrency", maxConcurrency] as [string, string]]),
    ]);

    const phases: Phase[] = [];
    let providerRss = 0;
    let stateSize = 0;
    let floorStateSize = 0;
    const measure = async (name: string, fn: () => Promise<void>) => {
      const before = await stats(emu, dispatcher);
      const t = Date.now();
      const { peakMb } = await withPeakRss(fn);
      const seconds = (Date.now() - t) / 1000;
      const after = await stats(emu, dispatcher);
      const key = (r: { method: string; route: string }) => `${r.method} ${r.route}`;
      const prev = new Map(before.map((r) => [`${key(r)} ${r.status}`, r.count]));
      const requests = new Map<string, number>();
      let total = 0;
      let throttled = 0;
      let serverErrors = 0;
      for (const r of after) {
        const d = r.count - (prev.get(`${key(r)} ${r.status}`) ?? 0);
        if (d <= 0 || r.route.includes("oauth2") || r.route.includes("well-known")) continue;
        total += d;
        if (r.status === 429) throttled += d;
        if (r.status >= 500) serverErrors += d;
        requests.set(key(r), (requests.get(key(r)) ?? 0) + d);
      }
      if (!name.startsWith("floor")) providerRss = Math.max(providerRss, peakMb);
      phases.push({ name, seconds, requests, total, throttled, serverErrors });
      process.stderr.write(`  ${name}: ${seconds.toFixed(1)} s, ${total} Graph requests\n`);
    };

    await measure("floor create", () => engine(["up", "--yes", "--skip-preview"], floor));
    floorStateSize = stateBytes(floor.stateDir);
    await measure("floor no-op up", () => engine(["up", "--yes", "--skip-preview"], floor));
    await measure("floor preview --refresh", () => engine(["preview", "--refresh"], floor));
    await setConfig(floor, [["changed", "0"]]);
    await measure("floor one change", () => engine(["up", "--yes", "--skip-preview"], floor));
    await setConfig(floor, [["groupsPerApp", String(GROUPS_PER_APP)]]);
    await measure("floor assign", () => engine(["up", "--yes", "--skip-preview"], floor));
    await measure("floor destroy", () => engine(["destroy", "--yes", "--skip-preview"], floor));

    await measure("create", () => engine(["up", "--yes", "--skip-preview"], real));
    stateSize = stateBytes(real.stateDir);
    await measure("no-op up", () => engine(["up", "--yes", "--skip-preview"], real));
    await measure("preview --refresh", () => engine(["preview", "--refresh"], real));
    // The drift command on the same clean stack: preview --refresh --json plus its analysis.
    await measure("entra-provisioning drift", () => driftCommand(real));
    await setConfig(real, [["overrides", JSON.stringify({ 0: { displayName: "changed by bench" } })]]);
    await measure("one change", () => engine(["up", "--yes", "--skip-preview"], real));
    await setConfig(real, [["groupsPerApp", String(GROUPS_PER_APP)]]);
    await measure("assign", () => engine(["up", "--yes", "--skip-preview"], real));
    await measure("destroy", () => engine(["destroy", "--yes", "--skip-preview"], real));

    report(phases, { n, latencyMs, lagMs, throttle, parallel, providerRss, stateSize, floorStateSize });
  } finally {
    await dispatcher.close();
    await emu.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Seconds the emulator's throttle alone forces for `requests` requests, `writes` of them writes. */
function throttleSeconds(throttle: "off" | "identity-default" | number, requests: number, writes: number): number {
  if (throttle === "off") return 0;
  if (typeof throttle === "number") return Math.max(0, requests - throttle) / throttle;
  // identity-default: 3,500 RU burst + 350 RU/s (≥ 1 RU a request); writes 3,000 burst + 20/s.
  return Math.max((requests - 3500) / 350, (writes - 3000) / 20, 0);
}

function report(
  phases: Phase[],
  run: { n: number; latencyMs: number; lagMs: number; throttle: string | number; parallel: number; providerRss: number; stateSize: number; floorStateSize: number },
): void {
  const { n } = run;
  const get = (name: string) => phases.find((p) => p.name === name)!;
  const create = get("create");
  const refresh = get("preview --refresh");
  const floorCreate = get("floor create").seconds;
  const floorRefresh = get("floor preview --refresh").seconds;
  const lbCreate = Math.max(throttleSeconds(run.throttle as never, MIN_REQUESTS.create * n, 5 * n), (CHAIN_REQUESTS.create * run.latencyMs) / 1000);
  const lbRefresh = Math.max(throttleSeconds(run.throttle as never, MIN_REQUESTS.refresh * 3 * n, 0), (CHAIN_REQUESTS.refresh * run.latencyMs) / 1000);
  const createRatio = create.seconds / (floorCreate + lbCreate);
  const refreshRatio = refresh.seconds / (floorRefresh + lbRefresh);

  const out = (s: string) => process.stdout.write(`${s}\n`);
  out(`\nbench: ${n} instances, latency ${run.latencyMs} ms, replication lag ≤ ${run.lagMs} ms, throttle ${run.throttle}, pulumi --parallel ${run.parallel}`);
  out(`${"phase".padEnd(26)}${"wall s".padStart(8)}${"requests".padStart(10)}${"req/inst".padStart(10)}${"429s".padStart(7)}${"5xx".padStart(6)}`);
  for (const p of phases) {
    out(`${p.name.padEnd(26)}${p.seconds.toFixed(1).padStart(8)}${String(p.total).padStart(10)}${(p.total / n).toFixed(2).padStart(10)}${String(p.throttled).padStart(7)}${String(p.serverErrors).padStart(6)}`);
  }
  for (const p of [create, refresh]) {
    out(`\n${p.name}: requests per instance by route`);
    for (const [route, count] of [...p.requests].sort((a, b) => b[1] - a[1])) out(`  ${(count / n).toFixed(2).padStart(6)}  ${route}`);
  }
  out(`\nengine floor: create ${floorCreate.toFixed(1)} s, preview --refresh ${floorRefresh.toFixed(1)} s`);
  out(`Graph lower bound: create ${lbCreate.toFixed(1)} s, refresh ${lbRefresh.toFixed(1)} s`);
  const driftRun = get("entra-provisioning drift");
  out(`entra-provisioning drift on the clean stack: ${driftRun.seconds.toFixed(1)} s (plain preview --refresh ${refresh.seconds.toFixed(1)} s)`);
  out(`create ratio ${createRatio.toFixed(2)}, refresh ratio ${refreshRatio.toFixed(2)} (time / (floor + lower bound))`);
  const assign = get("assign");
  const assignments = n * GROUPS_PER_APP;
  const floorAssign = get("floor assign").seconds;
  out(`\nassign (${GROUPS_PER_APP} groups per instance, ${assignments} assignments): ${assign.seconds.toFixed(1)} s (floor ${floorAssign.toFixed(1)} s, ratio ${(assign.seconds / floorAssign).toFixed(2)}), ${(assign.total / assignments).toFixed(2)} requests per assignment`);
  for (const [route, count] of [...assign.requests].sort((a, b) => b[1] - a[1])) out(`  ${count.toString().padStart(6)}  ${route}`);
  out(`peak RSS of the provider process: ${run.providerRss.toFixed(0)} MB; state: ${(run.stateSize / n / 1024).toFixed(1)} KB per instance (floor ${(run.floorStateSize / n / 1024).toFixed(1)} KB)`);
  out(
    `bench: instances=${n} create_s=${create.seconds.toFixed(1)} create_ratio=${createRatio.toFixed(2)} refresh_s=${refresh.seconds.toFixed(1)} ` +
      `refresh_ratio=${refreshRatio.toFixed(2)} create_requests_per_instance=${(create.total / n).toFixed(2)} ` +
      `refresh_requests_per_instance=${(refresh.total / n).toFixed(2)} provider_rss_mb=${run.providerRss.toFixed(0)} ` +
      `floor_create_s=${floorCreate.toFixed(1)} floor_refresh_s=${floorRefresh.toFixed(1)} ` +
      `drift_s=${driftRun.seconds.toFixed(1)} assign_s=${assign.seconds.toFixed(1)} floor_assign_s=${floorAssign.toFixed(1)} assign_requests_per_assignment=${(assign.total / assignments).toFixed(2)}`,
  );
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
