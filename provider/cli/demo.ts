// `entra-provisioning demo` (the README's `npm run demo`): the root Pulumi.yaml stack — the
// examples/fleet program — converged against a local Graph emulator over HTTPS with realistic
// latency and replication lag; job status converging; drift made through Graph caught by
// `pulumi preview --refresh --expect-no-changes` and corrected; a summary. The drift figure is
// measured: each out-of-band change is tied to the URN of the resource it affects, and the
// preview's engine events say which resources it reports as changing. Pulumi runs through the
// Automation API (progress from its events, engine-progress.ts), except the drift checks, whose
// exit code is the point (pulumi-run.ts says why).
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { Command } from "commander";
import { providerConfig, providerConfigValues, startEmulator, type ProviderConfigValue, type RunningEmulator } from "../../emulator";
import { loadFleet } from "../fleet";
import { queryProvisioningLogs } from "../functions/logs";
import { endpoints, getGraphClient, loadGraphSettings, type GraphClient } from "../graph";
import { commandErrorLines, summaryLines, withEngineProgress } from "./engine-progress";
import { pulumiFailed, usageError } from "./errors";
import { runPulumi } from "./pulumi-run";

/** A fleet's resources mostly wait on Graph: run more of them at once than Pulumi's 4 × CPUs default. */
const PARALLEL = 64;

const repoRoot = path.resolve(__dirname, "..", "..", "..");
/** The project's engine, built by scripts/setup.sh (scripts/lib.sh pulumi_offline_env puts its directory on PATH). */
const toolsRoot = path.join(repoRoot, ".tools");
const pulumiBin = path.join(toolsRoot, "bin", "pulumi");
const FLEET_SECRETS = ["zoomToken", "dropboxToken", "snowflakeToken", "atlassianToken", "awsClientSecret", "awsSecretToken"];

