// Issue 15 end to end: every failure path of every resource kind leaves a stack that refreshes,
// recovers with a corrected `up` and destroys, with nothing orphaned; replacements never undo
// their successor's write; secret drift is visible and `rotationTrigger` re-pushes. Failures are
// made deterministic with the emulator's failure rules (PATCH /_emulator/faults {failures}).
import * as fs from "node:fs";
import * as path from "node:path";
import { harness, Harness } from "../emulator/helpers";
import { emulatorConfig, openProgram, ProgramRun, repoRoot, runPulumi } from "../helpers/pulumi";
import { exportState, type Exported } from "../reliability/helpers";

jest.setTimeout(900_000);

const TOKEN = "scim-token-lifecycle-0b7e";
const SP = "/servicePrincipals/{id}";
const JOB = `${SP}/synchronization/jobs/{id}`;
const PROVIDER = /^exports\.handler=\(\)=>require\("pulumi-entra-provisioning"\)\.impl\("\w+"\);$/;

describe("failure paths, replacements and secret drift through the real CLI", () => {
  let h: Harness;
  let run: ProgramRun;
  let userId: string;

  const failNext = (method: string, route: string, status = 403, times = 1) =>
    h.admin("PATCH", "/faults", { failures: [{ method, route, status, times }] });
  const cli = async (...args: string[]) => {
    const r = await runPulumi(run, args);
    return { code: r.code, all: r.stdout + r.stderr };
  };
  const up = (...extra: string[]) => cli("up", "--yes", "--skip-preview", ...extra);
  const config = (values: Record<string, string>) => run.stack.setAllConfig(Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { value: v }])));
  const resources = async (): Promise<NonNullable<Exported["deployment"]["resources"]>> =>
    ((await exportState(run)).deployment.resources ?? []).filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/entra:"));
  const ids = async () => {
    const outs = await run.stack.outputs();
    return { spId: outs.servicePrincipalId?.value as string, jobId: outs.jobId?.value as string };
  };
  const validatesSaved = async () => {
    const { spId, jobId } = await ids();
    return (await h.call("POST", `/servicePrincipals/${spId}/synchronization/jobs/${jobId}/validateCredentials`, { useSavedCredentials: true })).status;
  };
  const stats = async (method: string, route: string) =>
    ((await h.admin("GET", "/stats")).body.requests as { method: string; route: string; status: number; count: number }[])
      .filter((r) => r.method === method && r.route === route && r.status < 300)
      .reduce((n, r) => n + r.count, 0);

  /** A run that failed because of the injected 403, and for no other reason. */
  const expectRefused = (r: { code: number; all: string }) => {
    if (r.code === 0 || !/Insufficient privileges/.test(r.all)) throw new Error(`expected the injected 403, got exit ${r.code}:\n${r.all.slice(-4000)}`);
  };
  const expectOk = (r: { code: number; all: string }) => {
    if (r.code !== 0) throw new Error(`pulumi exited ${r.code}:\n${r.all.slice(-4000)}`);
  };
  /** After a failure: every resource's state can load its provider, and refresh works. */
  const expectRecoverable = async () => {
    for (const r of await resources()) expect([r.urn, r.outputs?.__provider]).toEqual([r.urn, expect.stringMatching(PROVIDER)]);
    const refresh = await cli("refresh", "--yes", "--skip-preview");
    expect(refresh.all).not.toMatch(/code must be a string/);
    expect(refresh.code).toBe(0);
  };
  const expectClean = async () => {
    const preview = await cli("preview", "--refresh", "--expect-no-changes");
    expectOk(preview);
  };

  beforeAll(async () => {
    h = await harness({ cycleIntervalMs: 500 });
    userId = (await h.call("GET", "/users?$top=1")).body.value[0].id;
    run = await openProgram(path.join(repoRoot, "test", "fixtures", "lifecycle"), {
      config: { ...emulatorConfig(h.emu), secretToken: { value: "invalid-token", secret: true } },
    });
  });
  afterAll(async () => {
    run?.cleanup();
    await h?.close();
  });

  it("GalleryApplication and ProvisioningJob partial creates refresh and finish on the next up", async () => {
    // The rename after instantiate is refused: the instance exists but is not finalized.
    await failNext("PATCH", SP);
    const first = await up();
    expect(first.code).not.toBe(0);
    expect(first.all).toMatch(/Insufficient privileges/);
    const [app] = await resources();
    expect(app.type).toBe("pulumi-nodejs:dynamic/entra:GalleryApplication");
    await expectRecoverable();

    // The app is finalized; the job is created but the "target application" rejects the token.
    const second = await up();
    expect(second.code).not.toBe(0);
    expect(second.all).toMatch(/rejected the saved credentials/);
    const job = (await resources()).find((r) => r.type.endsWith(":ProvisioningJob"));
    expect(job?.id).toBeTruthy();
    await expectRecoverable();

    // Corrected: the secrets update validates the new token against the job, the job starts.
    await run.stack.setConfig("secretToken", { value: TOKEN, secret: true });
    const third = await up();
    expectOk(third);
    const state = (await h.admin("GET", "/state")).body;
    expect(state.applications.count).toBe(1);
    expect(state.jobs.items).toEqual([expect.objectContaining({ id: job?.id, scheduleState: "Active" })]);
    const sp = (await h.call("GET", `/servicePrincipals/${(await ids()).spId}?$select=displayName,tags`)).body;
    expect(sp.displayName).toBe("Lifecycle instance");
    expect(sp.tags.some((t: string) => t.startsWith("pulumi-entra:"))).toBe(true);
    expect(await validatesSaved()).toBe(204);
    await expectClean();
  });

  it("the started job's status is read after start and does not churn", async () => {
    const status = (await run.stack.outputs()).jobStatus.value as { code: string };
    expect(status.code).not.toBe("NotConfigured");
    const preview = await cli("preview", "--diff", "--expect-no-changes");
    expect(preview.code).toBe(0);
    expect(preview.all).not.toMatch(/status/);
  });

  it("ProvisioningSchema and ProvisionOnDemand failed creates recover", async () => {
    await config({ withSchema: "true" });
    await failNext("PUT", `${JOB}/schema`);
    expectRefused(await up());
    await expectRecoverable();
    await config({ onDemandUser: userId });
    await failNext("POST", `${JOB}/provisionOnDemand`);
    expectRefused(await up());
    await expectRecoverable();
    const fixed = await up();
    expectOk(fixed);
    expect((await resources()).map((r) => r.type.split(":").pop()).sort()).toEqual(
      ["GalleryApplication", "ProvisionOnDemand", "ProvisioningJob", "ProvisioningSchema", "ProvisioningSecrets"],
    );
    await expectClean();
  });

  it("failed updates of every kind leave the previous state and recover", async () => {
    // App rename refused.
    await config({ displayName: "Lifecycle renamed" });
    await failNext("PATCH", "/applications/{id}");
    expectRefused(await up());
    await expectRecoverable();
    // A rejected credential: nothing saved, the key is named, the working set stays.
    await run.stack.setConfig("secretToken", { value: "invalid-rotated", secret: true });
    const rejected = await up();
    expect(rejected.code).not.toBe(0);
    expect(rejected.all).toMatch(/ProvisioningSecrets\.credentials\.SecretToken: the target application rejected the new credentials/);
    expect(rejected.all).toMatch(/Nothing was saved/);
    expect(rejected.all).not.toContain("invalid-rotated");
    expect(await validatesSaved()).toBe(204);
    // A failed create of secrets: the replacement is rejected before anything is written, so the
    // original is never deleted and the working set stays.
    const secretsUrn = (await resources()).find((r) => r.type.endsWith(":ProvisioningSecrets"))!.urn;
    const replaced = await up("--replace", secretsUrn);
    expect(replaced.code).not.toBe(0);
    expect(replaced.all).toMatch(/ProvisioningSecrets\.credentials\.SecretToken: the target application rejected the new credentials/);
    expect(await validatesSaved()).toBe(204);
    await run.stack.setConfig("secretToken", { value: TOKEN, secret: true });
    await expectRecoverable();
    // Job pause refused.
    await config({ jobEnabled: "false" });
    await failNext("POST", `${JOB}/pause`);
    expectRefused(await up());
    await expectRecoverable();
    // Schema update refused.
    await config({ titleExpression: "ToLower([jobTitle])" });
    await failNext("PUT", `${JOB}/schema`);
    expectRefused(await up());
    await expectRecoverable();
    // On-demand re-run refused.
    await config({ onDemandTrigger: "again" });
    await failNext("POST", `${JOB}/provisionOnDemand`);
    expectRefused(await up());
    await expectRecoverable();

    await config({ jobEnabled: "true" });
    const fixed = await up();
    expectOk(fixed);
    const { spId, jobId } = await ids();
    expect((await h.call("GET", `/applications/${(await run.stack.outputs()).applicationObjectId.value}`)).body.displayName).toBe("Lifecycle renamed");
    const schema = JSON.stringify((await h.call("GET", `/servicePrincipals/${spId}/synchronization/jobs/${jobId}/schema`)).body);
    expect(schema).toContain("ToLower([jobTitle])");
    await expectClean();
  });

  it("up --replace of secrets, job and schema leaves Graph as declared", async () => {
    const urn = async (type: string) => (await resources()).find((r) => r.type.endsWith(`:${type}`))!.urn;
    for (const type of ["ProvisioningSecrets", "ProvisioningSchema", "ProvisioningJob"]) {
      const replaced = await up("--replace", await urn(type));
      expectOk(replaced);
      expect([type, await validatesSaved()]).toEqual([type, 204]);
      const { spId, jobId } = await ids();
      const schema = JSON.stringify((await h.call("GET", `/servicePrincipals/${spId}/synchronization/jobs/${jobId}/schema`)).body);
      expect([type, schema.includes("ToLower([jobTitle])")]).toEqual([type, true]);
      const secrets = (await h.call("GET", `/servicePrincipals/${spId}/synchronization/secrets`)).body.value.map((kv: { key: string }) => kv.key).sort();
      // Every write carries SyncAll and SyncNotificationSettings (Graph can drop a set without them).
      expect([type, secrets]).toEqual([type, ["BaseAddress", "SecretToken", "SyncAll", "SyncNotificationSettings"]]);
    }
    expect((await h.admin("GET", "/state")).body.jobs.count).toBe(1);
    await expectClean();
  });

  it("secret drift is caught with the key named, and rotationTrigger re-pushes", async () => {
    const { spId } = await ids();
    // Someone overwrites the token in the portal (and sets SkipOutOfScopeDeletions, which nobody declares).
    const portal = (token: string, base = "https://scim.example.com/lifecycle") =>
      h.call("PUT", `/servicePrincipals/${spId}/synchronization/secrets`, {
        value: [
          { key: "BaseAddress", value: base },
          { key: "SecretToken", value: token },
          { key: "SyncAll", value: "false" },
          { key: "SyncNotificationSettings", value: '{"Enabled":false,"DeleteThresholdEnabled":false}' },
          { key: "SkipOutOfScopeDeletions", value: "True" },
        ],
      });
    expect((await portal("invalid-portal")).status).toBe(204);
    const drift = await cli("preview", "--refresh", "--expect-no-changes");
    expect(drift.code).not.toBe(0);
    expect(drift.all).toMatch(/no longer validate[^\n]*on SecretToken/);
    expect(drift.all).not.toContain("invalid-portal");
    const fixed = await up("--refresh");
    expect(fixed.code).toBe(0);
    expect(await validatesSaved()).toBe(204);
    // The key nobody declared survived the write.
    const keys = (await h.call("GET", `/servicePrincipals/${spId}/synchronization/secrets`)).body.value.map((kv: { key: string }) => kv.key).sort();
    expect(keys).toEqual(["BaseAddress", "SecretToken", "SkipOutOfScopeDeletions", "SyncAll", "SyncNotificationSettings"]);

    // A non-secret key changed out of band is named too.
    expect((await portal(TOKEN, "https://elsewhere.example.com")).status).toBe(204);
    const base = await cli("preview", "--refresh", "--expect-no-changes");
    expect(base.code).not.toBe(0);
    expect(base.all).toMatch(/BaseAddress was changed outside Pulumi/);
    expect((await up("--refresh")).code).toBe(0);

    // rotationTrigger: the same credentials are pushed again and the running job restarted.
    const [puts, restarts] = [await stats("PUT", `${SP}/synchronization/secrets`), await stats("POST", `${JOB}/restart`)];
    await config({ rotationTrigger: "2026-12" });
    expect((await up()).code).toBe(0);
    expect(await stats("PUT", `${SP}/synchronization/secrets`)).toBe(puts + 1);
    expect(await stats("POST", `${JOB}/restart`)).toBe(restarts + 1);
    await expectClean();
  });

  it("a stack stuck by an older version (partial state without __provider) recovers with up", async () => {
    // What the released version left: the job's partial-create state had no __provider (and the
    // secrets' state loses it too here, without init errors, to cover a plain "same" resource).
    const exported = await exportState(run);
    const job = exported.deployment.resources!.find((r) => r.type.endsWith(":ProvisioningJob"))!;
    delete job.outputs!.__provider;
    delete exported.deployment.resources!.find((r) => r.type.endsWith(":ProvisioningSecrets"))!.outputs!.__provider;
    (job as { initErrors?: string[] }).initErrors = ["the target application rejected the saved credentials"];
    const file = path.join(run.workDir, "stuck.json");
    fs.writeFileSync(file, JSON.stringify(exported));
    expect((await cli("stack", "import", "--file", file)).code).toBe(0);
    const healed = await up();
    expectOk(healed);
    await expectRecoverable();
    await expectClean();
  });

  it("destroy leaves nothing behind", async () => {
    const destroy = await cli("destroy", "--yes", "--skip-preview");
    expectOk(destroy);
    const state = (await h.admin("GET", "/state")).body;
    expect([state.applications.count, state.servicePrincipals.count, state.jobs.count, state.secrets.count]).toEqual([0, 0, 0, 0]);
  });
});
