// Adoption through the real CLI: an application instance and its job created outside the stack
// are adopted by id (nothing new is created), managed (the job is started), and kept on destroy.
import * as path from "node:path";
import { createJob, CUSTOM, harness, Harness, instantiate } from "../emulator/helpers";
import { emulatorConfig, openProgram, ProgramRun, repoRoot, runPulumi } from "../helpers/pulumi";
import { emulatorObjects, exportState, stackObjects } from "./helpers";

jest.setTimeout(300_000);

const AWS = "8b1025e4-1dd2-430b-a150-2ef79cd700f5";

interface Adoption {
  h: Harness;
  run: ProgramRun;
  existing: { appObjectId: string; spId: string };
  jobId: string;
}

/**
 * An instance of `template` and its job created outside any stack, and a program declaring
 * `resources(existing, jobId)` (test/fixtures/reliability/resources) against the same emulator.
 */
async function adoption(
  seed: number,
  template: string,
  displayName: string,
  jobTemplate: string,
  resources: (existing: Adoption["existing"], jobId: string) => unknown[],
): Promise<Adoption> {
  const h = await harness({ seed });
  const existing = await instantiate(h, template, displayName);
  const jobId = await createJob(h, existing.spId, jobTemplate);
  const run = await openProgram(path.join(repoRoot, "test", "fixtures", "reliability", "resources"), {
    config: { ...emulatorConfig(h.emu), token: { value: `adopt-token-${seed}`, secret: true }, resources: { value: JSON.stringify(resources(existing, jobId)) } },
  });
  return { h, run, existing, jobId };
}

describe("adopting existing objects", () => {
  let a: Adoption;
  beforeAll(async () => {
    a = await adoption(9, AWS, "Portal AWS", "aws", (existing, jobId) => [
      { type: "GalleryApplication", name: "aws", args: { template: "Amazon Web Services (AWS)", displayName: "Portal AWS", adoptApplicationObjectId: existing.appObjectId } },
      { type: "ProvisioningSecrets", name: "aws-secrets", args: { servicePrincipalId: "@ref:aws.servicePrincipalId", credentials: { ClientSecret: "@secret:token", SecretToken: "@secret:token" } } },
      { type: "ProvisioningJob", name: "aws-job", args: { servicePrincipalId: "@ref:aws.servicePrincipalId", adoptJobId: jobId }, dependsOn: ["aws-secrets"] },
    ]);
  });
  afterAll(async () => {
    a?.run.cleanup();
    await a?.h.close();
  });

  it("adopts the application and the job instead of creating new ones", async () => {
    const up = await runPulumi(a.run, ["up", "--yes", "--skip-preview"]);
    if (up.code !== 0) throw new Error(up.stdout + up.stderr);
    const ours = stackObjects(await exportState(a.run));
    expect(ours.applications).toEqual([a.existing.appObjectId]);
    expect(ours.jobs).toEqual([a.jobId]);
    const s = await emulatorObjects(a.h);
    expect(s.applications).toEqual([a.existing.appObjectId]);
    expect(s.raw.jobs.items).toEqual([expect.objectContaining({ id: a.jobId, scheduleState: "Active" })]);
    const again = await runPulumi(a.run, ["preview", "--refresh", "--expect-no-changes"]);
    expect(again.code).toBe(0);
  });

  it("keeps adopted objects on destroy (onDestroy defaults to keep)", async () => {
    const destroy = await runPulumi(a.run, ["destroy", "--yes", "--skip-preview"]);
    expect(destroy.code).toBe(0);
    const s = await emulatorObjects(a.h);
    expect(s.applications).toEqual([a.existing.appObjectId]);
    expect(s.jobs).toEqual([a.jobId]);
  });
});

describe("adopting through ProvisionedApplication, with onDestroy: delete", () => {
  let a: Adoption;
  beforeAll(async () => {
    a = await adoption(10, CUSTOM, "Portal SCIM", "scim", (existing, jobId) => [
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
    ]);
  });
  afterAll(async () => {
    a?.run.cleanup();
    await a?.h.close();
  });

  it("adopts both objects, then deletes them on destroy as asked", async () => {
    const up = await runPulumi(a.run, ["up", "--yes", "--skip-preview"]);
    if (up.code !== 0) throw new Error(up.stdout + up.stderr);
    const ours = stackObjects(await exportState(a.run));
    expect(ours.applications).toEqual([a.existing.appObjectId]);
    expect(ours.jobs).toEqual([a.jobId]);
    expect((await emulatorObjects(a.h)).raw.jobs.items).toEqual([expect.objectContaining({ id: a.jobId, scheduleState: "Active" })]);
    const destroy = await runPulumi(a.run, ["destroy", "--yes", "--skip-preview"]);
    expect(destroy.code).toBe(0);
    const s = await emulatorObjects(a.h);
    expect(s.applications).toEqual([]);
    expect(s.jobs).toEqual([]);
  });
});
