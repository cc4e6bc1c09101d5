// The done-when scenario at small N, through the real Pulumi CLI and the built
// `entra-provisioning` command: a stack where some instances have credentials the target rejects
// (saved without validation, so their jobs start and go to quarantine). `wait` exits non-zero
// naming exactly those apps, `status` shows them, `provision` returns Graph's per-step result,
// `logs --status failure` lists their failures, and `report` renders them in headless Chromium
// (the screenshot is docs/report.png). Without --cwd/--stack the commands use the project in the
// current directory; --app suggests close names; provision looks users up by UPN or display name;
// a TLS failure names entra:caFile and NODE_EXTRA_CA_CERTS; and, last (it runs one more `pulumi up`),
// wait treats jobs declared enabled: false as healthy and --ignore-disabled skips stopped jobs.
// Scale with MONITORING_INSTANCES (the figure: 200).
import { execFile, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { harness, Harness } from "../emulator/helpers";
import { emulatorConfig, openProgram, ProgramRun, repoRoot } from "../helpers/pulumi";

jest.setTimeout(900_000);

const N = Number(process.env.MONITORING_INSTANCES ?? 8);
const BAD = [2, 5, 7].filter((i) => i < N).concat(N > 50 ? [50] : []);
const TOKEN = "scim-token-7c2e-monitoring-value";
const CLI = path.join(repoRoot, "dist", "provider", "cli", "main.js");

interface Out {
  code: number;
  stdout: string;
  stderr: string;
}

describe(`monitoring CLI on a ${N}-instance stack with ${BAD.length} rejected credentials`, () => {
  let h: Harness;
  let run: ProgramRun;
  let tmp: string;
  let instances: Record<string, { appId: string; spId: string; jobId: string }>;
  const badNames = BAD.map((i) => `Instance ${i}`).sort();

  /** Runs the CLI; `cwd` defaults to jest's (the repository root, itself a Pulumi project: pass stack flags or `cwd`). */
  const cli = (args: string[], env: Record<string, string> = {}, cwd?: string): Promise<Out> =>
    new Promise((resolve, reject) => {
      execFile(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, ...run.env, ...env }, maxBuffer: 64 * 1024 * 1024, timeout: 600_000 }, (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") return reject(error);
        const out = { code: error ? (error.code as number) : 0, stdout, stderr };
        // No credential value ever reaches the output.
        for (const secret of [h.emu.clientSecret, TOKEN]) expect(stdout + stderr).not.toContain(secret);
        resolve(out);
      });
    });
  const stackArgs = () => ["--cwd", run.workDir, "--stack", run.stack.name];

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "entra-monitoring-"));
    h = await harness({ cycleIntervalMs: 1000 });
    const overrides = Object.fromEntries(BAD.map((i) => [i, { secretToken: `invalid-token-${i}`, validateCredentials: false }]));
    run = await openProgram(path.join(repoRoot, "test", "fixtures", "instances"), {
      config: {
        ...emulatorConfig(h.emu),
        count: { value: String(N) },
        secretToken: { value: TOKEN, secret: true },
        overrides: { value: JSON.stringify(overrides) },
        // A new service principal has no assignments: each app is assigned one seeded group, whose
        // members its job provisions.
        groupsPerApp: { value: "1" },
      },
    });
    const up = await run.stack.up();
    expect(up.summary.result).toBe("succeeded");
    instances = up.outputs.instances.value;
  });
  afterAll(async () => {
    run?.cleanup();
    await h?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("wait exits non-zero naming exactly the quarantined apps", async () => {
    const t0 = Date.now();
    const r = await cli(["wait", ...stackArgs(), "--timeout", "300", "--interval", "1"]);
    expect(r.code).toBe(2);
    const section = r.stdout.split("\n");
    const named = section.filter((l) => /^ {2}Instance \d+ \(job /.test(l)).map((l) => l.trim().replace(/ \(job.*$/, "")).sort();
    expect(section[0]).toBe(`quarantined: ${BAD.length} app(s)`);
    expect(named).toEqual(badNames);
    for (const l of section.filter((x) => x.startsWith("  "))) expect(l).toMatch(/: EncounteredQuarantineException, \w+InvalidCredentials\)$/);
    expect(r.stdout).not.toMatch(/timed out/);
    // Not a TTY: plain progress lines, the last one fully settled.
    const progress = r.stderr.trim().split("\n");
    expect(progress[progress.length - 1]).toMatch(new RegExp(`^\\[#+\\] ${N}/${N} settled · ${N - BAD.length} healthy · ${BAD.length} quarantined · 0 pending`));
    process.stdout.write(`wait: ${N} jobs settled in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  });

  it("wait exits 0 when every job is healthy, and 3 on timeout", async () => {
    const good = Object.entries(instances).filter(([k]) => !BAD.includes(Number(k.slice(4)))).map(([, v]) => v.spId);
    const ok = await cli(["wait", "--service-principal-ids", good.slice(0, 3).join(","), "--interval", "1", "--timeout", "60"], envSettings());
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe("all 3 job(s) healthy\n");
    // A job that was never started cannot settle: stopped (exit 2), named with its code.
    const created = await h.call("POST", `/servicePrincipals/${good[0]}/synchronization/jobs`, { templateId: "scim" });
    if (created.status === 201) {
      const r = await cli(["wait", "--service-principal-ids", good[0], "--interval", "1", "--timeout", "5"], envSettings());
      expect(r.code).toBe(2);
      expect(r.stdout).toMatch(/stopped: 1 app\(s\)\n {2}Instance \d+ \(job .*: NotConfigured\)/);
      await h.call("DELETE", `/servicePrincipals/${good[0]}/synchronization/jobs/${created.body.id}`);
    }
  });

  it("status shows the quarantined apps (table and --json)", async () => {
    const json = await cli(["status", ...stackArgs(), "--json"]);
    expect(json.code).toBe(0);
    const rows = JSON.parse(json.stdout) as Record<string, string>[];
    expect(rows).toHaveLength(N);
    for (const r of rows) expect(Object.keys(r)).toEqual(expect.arrayContaining(["displayName", "servicePrincipalId", "jobId", "code", "quarantineReason"].filter((k) => k !== "quarantineReason" || r.code === "Quarantine")));
    const q = rows.filter((r) => r.code === "Quarantine");
    expect(q.map((r) => r.displayName).sort()).toEqual(badNames);
    expect(q.every((r) => r.quarantineReason === "EncounteredQuarantineException")).toBe(true);
    // Matches the emulator's own view.
    const state = (await h.admin("GET", "/state")).body;
    const emuCodes = new Map<string, string>(state.jobs.items.map((j: { id: string; status: string }) => [j.id, j.status]));
    for (const r of rows) expect(r.code).toBe(emuCodes.get(r.jobId));

    const table = await cli(["status", ...stackArgs()]);
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^APP\s+JOB ID\s+CODE\s+ASSIGNED\s+LAST EXECUTION\s+QUARANTINE REASON\s+IMPORTED\s+EXPORTED\s+ESCROWED\s+SYNCED$/);
    // Quarantined first.
    for (let i = 0; i < badNames.length; i++) expect(lines[1 + i]).toMatch(new RegExp(`^Instance \\d+\\s+\\S+\\s+Quarantine\\s+1 group\\s+Failed \\d{4}-.*EncounteredQuarantineException`));
    expect(lines.slice(1, 1 + BAD.length).map((l) => l.split(/\s{2,}/)[0]).sort()).toEqual(badNames);
    expect(lines[lines.length - 1]).toBe(`${N} job(s): ${BAD.length} quarantined, ${N - BAD.length} healthy`);
  });

  it("status reads settings from the environment and ids, and --watch refreshes", async () => {
    const ids = BAD.map((i) => instances[`app-${i}`].spId).join(",");
    const r = await cli(["status", "--service-principal-ids", ids, "--watch", "1", "--refreshes", "2"], envSettings());
    expect(r.code).toBe(0);
    const headers = r.stdout.split("\n").filter((l) => l.startsWith("APP "));
    expect(headers).toHaveLength(2);
    expect(r.stdout.match(/Quarantine /g)?.length).toBe(2 * BAD.length);
    const noSettings = await cli(["status", "--service-principal-ids", ids], { ENTRA_GRAPH_ENDPOINT: "not a url" });
    expect(noSettings.code).toBe(1);
    expect(noSettings.stderr).toMatch(/ENTRA_GRAPH_ENDPOINT/);
  });

  it("without --cwd/--stack, uses the Pulumi project in the current directory and its selected stack; --app picks and suggests", async () => {
    const rows = JSON.parse((await cli(["status", "--json"], {}, run.workDir)).stdout) as { displayName: string; code: string }[];
    expect(rows).toHaveLength(N);
    expect(rows.filter((r) => r.code === "Quarantine").map((r) => r.displayName).sort()).toEqual(badNames);
    // From a subdirectory too, like pulumi; --app by Pulumi resource name.
    const sub = path.join(run.workDir, "sub", "dir");
    fs.mkdirSync(sub, { recursive: true });
    const one = await cli(["status", "--app", "app-3"], {}, sub);
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/\nInstance 3\s+\S+\s+Active\s/);
    expect(one.stdout.trim().split("\n").pop()).toBe("1 job(s): 1 healthy");
    const typo = await cli(["status", "--app", "Instanse 3"], {}, run.workDir);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(/--app: no application in stack "test" is named "Instanse 3"; did you mean "Instance 3"/);
    // No project here or above: say which flags to pass.
    const empty = fs.mkdtempSync(path.join(tmp, "no-project-"));
    const none = await cli(["status"], {}, empty);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no Pulumi project \(Pulumi\.yaml\) in .*no-project-\w+ or a parent directory: pass --cwd DIR \(the project's directory\) and --stack NAME, or --service-principal-ids ID,ID/);
    // A project without a selected stack.
    const unselected = fs.mkdtempSync(path.join(tmp, "no-stack-"));
    fs.writeFileSync(path.join(unselected, "Pulumi.yaml"), "name: entra-cli-no-stack\nruntime: nodejs\n");
    const noStack = await cli(["wait"], {}, unselected);
    expect(noStack.code).toBe(1);
    expect(noStack.stderr).toMatch(/no stack is selected for the Pulumi project in .*no-stack-\w+: pass --stack NAME \(the project has no stack in this backend\), or run `pulumi stack select NAME` there\./);
  });

  it("a token endpoint with an untrusted certificate is reported as such, naming entra:caFile and NODE_EXTRA_CA_CERTS", async () => {
    const { ENTRA_CA_FILE: _ca, ...noCa } = envSettings();
    const sp = instances["app-0"].spId;
    const r = await cli(["status", "--service-principal-ids", sp], noCa);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the TLS certificate of the token endpoint https:\/\/127\.0\.0\.1:\d+ is not trusted \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN)\)/);
    expect(r.stderr).toContain("entra:caFile (or ENTRA_CA_FILE)");
    expect(r.stderr).toContain("NODE_EXTRA_CA_CERTS");
    expect(r.stderr).not.toMatch(/Check entra:tenantId|client secret|endpoints_resolution_error/);
    // The advice works.
    const trusted = await cli(["status", "--service-principal-ids", sp], { ...noCa, NODE_EXTRA_CA_CERTS: h.emu.caFile! });
    expect(trusted.code).toBe(0);
    expect(trusted.stdout).toMatch(/1 job\(s\): 1 healthy/);
  });

  it("wait --help lists the exit codes and --ignore-disabled", async () => {
    const r = await cli(["wait", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--ignore-disabled/);
    const codes = r.stdout.slice(r.stdout.indexOf("Exit codes:"));
    for (const c of [0, 1, 2, 3]) expect(codes).toMatch(new RegExp(`\\n {2}${c} {2}\\S`));
  });

  let user: string;
  it("provision returns Graph's per-step result", async () => {
    const state = (await h.admin("GET", "/state")).body;
    const good = instances["app-0"];
    // A user in the app's scope (assigned, or a direct member of an assigned group), not the
    // emulator's always-conflicting user (index 1): that one fails by design.
    const assigned = state.assignments[good.spId] as string[];
    const groups = state.groups.items as { id: string; members: string[] }[];
    const inScope = (id: string) => assigned.includes(id) || groups.some((g) => assigned.includes(g.id) && g.members.includes(id));
    user = (state.users.ids as string[]).find((id, i) => i !== 1 && inScope(id))!;
    expect(user).toBeDefined();
    const ok = await cli(["provision", ...stackArgs(), "--app", "Instance 0", "--user", user, "--json"]);
    expect(ok.code).toBe(0);
    const res = JSON.parse(ok.stdout);
    expect(res).toMatchObject({ app: "Instance 0", servicePrincipalId: good.spId, jobId: good.jobId, subject: { objectId: user, objectTypeName: "User" } });
    expect(["Success", "Skipped"]).toContain(res.result);
    expect(res.provisioningSteps.map((s: { type: string }) => s.type)).toEqual(["Import", "Scoping", "Matching", "Export"]);

    for (const i of BAD) {
      const bad = await cli(["provision", ...stackArgs(), "--app", `Instance ${i}`, "--user", user]);
      expect(bad.code).toBe(1);
      expect(bad.stdout).toMatch(new RegExp(`^Instance ${i}: Failure .*\\nerror: \\w+InvalidCredentials: .*SecretToken`));
      expect(bad.stdout).toMatch(/#\s+STEP\s+TYPE\s+STATUS\s+DESCRIPTION\n1\s+EntryImport/);
    }
    const neither = await cli(["provision", "--service-principal-id", good.spId]);
    expect(neither.code).toBe(1);
    expect(neither.stderr).toMatch(/exactly one of --user/);
  });

  it("provision --user takes a user principal name or a display name (the stack from the current directory)", async () => {
    const u = (await h.call("GET", `/users/${user}`)).body as { userPrincipalName: string; displayName: string };
    for (const value of [u.userPrincipalName, u.displayName]) {
      const r = await cli(["provision", "--app", "Instance 0", "--user", value, "--json"], {}, run.workDir);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ app: "Instance 0", subject: { objectId: user, objectTypeName: "User" } });
    }
    const nobody = await cli(["provision", "--app", "Instance 0", "--user", "Nobody O'Here"], {}, run.workDir);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toMatch(/--user: no user has the displayName "Nobody O'Here"; pass the object id/);
    const typo = await cli(["provision", "--app", "Instnce 0", "--user", user], {}, run.workDir);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(/--app: no application in stack "test" is named "Instnce 0"; did you mean "Instance 0"/);
  });

  it("logs --status failure lists the quarantined apps' failures", async () => {
    const badSps = new Set(BAD.map((i) => instances[`app-${i}`].spId));
    // Per app: exactly its failures.
    for (const i of BAD) {
      const r = await cli(["logs", ...stackArgs(), "--service-principal-id", instances[`app-${i}`].spId, "--status", "failure", "--json"]);
      expect(r.code).toBe(0);
      const entries = JSON.parse(r.stdout) as { status: string; servicePrincipalDisplayName: string; errorCode: string }[];
      expect(entries.length).toBeGreaterThanOrEqual(1);
      expect(entries.every((e) => e.status === "failure" && e.servicePrincipalDisplayName === `Instance ${i}` && /InvalidCredentials$/.test(e.errorCode))).toBe(true);
    }
    // The whole stack: every failure is the stack's; at small N (few records per second) the
    // quarantined apps' failures are among the newest --max records.
    const r = await cli(["logs", ...stackArgs(), "--status", "failure", "--json"]);
    expect(r.code).toBe(0);
    const entries = JSON.parse(r.stdout) as { status: string; servicePrincipalId: string; servicePrincipalDisplayName: string; errorCode: string }[];
    const stackSps = new Set(Object.values(instances).map((v) => v.spId));
    expect(entries.every((e) => e.status === "failure" && stackSps.has(e.servicePrincipalId))).toBe(true);
    expect(entries.filter((e) => !badSps.has(e.servicePrincipalId)).every((e) => /EntryConflict$/.test(e.errorCode))).toBe(true);
    if (N <= 50) {
      const forBad = entries.filter((e) => badSps.has(e.servicePrincipalId));
      expect([...new Set(forBad.map((e) => e.servicePrincipalDisplayName))].sort()).toEqual(badNames);
    }

    // The current directory's stack, only --app's records.
    const byApp = await cli(["logs", "--app", `Instance ${BAD[0]}`, "--status", "failure", "--json"], {}, run.workDir);
    expect(byApp.code).toBe(0);
    const appEntries = JSON.parse(byApp.stdout) as { servicePrincipalDisplayName: string }[];
    expect(appEntries.length).toBeGreaterThanOrEqual(1);
    expect(new Set(appEntries.map((e) => e.servicePrincipalDisplayName))).toEqual(new Set([`Instance ${BAD[0]}`]));

    const one = instances[`app-${BAD[0]}`];
    const byJob = await cli(["logs", "--job-id", one.jobId, "--status", "failure", "--since", "1h"], envSettings());
    expect(byJob.code).toBe(0);
    expect(byJob.stdout).toMatch(/^TIME\s+STATUS\s+ACTION\s+APP\s+IDENTITY\s+ERROR\s+REASON \/ RECOMMENDED ACTION\n/);
    expect(byJob.stdout).toMatch(new RegExp(`failure\\s+other\\s+Instance ${BAD[0]}\\s+.*InvalidCredentials`));
    const badStatus = await cli(["logs", "--status", "broken"], envSettings());
    expect(badStatus.code).toBe(1);
    expect(badStatus.stderr).toMatch(/--status: "broken" is not one of success, failure, skipped, warning/);
  });

  it("report renders in headless Chromium with the chart, the quarantined apps and counts matching the emulator", async () => {
    const file = path.join(tmp, "report.html");
    const r = await cli(["report", ...stackArgs(), "--output", file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`wrote .*report.html: ${N} job\\(s\\), ${BAD.length} quarantined, \\d+ recent failure\\(s\\)`));
    const html = fs.readFileSync(file, "utf8");
    expect(html).not.toMatch(/<script|<link|src="http|href="http|url\(/i);

    const chromium = ["chromium", "chromium-browser"].find((c) => spawnSync("sh", ["-c", `command -v ${c}`]).status === 0);
    if (!chromium) throw new Error("chromium is not installed: run `bash scripts/setup.sh` (installs the Debian chromium package)");
    const flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"];
    const browse = (extra: string[]) =>
      spawnSync(chromium, [...flags, `--user-data-dir=${fs.mkdtempSync(path.join(tmp, "chrome-"))}`, ...extra, `file://${file}`], { encoding: "utf8", timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
    const dom = browse(["--dump-dom"]);
    expect(dom.status).toBe(0);
    const d = dom.stdout;
    expect(d).toContain('<svg id="status-chart"');
    const count = (status: string) => Number(new RegExp(`<g class="bar" data-status="${status}" data-count="(\\d+)"`).exec(d)?.[1]);
    // Counts match the emulator.
    const jobs = (await h.admin("GET", "/state")).body.jobs.items as { status: string }[];
    expect(count("quarantined")).toBe(jobs.filter((j) => j.status === "Quarantine").length);
    expect(count("quarantined")).toBe(BAD.length);
    expect(count("healthy")).toBe(jobs.filter((j) => j.status === "Active").length);
    expect(count("healthy") + count("quarantined")).toBe(N);
    const quarantinedTable = /<table id="quarantined">[\s\S]*?<\/table>/.exec(d)?.[0] ?? "";
    for (const name of badNames) expect(quarantinedTable).toContain(`<td>${name}</td>`);
    const failures = /<table id="failures">[\s\S]*?<\/table>/.exec(d)?.[0] ?? "";
    for (const name of badNames) expect(failures).toContain(`<td>${name}</td>`);

    const png = path.join(tmp, "report.png");
    const shot = browse([`--screenshot=${png}`, "--window-size=1200,1100", "--hide-scrollbars"]);
    expect(shot.status).toBe(0);
    const bytes = fs.readFileSync(png);
    expect(bytes.subarray(1, 4).toString()).toBe("PNG");
    expect(bytes.length).toBeGreaterThan(10_000);
    if (process.env.MONITORING_SAVE_SCREENSHOT) fs.copyFileSync(png, path.join(repoRoot, "docs", "report.png"));
  });

  it("wait counts a job declared enabled: false as healthy; --ignore-disabled skips stopped jobs", async () => {
    // Pause Instance 0 through the program (its job is updated in place).
    const overrides = Object.fromEntries(BAD.map((i) => [i, { secretToken: `invalid-token-${i}`, validateCredentials: false }]));
    await run.stack.setConfig("overrides", { value: JSON.stringify({ ...overrides, 0: { enabled: false } }) });
    const t0 = Date.now();
    const up = await run.stack.up();
    expect(up.summary.result).toBe("succeeded");
    process.stdout.write(`pausing one job with pulumi up: ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);

    const one = await cli(["wait", "--app", "Instance 0", "--interval", "1", "--timeout", "60"], {}, run.workDir);
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/^disabled on purpose \(enabled: false\): 1 app\(s\)\n {2}Instance 0 \(job \S+: \w+\)\nall 0 job\(s\) healthy, 1 disabled on purpose\n$/);
    // The whole stack still fails on the quarantined apps only.
    const all = await cli(["wait", "--json", "--interval", "1", "--timeout", "120"], {}, run.workDir);
    expect(all.code).toBe(2);
    const outcome = JSON.parse(all.stdout);
    expect(outcome.disabled).toEqual(["Instance 0"]);
    expect([...outcome.notHealthy].sort()).toEqual(badNames);

    // Without the stack there is no declaration: stopped fails, unless --ignore-disabled.
    const sp = instances["app-0"].spId;
    const stopped = await cli(["wait", "--service-principal-ids", sp, "--interval", "1", "--timeout", "60"], envSettings());
    expect(stopped.code).toBe(2);
    expect(stopped.stdout).toMatch(/^stopped: 1 app\(s\)\n {2}Instance 0 /);
    const ignored = await cli(["wait", "--service-principal-ids", sp, "--ignore-disabled", "--interval", "1", "--timeout", "60"], envSettings());
    expect(ignored.code).toBe(0);
    expect(ignored.stdout).toMatch(/^skipped \(--ignore-disabled\): 1 app\(s\)\n {2}Instance 0 \(job .*\)\nall 0 job\(s\) healthy, 1 skipped\n$/);
  });

  /** Settings from the environment (no stack): AZURE_* and ENTRA_*. */
  function envSettings(): Record<string, string> {
    return {
      AZURE_TENANT_ID: h.emu.tenantId,
      AZURE_CLIENT_ID: h.emu.clientId,
      AZURE_CLIENT_SECRET: h.emu.clientSecret,
      AZURE_AUTHORITY_HOST: h.emu.authorityHost,
      ENTRA_GRAPH_ENDPOINT: h.emu.graphUrl,
      ...(h.emu.caFile ? { ENTRA_CA_FILE: h.emu.caFile } : {}),
    };
  }
});