const say = (text: string) => process.stdout.write(`\n\x1b[1m${text}\x1b[0m\n`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The demo's flags as commander parses them (values as typed: the demo checks and converts them). */
export interface DemoOptions {
  instances: string;
  latencyMs: string;
  replicationLagMs: string;
  keepRunning?: boolean;
  destroy?: boolean;
}

/** `entra-provisioning demo` (`npm run demo -- [options]`): exit code 0 when the demo caught and corrected every change. */
export function demoCommand(): Command {
  return new Command("demo")
    .description("run the end-to-end demo against a local Graph emulator")
    .addHelpText("after", "\nFrom a fresh clone: npm run demo -- [options] (sets everything up first).")
    .option("--instances <n>", "fleet size (at most 200: the entries of examples/fleet/fleet.yaml)", "200")
    .option("--latency-ms <ms>", "emulator latency", "40")
    .option("--replication-lag-ms <ms>", "emulator replication lag", "2000")
    .option("--keep-running", "leave the emulator and the stack running at the end (Ctrl-C stops)")
    .option("--destroy", "run pulumi destroy at the end")
    .action(async (options: DemoOptions) => {
      process.exitCode = await runDemo(options);
    });
}

export async function runDemo(options: DemoOptions): Promise<number> {
  const instances = Number(options.instances);
  if (!Number.isInteger(instances) || instances < 1 || instances > 200) throw usageError(`--instances must be an integer from 1 to 200, got "${options.instances}"`);
  const started = Date.now();
  const phases: [string, number][] = [];
  const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t = Date.now();
    const result = await fn();
    phases.push([name, Date.now() - t]);
    return result;
  };

  say(`1/6  Starting the Graph emulator (HTTPS, ${options.latencyMs} ms latency, up to ${options.replicationLagMs} ms replication lag)`);
  const emu = await startEmulator({
    latencyMs: Number(options.latencyMs),
    replicationLagMs: Number(options.replicationLagMs),
    cycleIntervalMs: 2000,
    seed: 2026,
  });
  process.stdout.write(`  Graph: ${emu.graphUrl}/v1.0   token endpoint: ${emu.authorityHost}/${emu.tenantId}/oauth2/v2.0/token\n`);
  const stopEmulator = async () => {
    await emu.close();
  };

  try {
    const env = demoEnv();
    // `pulumi preview --refresh --expect-no-changes` on the demo stack: exit code 7 when it finds drift.
    const driftCheck = (extra: string[], extraEnv: NodeJS.ProcessEnv = {}) =>
      runPulumi(pulumiBin, ["preview", "--refresh", "--expect-no-changes", "--stack", "demo", "--parallel", String(PARALLEL), ...extra], repoRoot, { ...env, ...extraEnv });
    const graph = graphClientFor(emu);

    say(`2/6  Creating the local stack "demo" (file backend in .tools/demo) with the emulator's settings`);
    const stack = await configureStack(await demoWorkspace(env), emu, instances);

    const fleet = loadFleet(path.join(repoRoot, "examples", "fleet", "fleet.yaml")).slice(0, instances);
    const assignments = fleet.reduce((n, e) => n + new Set([...(e.assignments?.groups ?? []), ...(e.assignments?.users ?? [])]).size, 0);
    // App, secrets, job and their component per instance, the group assignments, plus the stack.
    const total = instances * 4 + assignments + 1;
    say(`3/6  pulumi up: ${instances} gallery app instances (application + secrets + job each) and ${assignments} group assignments`);
    const up = await timed("pulumi up (create)", () => withEngineProgress({ expected: total }, (hooks) => stack.up({ ...hooks, parallel: PARALLEL })));
    if (up.error) return fail("pulumi up failed", up.lines);
    for (const line of summaryLines(up.summary)) process.stdout.write(`  ${line}\n`);

    say("4/6  Provisioning jobs converging (job status read through Graph)");
    await timed("jobs reach Active", () => watchJobs(emu, instances));

    say("5/6  Out-of-band changes made through Graph, as an admin in the portal would");
    const drift = await makeDrift(graph, emu);
    for (const change of drift) process.stdout.write(`  - ${change.description}\n`);
    await resolveDriftUrns(stack, drift);
    // The engine writes its events (the stream the Automation API reads) to a file of its own:
    // structured, and never interleaved with the human output runPulumi condenses.
    const eventLog = path.join(demoDir, "drift-check.events.jsonl");
    // --event-log is a debug flag, as the Automation API uses it.
    const preview = await timed("drift check (preview --refresh)", () => driftCheck(["--event-log", eventLog], { PULUMI_DEBUG_COMMANDS: "true" }));
    const measured = measureDrift(drift, reportedChanges(fs.existsSync(eventLog) ? fs.readFileSync(eventLog, "utf8") : ""));
    for (const { change, op } of measured.caught) process.stdout.write(`  caught: ${op} ${resourceLabel(change.urn)}\n`);
    for (const change of measured.missed) process.stdout.write(`  MISSED: ${resourceLabel(change.urn)} (${change.description}) is not reported as changing\n`);
    const follows = measured.unexpected.filter((c) => c.unknownInputs);
    const others = measured.unexpected.filter((c) => !c.unknownInputs);
    if (follows.length > 0) process.stdout.write(`  follows from those (an input is unknown until they update): ${follows.map((c) => `${c.op} ${resourceLabel(c.urn)}`).join(", ")}\n`);
    for (const { urn, op } of others) process.stdout.write(`  also reported, though no out-of-band change touched it: ${op} ${resourceLabel(urn)}\n`);
    process.stdout.write(`  pulumi preview exit code: ${preview.code} (${preview.code === 7 ? "7 = drift detected" : "unexpected"})\n`);
    if (preview.code !== 7) return fail("the drift check did not report the drift", preview.lines);

    say("6/6  pulumi up --refresh: restoring the declared state");
    const fix = await timed("pulumi up --refresh (correct)", () => withEngineProgress("quiet", (hooks) => stack.up({ ...hooks, refresh: true, parallel: PARALLEL })));
    if (fix.error) return fail("pulumi up --refresh failed", fix.lines);
    const clean = await timed("drift check after correction", () => driftCheck([]));
    process.stdout.write(`  drift check after correction: exit ${clean.code} (${clean.code === 0 ? "clean" : "still differs"})\n`);

    if (options.destroy) {
      say("pulumi destroy");
      const destroy = await timed("pulumi destroy", () => withEngineProgress({ expected: total }, (hooks) => stack.destroy({ ...hooks, parallel: PARALLEL })));
      if (destroy.error) return fail("pulumi destroy failed", destroy.lines);
    }

    const provisioned = await usersProvisionedPerApp(graph);
    const stats = await emulatorStats(emu);
    say("Summary");
    process.stdout.write(`  instances:             ${instances} (${instances * 3} Graph objects managed: app, secrets, job)\n`);
    process.stdout.write(`  assignments:           ${assignments} (groups from fleet.yaml); users provisioned per app (provisioning logs): ${describeSpread([...provisioned.values()], instances)}\n`);
    process.stdout.write(`  Graph requests:        ${stats.total} (${(stats.total / instances).toFixed(1)} per instance, all phases), ${stats.throttled} throttled\n`);
    process.stdout.write(`  drift caught:          ${measured.caught.length} of ${drift.length} changes (resources the preview reports as changing), corrected by one pulumi up --refresh\n`);
    if (measured.missed.length > 0) process.stdout.write(`  drift missed:          ${measured.missed.map((c) => resourceLabel(c.urn)).join(", ")}\n`);
    for (const [name, ms] of phases) process.stdout.write(`  ${name.padEnd(32)} ${seconds(ms)}\n`);
    process.stdout.write(`  total:                 ${seconds(Date.now() - started)}\n`);
    if (clean.code !== 0 || measured.missed.length > 0) return 1;

    if (options.keepRunning) {
      say("The emulator keeps running (Ctrl-C to stop). Use the stack with:");
      process.stdout.write(`  source scripts/lib.sh && root=$PWD && pulumi_offline_env\n  export PULUMI_BACKEND_URL=${env.PULUMI_BACKEND_URL}\n  .tools/bin/pulumi stack select demo && .tools/bin/pulumi preview --refresh\n`);
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
    }
    return 0;
  } finally {
    await stopEmulator();
    process.stdout.write("  emulator stopped\n");
  }
}

