// Issue 18 end to end: after eight kinds of out-of-band change made through Graph with one
// identity, `entra-provisioning drift --json` lists exactly those changes — each with who and
// when — and exits 7; `up` restores the deleted application with its original appId; a second
// check exits 0. The markdown output is checked too.
import { execFile } from "node:child_process";
import * as path from "node:path";
import { harness, Harness } from "../emulator/helpers";
import { emulatorConfig, openProgram, ProgramRun, repoRoot, runPulumi } from "../helpers/pulumi";

jest.setTimeout(900_000);

const TOKEN = "scim-token-drift-7d1";
const CLI = path.join(repoRoot, "node_modules", "pulumi-entra-provisioning", "dist", "provider", "cli", "main.js");

describe("entra-provisioning drift through the real CLI", () => {
  let h: Harness;
  let run: ProgramRun;
  type Instances = Record<string, { appObjectId: string; spId: string; jobId: string }>;
  let instances: Instances;

  const drift = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [CLI, "drift", "--cwd", run.workDir, "--stack", run.stack.name, ...args], { env: { ...process.env, ...run.env }, maxBuffer: 64 * 1024 * 1024 }, (e, stdout, stderr) =>
        resolve({ code: e ? (typeof e.code === "number" ? e.code : 1) : 0, stdout, stderr }),
      );
    });
  const sync = (spId: string) => `/servicePrincipals/${spId}/synchronization`;

  beforeAll(async () => {
    h = await harness({ cycleIntervalMs: 1000 });
    run = await openProgram(path.join(repoRoot, "test", "fixtures", "drift"), {
      config: { ...emulatorConfig(h.emu), secretToken: { value: TOKEN, secret: true } },
    });
    const up = await run.stack.up();
    expect(up.summary.result).toBe("succeeded");
    instances = up.outputs.instances.value as Instances;
  });
  afterAll(async () => {
    run?.cleanup();
    await h?.close();
  });

  it("is clean right after up", async () => {
    const clean = await drift();
    expect([clean.code, clean.stdout]).toEqual([0, "no drift: every resource matches the program\n"]);
  });

  it("lists exactly the eight out-of-band changes, with who and when, and exits 7", async () => {
    const i = (n: number) => instances[`app-${n}`];
    const secrets = (n: number, token: string, base = `https://scim.example.com/${n}`) =>
      h.call("PUT", `${sync(i(n).spId)}/secrets`, {
        value: [
          { key: "BaseAddress", value: base },
          { key: "SecretToken", value: token },
          { key: "SyncAll", value: "false" },
          { key: "SyncNotificationSettings", value: '{"Enabled":false,"DeleteThresholdEnabled":false}' },
        ],
      });
    expect((await h.call("PATCH", `/applications/${i(0).appObjectId}`, { displayName: "renamed app" })).status).toBe(204);
    expect((await h.call("PATCH", `/servicePrincipals/${i(1).spId}`, { displayName: "renamed enterprise app" })).status).toBe(204);
    expect((await h.call("POST", `${sync(i(2).spId)}/jobs/${i(2).jobId}/pause`)).status).toBe(204);
    expect((await h.call("DELETE", `${sync(i(3).spId)}/jobs/${i(3).jobId}`)).status).toBe(204);
    expect((await h.call("DELETE", `/applications/${i(4).appObjectId}`)).status).toBe(204);
    expect((await secrets(5, TOKEN, "https://elsewhere.example.com")).status).toBe(204);
    expect((await secrets(6, "invalid-overwritten")).status).toBe(204);
    const schema = (await h.call("GET", `${sync(i(7).spId)}/jobs/${i(7).jobId}/schema`)).body;
    const text = JSON.stringify(schema).replace('"values":["Developer"]', '"values":["Designer"]');
    expect(text).not.toBe(JSON.stringify(schema));
    const { "@odata.context": _c, ...body } = JSON.parse(text);
    expect((await h.call("PUT", `${sync(i(7).spId)}/jobs/${i(7).jobId}/schema`, body)).status).toBe(204);

    const t = Date.now();
    const result = await drift("--json");
    const seconds = (Date.now() - t) / 1000;
    expect([result.code, result.stderr]).toEqual([7, ""]);
    const report = JSON.parse(result.stdout) as { drift: { kind: string; name: string; action: string; properties: { property: string; live: unknown }[]; attribution?: { actor?: string; time?: string } }[]; folded: string[] };
    const lines = report.drift.map((d) => `${d.kind} ${d.name} ${d.properties.map((p) => p.property).join(",")} → ${d.action}`).sort();
    expect(lines).toEqual([
      "GalleryApplication app-0 displayName → update",
      "GalleryApplication app-1 displayName → update",
      "GalleryApplication app-4 (object) → restore",
      "ProvisioningJob app-2-job scheduleState → update",
      "ProvisioningJob app-3-job (object) → recreate",
      "ProvisioningSchema app-7-schema mappings → update",
      "ProvisioningSecrets app-5-secrets credentials.BaseAddress → update",
      "ProvisioningSecrets app-6-secrets credentials.SecretToken → update",
    ]);
    const job = report.drift.find((d) => d.name === "app-2-job")!;
    expect(job.properties[0].live).toBe("Paused");
    for (const d of report.drift) expect([d.name, d.attribution]).toEqual([d.name, { actor: expect.stringContaining(h.emu.clientId), activity: expect.any(String), time: expect.any(String) }]);
    expect(result.stdout).not.toContain("invalid-overwritten");
    expect(result.stdout).not.toContain(TOKEN);
    process.stdout.write(`drift --json on 8 instances: ${seconds.toFixed(1)} s\n`);

    const md = await drift("--markdown");
    expect(md.code).toBe(7);
    expect(md.stdout).toMatch(/^### Drift check for `test`: 8 resource\(s\) drifted\n\n\| Resource \| Property \| Declared \| Live \| Changed by \| `pulumi up` will \|/);
    expect(md.stdout).toContain('| GalleryApplication `app-0` | displayName | "Drift instance 0" | "renamed app" |');
    expect(md.stdout).toContain("restore it from deleted items (same ids and appId)");
  });

  it("up restores the deleted application with its appId, and the next check is clean", async () => {
    const before = instances["app-4"];
    const up = await runPulumi(run, ["up", "--yes", "--refresh", "--skip-preview"]);
    expect([up.code, up.stderr]).toEqual([0, expect.anything()]);
    const after = (await run.stack.outputs()).instances.value as Instances;
    expect(after["app-4"].appObjectId).toBe(before.appObjectId);
    expect((await h.call("GET", `/applications/${before.appObjectId}`)).status).toBe(200);
    const clean = await drift();
    expect([clean.code, clean.stdout]).toEqual([0, "no drift: every resource matches the program\n"]);
  });
});
