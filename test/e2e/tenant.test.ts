// The walkthrough, drift and lifecycle scenario against a tenant: the emulator by default (CI),
// a real Microsoft Entra tenant with ENTRA_LIVE_TEST=1 (README "Testing against a real tenant";
// jest then runs only this file). Nothing here uses the emulator's admin API, so both targets run
// the same code; every object the run creates carries the stack's marker tag and is swept in
// afterAll even when a step failed.
import { createHash, randomBytes } from "node:crypto";
import * as path from "node:path";
import { openTarget, type GraphTarget } from "../helpers/graph-target";
import { openProgram, ProgramRun, repoRoot, runPulumi } from "../helpers/pulumi";

jest.setTimeout(1_800_000);

const PROJECT = "lifecycle";
const STACK = `tenant-${randomBytes(4).toString("hex")}`;
/** The marker prefix of this stack's service principals (GalleryApplication markerFor). */
const MARKER_PREFIX = `pulumi-entra:${createHash("sha256").update(`${PROJECT}/${STACK}`).digest("hex").slice(0, 8)}.`;

/** Runs `check` until it passes or `timeoutMs` passes: a real tenant replicates in seconds to minutes. */
async function eventually<T>(check: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 5_000));
    }
  }
}

describe(`a provisioning lifecycle against ${process.env.ENTRA_LIVE_TEST === "1" ? "a real tenant" : "the emulator"}`, () => {
  let target: GraphTarget;
  let run: ProgramRun;
  const settle = () => (target.live ? 180_000 : 20_000);
  const cli = async (...args: string[]) => {
    const r = await runPulumi(run, args);
    return { code: r.code, all: r.stdout + r.stderr };
  };
  const expectOk = (r: { code: number; all: string }) => {
    if (r.code !== 0) throw new Error(`pulumi exited ${r.code}:\n${r.all.slice(-4000)}`);
  };
  const outputs = async () => {
    const o = await run.stack.outputs();
    return { appObjectId: o.applicationObjectId.value as string, spId: o.servicePrincipalId.value as string, jobId: o.jobId.value as string };
  };

  beforeAll(async () => {
    target = await openTarget({ cycleIntervalMs: 500 });
    run = await openProgram(path.join(repoRoot, "test", "fixtures", PROJECT), {
      stackName: STACK,
      config: {
        ...target.config,
        displayName: { value: `pulumi-entra e2e ${STACK}` },
        baseAddress: { value: target.scim.baseAddress },
        secretToken: { value: target.scim.rejectedToken, secret: true },
      },
    });
  });
  afterAll(async () => {
    try {
      if (run) await cli("destroy", "--yes", "--skip-preview");
    } finally {
      // Whatever the destroy left (a failed step, an interrupted run): found by the marker tag.
      if (target) await target.sweep(MARKER_PREFIX);
      run?.cleanup();
      await target?.close();
    }
  });

  it("a rejected credential leaves a refreshable stack; the corrected up starts the job", async () => {
    const rejected = await cli("up", "--yes", "--skip-preview");
    expect(rejected.code).not.toBe(0);
    expect(rejected.all).toMatch(/rejected the saved credentials/);
    expect(rejected.all).not.toContain(target.scim.rejectedToken);
    expectOk(await cli("refresh", "--yes", "--skip-preview"));

    await run.stack.setConfig("secretToken", { value: target.scim.token, secret: true });
    expectOk(await cli("up", "--yes", "--skip-preview"));
    const { spId, jobId } = await outputs();
    const job = (await target.call("GET", `/servicePrincipals/${spId}/synchronization/jobs/${jobId}`)).body;
    expect(job.schedule.state).toBe("Active");
    const sp = (await target.call("GET", `/servicePrincipals/${spId}?$select=tags`)).body;
    expect(sp.tags.some((t: string) => t.startsWith(MARKER_PREFIX))).toBe(true);
    expect(sp.tags).toContain("WindowsAzureActiveDirectoryIntegratedApp");
  });

  it("drift made through Graph is caught, corrected, and then clean", async () => {
    const { appObjectId, spId, jobId } = await outputs();
    expect((await target.call("PATCH", `/applications/${appObjectId}`, { displayName: `renamed ${STACK}` })).status).toBe(204);
    expect((await target.call("POST", `/servicePrincipals/${spId}/synchronization/jobs/${jobId}/pause`)).status).toBe(204);
    await eventually(async () => {
      const drift = await cli("preview", "--refresh", "--expect-no-changes");
      expect(drift.code).not.toBe(0);
      expect(drift.all).toMatch(/displayName/);
    }, settle());
    expectOk(await cli("up", "--yes", "--refresh", "--skip-preview"));
    await eventually(async () => expectOk(await cli("preview", "--refresh", "--expect-no-changes")), settle());
  });

  it("an application deleted out of band is restored with its ids, not instantiated again", async () => {
    const before = await outputs();
    const appId = (await target.call("GET", `/applications/${before.appObjectId}?$select=appId`)).body.appId as string;
    expect((await target.call("DELETE", `/applications/${before.appObjectId}`)).status).toBe(204);
    await eventually(async () => {
      const drift = await cli("preview", "--refresh", "--expect-no-changes");
      expect(drift.code).not.toBe(0);
      expect(drift.all).toMatch(/GalleryApplication app +update/);
    }, settle());
    expectOk(await cli("up", "--yes", "--refresh", "--skip-preview"));
    const after = await outputs();
    expect([after.appObjectId, after.spId]).toEqual([before.appObjectId, before.spId]);
    expect((await target.call("GET", `/applications/${after.appObjectId}?$select=appId`)).body.appId).toBe(appId);
    // The job went with the service principal: a new one was created and started.
    expect((await target.call("GET", `/servicePrincipals/${after.spId}/synchronization/jobs/${after.jobId}`)).body.schedule.state).toBe("Active");
    await eventually(async () => expectOk(await cli("preview", "--refresh", "--expect-no-changes")), settle());
  });

  it("destroy removes the instance", async () => {
    const { appObjectId } = await outputs();
    expectOk(await cli("destroy", "--yes", "--skip-preview"));
    await eventually(async () => expect((await target.call("GET", `/applications/${appObjectId}`)).status).toBe(404), settle());
    await eventually(async () => expect(await target.sweep(MARKER_PREFIX)).toBe(0), settle());
  });
});