const demoDir = path.join(repoRoot, ".tools", "demo");

function demoEnv(): NodeJS.ProcessEnv {
  const stateDir = path.join(demoDir, "state");
  fs.rmSync(demoDir, { recursive: true, force: true });
  fs.mkdirSync(stateDir, { recursive: true });
  fs.rmSync(path.join(repoRoot, "Pulumi.demo.yaml"), { force: true });
  return {
    ...process.env,
    PATH: `${path.dirname(pulumiBin)}${path.delimiter}${process.env.PATH ?? ""}`,
    PULUMI_BACKEND_URL: `file://${stateDir}`,
    PULUMI_HOME: process.env.PULUMI_HOME ?? path.join(repoRoot, ".tools", "pulumi-home"),
    PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? "local-demo-passphrase",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    // The fleet program is type-checked by `npm test`; the demo only needs it transpiled.
    PULUMI_NODEJS_TRANSPILE_ONLY: "true",
  };
}

/** The root Pulumi.yaml project, run by the project's engine (never PulumiCommand.install(): nothing is downloaded). */
async function demoWorkspace(env: NodeJS.ProcessEnv): Promise<LocalWorkspace> {
  if (!fs.existsSync(pulumiBin)) throw pulumiFailed(`the project's Pulumi engine is missing (${pulumiBin}): npm run demo builds it with scripts/setup.sh`);
  const pulumiCommand = await PulumiCommand.get({ root: toolsRoot });
  const envVars = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
  return LocalWorkspace.create({ workDir: repoRoot, pulumiCommand, envVars });
}

/**
 * Runs one Automation API step of the stack's setup; a failure names the command and Pulumi's error lines.
 * The Automation API's error is not kept as `cause`: its message repeats the command line, which holds
 * secret values for `config set-all --secret`.
 */
async function setupStep<T>(command: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    throw pulumiFailed(`${command} failed:\n${commandErrorLines(e).join("\n")}`);
  }
}

async function configureStack(workspace: LocalWorkspace, emu: RunningEmulator, instances: number): Promise<Stack> {
  const stack = await setupStep("pulumi stack init", () => Stack.create("demo", workspace));
  process.stdout.write(`  Created stack '${stack.name}'\n`);
  const config: Record<string, ProviderConfigValue> = { ...providerConfig(emu), "fleet:limit": { value: String(instances) } };
  for (const key of FLEET_SECRETS) config[`fleet:${key}`] = { value: `demo-${key}-${emu.tenantId.slice(0, 8)}`, secret: true };
  await setupStep("pulumi config set-all", () => stack.setAllConfig(config));
  const secrets = Object.values(config).filter((c) => c.secret).length;
  process.stdout.write(`  ${Object.keys(config).length} config values set (${secrets} as encrypted secrets)\n`);
  return stack;
}

