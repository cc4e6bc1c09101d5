// ProvisionOnDemand through the real Pulumi CLI: the rule is resolved from the job schema, Graph's
// per-step answer becomes outputs, an unchanged program runs nothing again, a trigger change runs
// it again, invalid subjects fail in check; and getProvisioningJobStatus works in a program.
import * as path from "node:path";
import { harness, Harness } from "../emulator/helpers";
import { emulatorConfig, openProgram, ProgramRun } from "../helpers/pulumi";

jest.setTimeout(600_000);

describe("ProvisionOnDemand through the real CLI", () => {
  let h: Harness;
  let run: ProgramRun;
  let spId: string;
  let jobId: string;
  let user: string;
  const onDemandCalls = async () =>
    ((await h.admin("GET", "/stats")).body.requests as { route: string; method: string; count: number }[])
      .filter((r) => r.route.endsWith("/provisionOnDemand"))
      .reduce((a, r) => a + r.count, 0);

  beforeAll(async () => {
    h = await harness({ cycleIntervalMs: 500 });
    // A new service principal has no assignments: the program assigns the first seeded user (not
    // #1, whose export always fails with a conflict).
    const seeded = (await h.admin("GET", "/state")).body.users.ids as string[];
    run = await openProgram(path.join(__dirname, "fixtures", "on-demand"), {
      config: { ...emulatorConfig(h.emu), secretToken: { value: "od-token-value", secret: true }, assigned: { value: JSON.stringify([seeded[0]]) } },
    });
    const up = await run.stack.up();
    expect(up.summary.result).toBe("succeeded");
    spId = up.outputs.spId.value;
    jobId = up.outputs.jobId.value;
    expect(up.outputs.jobCode.value).toMatch(/^(NotRun|Active)$/);
    const state = (await h.admin("GET", "/state")).body;
    user = (state.users.ids as string[]).find((id, i) => i !== 1 && (state.assignments[spId] as string[]).includes(id))!;
  });
  afterAll(async () => {
    run?.cleanup();
    await h?.close();
  });

  it("provisions a user and outputs Graph's parsed result", async () => {
    await run.stack.setConfig("subjects", { value: JSON.stringify([{ objectId: user, objectTypeName: "User" }]) });
    const before = await onDemandCalls();
    const up = await run.stack.up();
    expect(up.summary.resourceChanges?.create).toBe(1);
    const pod = up.outputs.pod.value;
    expect(["Success", "Skipped"]).toContain(pod.result);
    expect(pod.steps.map((s: { type: string }) => s.type)).toEqual(["Import", "Scoping", "Matching", "Export"]);
    expect(pod.results).toHaveLength(1);
    const schema = (await h.call("GET", `/servicePrincipals/${spId}/synchronization/jobs/${jobId}/schema`)).body;
    expect(pod.results[0].ruleId).toBe(schema.synchronizationRules[0].id);
    expect(await onDemandCalls()).toBe(before + 1);

    // Unchanged: nothing runs (read does not call Graph either).
    const again = await run.stack.up({ refresh: true });
    expect(Object.keys(again.summary.resourceChanges ?? {})).toEqual(["same"]);
    expect(await onDemandCalls()).toBe(before + 1);

    // A trigger change runs it again: the user is now in sync, so Graph skips it.
    await run.stack.setConfig("trigger", { value: "2" });
    const rerun = await run.stack.up();
    expect(rerun.summary.resourceChanges?.replace).toBe(1);
    expect(rerun.outputs.pod.value.result).toBe("Skipped");
    expect(rerun.outputs.pod.value.errorCode).toBe("RedundantExport");
    expect(await onDemandCalls()).toBe(before + 2);
  });

  it("rejects invalid subjects at preview with the property named", async () => {
    await run.stack.setConfig("subjects", { value: JSON.stringify([{ objectId: user, objectTypeName: "Device" }]) });
    const err = await run.stack.preview().catch((e: Error) => e);
    expect(String(err)).toMatch(/ProvisionOnDemand\.subjects\[0\]\.objectTypeName: must be "User" or "Group", got the string "Device"/);
  });
});
