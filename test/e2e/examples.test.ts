// Every program under examples/ runs end to end against the emulator through the real CLI:
// up, a preview that must show no changes, and destroy leaving nothing behind.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { harness, Harness } from "../emulator/helpers";
import { emulatorConfig, openProgram, ProgramRun, repoRoot } from "../helpers/pulumi";

jest.setTimeout(900_000);

const FLEET_LIMIT = Number(process.env.E2E_FLEET_LIMIT ?? 20);
const secret = (value: string) => ({ value, secret: true });

/** Example-specific config; every example must be listed (a new example fails this test). */
const exampleConfig: Record<string, Record<string, { value: string; secret?: boolean }>> = {
  walkthrough: { "walkthrough:awsClientSecret": secret("aws-key-secret"), "walkthrough:awsSecretToken": secret("aws-token") },
  "scim-custom-app": { "scim-custom-app:baseAddress": { value: "https://scim.example.com/v2" }, "scim-custom-app:secretToken": secret("scim-token") },
  fleet: {
    "fleet:limit": { value: String(FLEET_LIMIT) },
    ...Object.fromEntries(
      ["zoomToken", "dropboxToken", "snowflakeToken", "atlassianToken", "awsClientSecret", "awsSecretToken"].map((k) => [`fleet:${k}`, secret(`${k}-value`)]),
    ),
  },
  "drift-check": { "drift-check:zoomToken": secret("zoom-token") },
  "attribute-mappings": { "attribute-mappings:count": { value: "1" } },
};

const examples = fs.readdirSync(path.join(repoRoot, "examples")).filter((d) => fs.existsSync(path.join(repoRoot, "examples", d, "Pulumi.yaml")));

function sh(script: string, args: string[], run: ProgramRun): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(script, args, { cwd: run.workDir, env: { ...process.env, ...run.env } }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, out: stdout + stderr }),
    );
  });
}

describe("examples", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({ latencyMs: 10, replicationLagMs: 500, cycleIntervalMs: 1000 });
  });
  afterAll(async () => h?.close());

  it("has config for every example", () => {
    expect(examples.sort()).toEqual(Object.keys(exampleConfig).sort());
  });

  describe.each(examples.filter((e) => e !== "drift-check"))("%s", (example) => {
    let run: ProgramRun;
    afterAll(() => run?.cleanup());

    it("converges, previews clean and destroys cleanly", async () => {
      run = await openProgram(path.join(repoRoot, "examples", example), {
        config: { ...emulatorConfig(h.emu), ...exampleConfig[example] },
      });
      const up = await run.stack.up();
      expect(up.summary.result).toBe("succeeded");
      const apps = (await h.admin("GET", "/state")).body.applications.count;
      expect(apps).toBe(example === "fleet" ? FLEET_LIMIT : 1);
      const jobs = (await h.admin("GET", "/state")).body.jobs.items as { scheduleState: string }[];
      expect(jobs.every((j) => j.scheduleState === "Active")).toBe(true);
      const preview = await run.stack.preview({ expectNoChanges: true });
      expect(preview.changeSummary.create ?? 0).toBe(0);
      await run.stack.destroy();
      expect((await h.admin("GET", "/state")).body.applications.count).toBe(0);
    });
  });

  describe("drift-check", () => {
    let run: ProgramRun;
    afterAll(() => run?.cleanup());

    it("exits 0 when clean, 7 on drift, and 0 again after up --refresh", async () => {
      run = await openProgram(path.join(repoRoot, "examples", "drift-check"), {
        config: { ...emulatorConfig(h.emu), ...exampleConfig["drift-check"] },
      });
      const up = await run.stack.up();
      const script = path.join(run.workDir, "check-drift.sh");
      const args = ["--stack", run.stack.name];
      expect((await sh(script, args, run)).code).toBe(0);

      await h.call("PATCH", `/applications/${up.outputs.applicationObjectId.value}`, { displayName: "changed in the portal" });
      const drift = await sh(script, args, run);
      expect(drift.code).toBe(7);
      expect(drift.out).toContain("DRIFT");
      expect(drift.out).toContain("zoom-drift-demo");

      await run.stack.up({ refresh: true });
      expect((await sh(script, args, run)).code).toBe(0);
      await run.stack.destroy();
    });
  });
});