function graphClientFor(emu: RunningEmulator): GraphClient {
  return getGraphClient(loadGraphSettings(providerConfigValues(emu), {}));
}

interface JobRow {
  id: string;
  servicePrincipalId: string;
  status: string;
  scheduleState: string;
}

async function emulatorState(emu: RunningEmulator): Promise<{ jobs: { items: JobRow[] }; applications: { ids: string[] } }> {
  const res = await fetchAdmin(emu, "/state");
  return res as { jobs: { items: JobRow[] }; applications: { ids: string[] } };
}

async function emulatorStats(emu: RunningEmulator): Promise<{ total: number; throttled: number }> {
  const stats = (await fetchAdmin(emu, "/stats")) as { total: number; requests: { status: number; count: number }[] };
  return { total: stats.total, throttled: stats.requests.filter((r) => r.status === 429).reduce((n, r) => n + r.count, 0) };
}

async function fetchAdmin(emu: RunningEmulator, route: string): Promise<unknown> {
  const { Agent, request } = await import("undici");
  const ca = emu.caFile ? fs.readFileSync(emu.caFile, "utf8") : undefined;
  const dispatcher = new Agent({ connect: { ca } });
  try {
    const res = await request(`${emu.adminUrl}${route}`, { dispatcher });
    return await res.body.json();
  } finally {
    await dispatcher.close();
  }
}

