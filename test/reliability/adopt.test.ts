// Adoption through the real CLI: an application instance and its job created outside the stack
// are adopted by id (nothing new is created), managed (the job is started), and kept on destroy.
import * as path from "node:path";
import { createJob, CUSTOM, harness, Harness, instantiate } from "../emulator/helpers";
import { emulatorConfig, openProgram, ProgramRun, repoRoot, runPulumi } from "../helpers/pulumi";
import { emulatorObjects, exportState, stackObjects } from "./helpers";

jest.setTimeout(300_000);

const AWS = "8b1025e4-1dd2-430b-a150-2ef79cd700f5";

describe("adopting existing objects", () => {
  let h: Harness;
  let run: ProgramRun;
  let existing: { appObjectId: string; spId: string };
  let jobId: string;

  beforeAll(async () => {
    h = await harness({ seed: 9 });
    existing = await instantiate(h, AWS, "Portal AWS");
    jobId = await createJob(h, existing.spId, "aws");
    const resources = [
      { type: "GalleryApplication", name: "aws", args: { template: "Amazon Web Services (AWS)", displayName: "Portal AWS", adoptApplicationObjectId: existing.appObjectId } },
      { type: "ProvisioningSecrets", name: "aws-secrets", args: { servicePrincipalId: "@ref:aws.servicePrincipalId", credentials: { ClientSecret: "@secret:token", SecretToken: "@secret:token" } } },
      { type: "ProvisioningJob", name: "aws-job", args: { servicePrincipalId: "@ref:aws.servicePrincipalId", adoptJobId: jobId }, dependsOn: ["aws-secrets"] },
    ];
    run = await openProgram(path.join(repoRoot, "test", "fixtures", "reliability", "resources"), {
      config: { ...emulatorConfig(h.emu), token: { value: "adopt-token-31c", secret: true }, resources: { value: JSON.stringify(resources) } },
    });
  });
  afterAll(async () => {
    run?.cleanup();
    await h?.close();
  });

  it("adopts the application and the job instead of creating new ones", async () => {
    const up = await runPulumi(run, ["up", "--yes", "--skip-preview"]);
    if (up.code !== 0) throw new Error(up.stdout + up.stderr);
    const ours = stackObjects(await exportState(run));
    expect(ours.applications).toEqual([existing.appObjectId]);
    expect(ours.jobs).toEqual([jobId]);
    const s = await emulatorObjects(h);
    expect(s.applications).toEqual([existing.appObjectId]);
    expect(s.raw.jobs.items).toEqual([expect.objectContaining({ id: jobId, scheduleState: "Active" })]);
    const again = await runPulumi(run, ["preview", "--refresh", "--expect-no-changes"]);
    expect(again.code).toBe(0);
  });

  it("keeps adopted objects on destroy (onDestroy defaults to keep)", async () => {
    const destroy = await runPulumi(run, ["destroy", "--yes", "--skip-preview"]);
    expect(destroy.code).toBe(0);
    const s = await emulatorObjects(h);
    expect(s.applications).toEqual([existing.appObjectId]);
    expect(s.jobs).toEqual([jobId]);
  });
});

describe("adopting through ProvisionedApplication, with onDestroy: delete", () => {
  let h: Harness;
  let run: ProgramRun;
  let existing: { appObjectId: string; spId: string };
  let jobId: string;

  beforeAll(async () => {
    h = await harness({ seed: 10 });
    existing = await instantiate(h, CUSTOM, "Portal SCIM");
    jobId = await createJob(h, existing.spId, "scim");
    const resources = [
      {
        type: "ProvisionedApplication",
        name: "scim",
        args: {
          template: CUSTOM,
          displayName: "Portal SCIM",
          credentials: { BaseAddress: "https://scim.example.com/adopted", SecretToken: "@secret:token" },
          adoptApplicationObjectId: existing.appObjectId,
          adoptJobId: jobId,
          onDestroy: "delete",
        },
      },
    ];
    run = await openProgram(path.join(repoRoot, "test", "fixtures", "reliability", "resources"), {
      config: { ...emulatorConfig(h.emu), token: { value: "adopt-token-58d", secret: true }, resources: { value: JSON.stringify(resources) } },
    });
  });
  afterAll(async () => {
    run?.cleanup();
    await h?.close();
  });

  it("adopts both objects, then deletes them on destroy as asked", async () => {
    const up = await runPulumi(run, ["up", "--yes", "--skip-preview"]);
    if (up.code !== 0) throw new Error(up.stdout + up.stderr);
    const ours = stackObjects(await exportState(run));
    expect(ours.applications).toEqual([existing.appObjectId]);
    expect(ours.jobs).toEqual([jobId]);
    expect((await emulatorObjects(h)).raw.jobs.items).toEqual([expect.objectContaining({ id: jobId, scheduleState: "Active" })]);
    const destroy = await runPulumi(run, ["destroy", "--yes", "--skip-preview"]);
    expect(destroy.code).toBe(0);
    const s = await emulatorObjects(h);
    expect(s.applications).toEqual([]);
    expect(s.jobs).toEqual([]);
  });
});
