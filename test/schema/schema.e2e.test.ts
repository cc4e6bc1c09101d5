// Issue 10 end to end through the real CLI: a ProvisioningSchema (mapping + scoping filter)
// changes which users the emulator provisions and which attributes it writes (asserted from
// /auditLogs/provisioning, 5 requests per 10 s); a mapping edited through Graph is caught by
// `preview --refresh --expect-no-changes`; removing the resource restores the template default.
import * as path from "node:path";
import { harness, Harness } from "../emulator/helpers";
import { emulatorConfig, openProgram, ProgramRun, repoRoot, runPulumi } from "../helpers/pulumi";

jest.setTimeout(600_000);

type Log = {
  jobId: string;
  provisioningAction: string;
  provisioningStatusInfo: { status: string; errorInformation: { errorCode: string } | null };
  provisioningSteps: { provisioningStepType: string; status: string }[];
  sourceIdentity: { id: string; identityType: string };
  modifiedProperties: { displayName: string; newValue: string }[];
};
type User = { id: string; givenName: string; surname: string; jobTitle: string };

describe("ProvisioningSchema through the real CLI", () => {
  let h: Harness;
  let run: ProgramRun;
  let ids: Record<string, { spId: string; jobId: string }>;
  let users: Map<string, User>;
  const schemaOf = async (i: number) => {
    const { "@odata.context": _c, ...s } = (await h.call("GET", `/servicePrincipals/${ids[`app-${i}`].spId}/synchronization/jobs/${encodeURIComponent(ids[`app-${i}`].jobId)}/schema`)).body;
    return s;
  };
  const cycle = async (i: number) => expect((await h.admin("POST", `/jobs/${encodeURIComponent(ids[`app-${i}`].jobId)}/run-cycle`)).status).toBe(204);
  const logsOf = async (jobId: string, since: string): Promise<Log[]> => {
    const r = await h.call("GET", `/auditLogs/provisioning?$filter=${encodeURIComponent(`jobId eq '${jobId}' and activityDateTime gt ${since}`)}&$top=999`);
    expect(r.status).toBe(200);
    return r.body.value;
  };
  const props = (l: Log) => Object.fromEntries(l.modifiedProperties.map((p) => [p.displayName, p.newValue]));

  beforeAll(async () => {
    // Cycles only when the test asks for them (no timer-driven cycles racing the assertions).
    h = await harness({ cycleIntervalMs: 3_600_000 });
    run = await openProgram(path.join(repoRoot, "test", "fixtures", "schema"), {
      config: { ...emulatorConfig(h.emu), secretToken: { value: "scim-token-schema", secret: true } },
    });
    const list = (await h.call("GET", "/users?$top=999")).body.value as User[];
    users = new Map(list.map((u) => [u.id, u]));
  });
  afterAll(async () => {
    run?.cleanup();
    await h?.close();
  });

  it("applies the mapping and scoping filter: app-1 provisions only in-scope users, with the mapped attributes", async () => {
    const up = await run.stack.up();
    expect(up.summary.result).toBe("succeeded");
    expect(up.summary.resourceChanges?.create).toBe(12); // 8 + two group assignments per app
    ids = up.outputs.instances.value;
    const since = new Date().toISOString();
    await cycle(0);
    await cycle(1);
    const [plain, mapped] = [await logsOf(ids["app-0"].jobId, since), await logsOf(ids["app-1"].jobId, since)];

    // app-0 keeps the template default: every assigned user, default attributes, groups too.
    const plainUsers = plain.filter((l) => l.sourceIdentity.identityType === "User");
    expect(plainUsers.length).toBeGreaterThan(5);
    expect(plainUsers.every((l) => l.provisioningStatusInfo.status !== "skipped")).toBe(true);
    expect(plain.some((l) => l.sourceIdentity.identityType === "Group")).toBe(true);
    const plainOk = plainUsers.find((l) => l.provisioningStatusInfo.status === "success")!;
    const pu = users.get(plainOk.sourceIdentity.id)!;
    expect(props(plainOk)).toMatchObject({ displayName: `${pu.givenName} ${pu.surname}`, title: pu.jobTitle, "name.familyName": pu.surname });

    // app-1: Group mapping disabled (no records), users outside the filter skipped.
    expect(mapped.some((l) => l.sourceIdentity.identityType === "Group")).toBe(false);
    const inScope = (u: User) => ["Developer", "Designer", "Attorney"].includes(u.jobTitle) || /^A/.test(u.givenName);
    const skipped = mapped.filter((l) => l.provisioningStatusInfo.status === "skipped");
    const provisioned = mapped.filter((l) => l.provisioningStatusInfo.status !== "skipped");
    expect(skipped.length).toBeGreaterThan(0);
    expect(provisioned.length).toBeGreaterThan(0);
    for (const l of skipped) {
      expect(inScope(users.get(l.sourceIdentity.id)!)).toBe(false);
      expect(l.provisioningSteps.find((s) => s.provisioningStepType === "scoping")!.status).toBe("skipped");
      expect(l.modifiedProperties).toEqual([]);
    }
    for (const l of provisioned) expect(inScope(users.get(l.sourceIdentity.id)!)).toBe(true);
    const ok = provisioned.filter((l) => l.provisioningStatusInfo.status === "success");
    expect(ok.length).toBeGreaterThan(0);
    for (const l of ok) {
      const u = users.get(l.sourceIdentity.id)!;
      const p = props(l);
      expect(p).toMatchObject({ displayName: `${u.surname}, ${u.givenName}`, title: u.jobTitle.toUpperCase(), externalId: u.id });
      expect(p).not.toHaveProperty("name.familyName");
    }
  });

  it("reports no changes on preview --refresh, and catches a mapping edited through Graph", async () => {
    const clean = await runPulumi(run, ["preview", "--refresh", "--expect-no-changes"]);
    expect(clean.stdout + clean.stderr).not.toMatch(/no changes were expected/);
    expect(clean.code).toBe(0);

    // Someone edits the title mapping and drops the scoping filter in the portal.
    const live = await schemaOf(1);
    const users = live.synchronizationRules[0].objectMappings[0];
    users.attributeMappings.find((m: { targetAttributeName: string }) => m.targetAttributeName === "title").source = { type: "Attribute", name: "jobTitle", expression: "[jobTitle]", parameters: [] };
    users.scope.groups = [];
    const put = await h.call("PUT", `/servicePrincipals/${ids["app-1"].spId}/synchronization/jobs/${encodeURIComponent(ids["app-1"].jobId)}/schema`, live);
    expect(put.status).toBe(204);

    const drift = await runPulumi(run, ["preview", "--refresh", "--expect-no-changes", "--diff"]);
    expect(drift.code).toBe(7);
    expect(drift.stdout).toContain("app-1-schema");
    expect(drift.stdout).toContain("ToUpper([jobTitle])");
    expect(drift.stdout).toMatch(/~ 1 to update/); // only the schema drifted (job status refreshes are outputs)

    const fix = await runPulumi(run, ["up", "--refresh", "--yes", "--skip-preview"]);
    expect(fix.code).toBe(0);
    const title = (await schemaOf(1)).synchronizationRules[0].objectMappings[0].attributeMappings.find((m: { targetAttributeName: string }) => m.targetAttributeName === "title");
    expect(title.source).toMatchObject({ type: "Function", name: "ToUpper" });
    expect((await runPulumi(run, ["preview", "--refresh", "--expect-no-changes"])).code).toBe(0);
  });

  it("fails preview with the path of a bad attribute mapping", async () => {
    await run.stack.setConfig("extraAttributes", { value: JSON.stringify([{ target: "nickName", source: "jobTitel" }, { target: "title2", expression: "Joyn([givenName])" }]) });
    const bad = await runPulumi(run, ["preview"]);
    expect(bad.code).not.toBe(0);
    const out = bad.stdout + bad.stderr;
    expect(out).toContain("mappings.User.attributes[3].target");
    expect(out).toContain("mappings.User.attributes[3].source");
    expect(out).toContain('did you mean "jobTitle"');
    expect(out).toContain("mappings.User.attributes[4].expression");
    expect(out).toContain("unknown function 'Joyn'");
    await run.stack.removeConfig("extraAttributes");
  });

  it("restores the template default when the schema resource is removed", async () => {
    await run.stack.setConfig("withSchema", { value: "false" });
    const up = await run.stack.up();
    expect(up.summary.resourceChanges?.delete).toBe(1);
    const tpl = await h.call("GET", `/servicePrincipals/${ids["app-1"].spId}/synchronization/templates/scim/schema`);
    const { "@odata.context": _c, ...def } = tpl.body;
    expect(await schemaOf(1)).toEqual(def);
    await run.stack.destroy();
    expect((await h.admin("GET", "/state")).body.jobs.count).toBe(0);
  });
});