/** Prints job status counts until every job is Active (or a minute passes). */
async function watchJobs(emu: RunningEmulator, instances: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { jobs } = await emulatorState(emu);
    const counts = new Map<string, number>();
    for (const j of jobs.items) counts.set(j.status, (counts.get(j.status) ?? 0) + 1);
    const text = [...counts].map(([code, n]) => `${code} ${n}`).join(" · ");
    process.stdout.write(`  jobs: ${text}\n`);
    if ((counts.get("Active") ?? 0) === instances || Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/**
 * One out-of-band change and the resource it must show up on: the resource of type
 * `pulumi-nodejs:dynamic/entra:<kind>` whose id is the Graph object's id (an application's
 * object id, a job's id). `urn` is filled in from the stack's state.
 */
export interface DriftChange {
  description: string;
  kind: "GalleryApplication" | "ProvisioningJob";
  id: string;
  urn: string;
}

/** Renames one application and pauses another instance's job; returns what was done. */
async function makeDrift(graph: GraphClient, emu: RunningEmulator): Promise<DriftChange[]> {
  const { jobs } = await emulatorState(emu);
  const [a, b] = jobs.items;
  const sp = (await graph.get<{ appId: string; displayName: string }>({ endpoint: endpoints.servicePrincipal, params: { spId: a.servicePrincipalId } })).body;
  const app = (await graph.get<{ id: string }>({ endpoint: endpoints.applicationByAppId, params: { appId: sp.appId } })).body;
  await graph.patch({ endpoint: endpoints.application, params: { appObjectId: app.id }, body: { displayName: `${sp.displayName} (renamed in portal)` } });
  await graph.post({ endpoint: endpoints.jobPause, params: { spId: b.servicePrincipalId, jobId: b.id } });
  return [
    { description: `renamed application "${sp.displayName}" (PATCH /applications/${app.id})`, kind: "GalleryApplication", id: app.id, urn: "" },
    { description: `paused provisioning job ${b.id} (POST …/jobs/{id}/pause)`, kind: "ProvisioningJob", id: b.id, urn: "" },
  ];
}

/** Finds the URN of the resource each change affects in the stack's state (`pulumi stack export`). */
async function resolveDriftUrns(stack: Stack, changes: DriftChange[]): Promise<void> {
  const state = await setupStep("pulumi stack export", () => stack.exportStack());
  const resources = ((state.deployment as { resources?: { urn: string; type: string; id?: string }[] }).resources ?? []);
  for (const change of changes) {
    const found = resources.find((r) => r.type === `pulumi-nodejs:dynamic/entra:${change.kind}` && r.id === change.id);
    if (!found) throw new Error(`no ${change.kind} with id ${change.id} in the stack (for: ${change.description})`);
    change.urn = found.urn;
  }
}

/** Step operations that change nothing: a refresh read, an unchanged resource, a read of an external resource. */
const NO_CHANGE = new Set(["same", "refresh", "read"]);
/** How the engine writes an unknown (computed) string value (pulumi/pulumi sdk/go/common/resource/plugin/rpc.go). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export interface ReportedChange {
  op: string;
  /** The step's new inputs hold an unknown value: it changes because a resource it depends on does. */
  unknownInputs: boolean;
}

/**
 * The resources a preview reports as changing, with their operation (update, replace, create,
 * delete, …), from its engine event log: one JSON event per line; each step starts with a
 * `resourcePreEvent` whose metadata carries `op` and `urn`.
 */
export function reportedChanges(eventLog: string): Map<string, ReportedChange> {
  const changes = new Map<string, ReportedChange>();
  for (const line of eventLog.split("\n")) {
    if (!line.trim()) continue;
    const event = JSON.parse(line) as { resourcePreEvent?: { metadata?: { op?: string; urn?: string; new?: { inputs?: unknown } } } };
    const step = event.resourcePreEvent?.metadata;
    if (!step?.op || !step.urn || NO_CHANGE.has(step.op)) continue;
    changes.set(step.urn, { op: step.op, unknownInputs: JSON.stringify(step.new?.inputs ?? {}).includes(UNKNOWN) });
  }
  return changes;
}

export interface DriftMeasure {
  caught: { change: DriftChange; op: string }[];
  missed: DriftChange[];
  /** Changes the preview reports on resources no out-of-band change touched. */
  unexpected: ({ urn: string } & ReportedChange)[];
}

export function measureDrift(changes: DriftChange[], reported: Map<string, ReportedChange>): DriftMeasure {
  const measure: DriftMeasure = { caught: [], missed: [], unexpected: [] };
  for (const change of changes) {
    const step = reported.get(change.urn);
    if (step) measure.caught.push({ change, op: step.op });
    else measure.missed.push(change);
  }
  const ours = new Set(changes.map((c) => c.urn));
  for (const [urn, step] of reported) if (!ours.has(urn)) measure.unexpected.push({ urn, ...step });
  return measure;
}

/** "name (Kind)" from a URN `urn:pulumi:<stack>::<project>::<parent types$>type::name`. */
function resourceLabel(urn: string): string {
  const name = urn.slice(urn.lastIndexOf("::") + 2);
  const type = urn.slice(0, urn.lastIndexOf("::"));
  return `${name} (${type.slice(type.lastIndexOf(":") + 1)})`;
}

function fail(what: string, lines: string[]): number {
  process.stderr.write(`\ndemo: ${what}. Last output:\n${lines.slice(-30).join("\n")}\n`);
  return 1;
}

/** Distinct users each job has provisioned (any outcome), from the provisioning logs. */
async function usersProvisionedPerApp(graph: GraphClient): Promise<Map<string, number>> {
  // One record per user and app: the first export of each user is a create.
  const records = await queryProvisioningLogs(graph, { action: "create", max: 20_000, pageSize: 999 });
  const byJob = new Map<string, Set<string>>();
  for (const r of records) {
    if (r.sourceIdentity?.identityType !== "User" || !r.jobId || !r.sourceIdentity.id) continue;
    byJob.set(r.jobId, (byJob.get(r.jobId) ?? new Set()).add(r.sourceIdentity.id));
  }
  return new Map([...byJob].map(([job, users]) => [job, users.size]));
}

/** "min 3, median 5, max 8 (0 apps provision nobody)". */
function describeSpread(counts: number[], apps: number): string {
  const sorted = [...counts, ...Array<number>(Math.max(0, apps - counts.length)).fill(0)].sort((a, b) => a - b);
  if (!sorted.length) return "none";
  const nobody = sorted.filter((n) => n === 0).length;
  return `min ${sorted[0]}, median ${sorted[Math.floor(sorted.length / 2)]}, max ${sorted[sorted.length - 1]} (${nobody} app${nobody === 1 ? "" : "s"} provision nobody)`;
}
