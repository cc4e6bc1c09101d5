// The monitoring building blocks against the emulator: job status and health, provisioning logs
// (filters, paging, the reports limit), provisionOnDemand (rule resolution, Graph's parsed
// per-step answer, failures), template lookup, the pacer against the emulator's real limit, and
// the HTML report renderer.
import { GraphClient, resetGraphClients } from "../../provider/graph";
import { jobStatuses } from "../../provider/functions/status";
import { queryProvisioningLogs } from "../../provider/functions/logs";
import { provisionOnDemand, resolveRuleId, RuleSelectionError, parseOnDemandResponse } from "../../provider/functions/on-demand";
import { findApplicationTemplate } from "../../provider/functions/templates";
import { reportsPacer } from "../../provider/functions/pace";
import { renderReport } from "../../provider/cli/report";
import { jobTargetsFromDeployment } from "../../provider/cli/stack-outputs";
import { parseSince } from "../../provider/cli/logs";
import { assign, directory } from "../emulator/assign";
import { createJob, CUSTOM, harness, Harness, instantiate, secretsSet, until } from "../emulator/helpers";
import { emulatorSettings } from "../graph/workload";

jest.setTimeout(120_000);

describe("monitoring functions against the emulator", () => {
  let h: Harness;
  let client: GraphClient;
  const apps: { spId: string; jobId: string; name: string }[] = [];
  let assignedUser: string;

  beforeAll(async () => {
    h = await harness({ cycleIntervalMs: 200 });
    client = new GraphClient(emulatorSettings(h.emu), { logger: () => undefined });
    for (const [i, token] of ["good-token-1", "invalid-token", "good-token-2"].entries()) {
      const name = `Monitor ${i}`;
      const { spId } = await instantiate(h, CUSTOM, name);
      const put = await h.call(
        "PUT",
        `/servicePrincipals/${spId}/synchronization/secrets`,
        secretsSet([{ key: "BaseAddress", value: `https://scim.example.com/${i}` }, { key: "SecretToken", value: token }]),
      );
      expect(put.status).toBe(204);
      // A new service principal has no assignments: assign two thirds of the users, the first
      // one (an ordinary user) and the conflict user (#1, whose export always fails) among them.
      await assign(h, spId, (await directory(h)).users.filter((_, u) => u % 3 !== 2));
      const jobId = await createJob(h, spId);
      apps.push({ spId, jobId, name });
    }
    // Start the first two; the third stays stopped (never started).
    for (const a of apps.slice(0, 2)) expect((await h.call("POST", `/servicePrincipals/${a.spId}/synchronization/jobs/${a.jobId}/start`)).status).toBe(204);
    const state = (await h.admin("GET", "/state")).body;
    const users = (await h.call("GET", "/users?$top=999")).body.value as { id: string }[];
    assignedUser = users.map((u) => u.id).find((id) => (state.assignments[apps[0].spId] as string[]).includes(id))!;
  });
  afterAll(async () => {
    resetGraphClients();
    await h?.close();
  });

  it("classifies jobs: healthy, quarantined, stopped, missing", async () => {
    const targets = [...apps.map((a) => ({ servicePrincipalId: a.spId, jobId: a.jobId })), { servicePrincipalId: "00000000-0000-0000-0000-000000000001" }];
    const rows = await until(
      () => jobStatuses(client, targets),
      (r) => r[0].health === "healthy" && r[1].health === "quarantined",
      20_000,
    );
    expect(rows.map((r) => r.health)).toEqual(["healthy", "quarantined", "stopped", "missing"]);
    expect(rows.map((r) => r.displayName).slice(0, 3)).toEqual(["Monitor 0", "Monitor 1", "Monitor 2"]);
    expect(rows[0]).toMatchObject({ code: "Active", lastExecutionState: expect.stringMatching(/Succeeded|EntryLevelErrors/) });
    expect(rows[0].countImported).toBeGreaterThan(0);
    expect(rows[0].steadyStateLastAchievedTime).toBeDefined();
    expect(rows[1]).toMatchObject({
      code: "Quarantine",
      quarantineReason: "EncounteredQuarantineException",
      quarantineErrorCode: "SystemForCrossDomainIdentityManagementInvalidCredentials",
    });
    expect(rows[2].code).toBe("NotConfigured");
    expect(rows[3]).toMatchObject({ code: "NotFound", health: "missing" });
    // Without a job id: every job of the service principal.
    const all = await jobStatuses(client, [{ servicePrincipalId: apps[0].spId }]);
    expect(all.map((r) => r.jobId)).toEqual([apps[0].jobId]);
  });

  it("provisions on demand with the rule resolved from the job schema and parses Graph's answer", async () => {
    const ruleId = await resolveRuleId(client, apps[0].spId, apps[0].jobId, "User");
    const schema = (await h.call("GET", `/servicePrincipals/${apps[0].spId}/synchronization/jobs/${apps[0].jobId}/schema`)).body;
    expect(ruleId).toBe(schema.synchronizationRules[0].id);
    const r = await provisionOnDemand(client, { servicePrincipalId: apps[0].spId, jobId: apps[0].jobId, subject: { objectId: assignedUser, objectTypeName: "User" } });
    expect(r.ruleId).toBe(ruleId);
    expect(["Success", "Skipped"]).toContain(r.result);
    expect(r.provisioningSteps.map((s) => s.type)).toEqual(["Import", "Scoping", "Matching", "Export"]);
    expect(r.provisioningSteps.every((s) => s.description.length > 0)).toBe(true);
    expect(r.reportableIdentifier).toMatch(/@/);

    // Invalid credentials: Graph answers 200 with a Failure result naming the error.
    const bad = await provisionOnDemand(client, { servicePrincipalId: apps[1].spId, jobId: apps[1].jobId, subject: { objectId: assignedUser, objectTypeName: "User" } });
    expect(bad).toMatchObject({ result: "Failure", errorCode: "SystemForCrossDomainIdentityManagementInvalidCredentials" });
    expect(bad.errorMessage).toMatch(/SecretToken/);
  });

  it("explains when no rule fits the subject type", async () => {
    const err = await resolveRuleId(client, apps[0].spId, apps[0].jobId, "Device").catch((e) => e);
    expect(err).toBeInstanceOf(RuleSelectionError);
    expect(err.message).toMatch(/no synchronization rule .* "Device"; the job's rules are [0-9a-f-]{36} \(USER_TO_USER\)/);
  });

  it("parses the documented example of provisioningObjectSummary (list provisioning logs)", () => {
    const r = parseOnDemandResponse({ objectId: "x", objectTypeName: "User" }, {
      key: '{"result":"Skipped","details":{"errorCode":"RedundantExport","errorMessage":"The state of the user in both the source and target systems already match."}}',
      value: '{"action":"Other","changeId":"c","modifiedProperties":[{"displayName":"objectId","oldValue":null,"newValue":"52cf"}],"provisioningSteps":[{"name":"EntryImport","type":"Import","status":"Success","description":"Retrieved","timestamp":"2020-06-26T13:58:24.5494971Z","details":{"objectId":"52cf","IsSoftDeleted":"False"}}],"statusInfo":{"status":"Skipped","errorCode":null,"recommendedAction":null}}',
    });
    expect(r).toMatchObject({ result: "Skipped", errorCode: "RedundantExport", action: "Other", modifiedProperties: [{ displayName: "objectId", oldValue: null, newValue: "52cf" }] });
    expect(r.provisioningSteps[0]).toMatchObject({ name: "EntryImport", type: "Import", status: "Success", details: { objectId: "52cf" } });
  });

  it("reads provisioning logs by job, service principal and status, following paging", async () => {
    const byJob = await queryProvisioningLogs(client, { jobId: apps[0].jobId, max: 30, pageSize: 7 });
    expect(byJob.length).toBeGreaterThan(7); // more than one page
    expect(byJob.every((l) => l.jobId === apps[0].jobId && l.servicePrincipalDisplayName === "Monitor 0")).toBe(true);
    const failures = await queryProvisioningLogs(client, { servicePrincipalId: apps[1].spId, status: "failure" });
    expect(failures.length).toBeGreaterThanOrEqual(1);
    expect(failures[0]).toMatchObject({ status: "failure", errorCode: "SystemForCrossDomainIdentityManagementInvalidCredentials", servicePrincipalId: apps[1].spId });
    const since = await queryProvisioningLogs(client, { jobId: apps[0].jobId, since: new Date(Date.now() + 60_000) });
    expect(since).toEqual([]);
    await expect(queryProvisioningLogs(client, { status: "bad" as never })).rejects.toThrow(/not a provisioning status/);
  });

  it("stays within the reports limit: no 429 from /auditLogs/provisioning across many pages", async () => {
    const before = (await h.admin("GET", "/stats")).body.requests as { route: string; status: number; count: number }[];
    const count429 = (rs: typeof before) => rs.filter((r) => r.route.includes("auditLogs") && r.status === 429).reduce((a, r) => a + r.count, 0);
    // The pacer's waits, recorded (and still really slept: the emulator enforces the limit in real time).
    const spy = jest.spyOn(reportsPacer.clock, "sleep");
    let waits: number[];
    try {
      const logs = await queryProvisioningLogs(client, { jobId: apps[0].jobId, max: 16, pageSize: 2 }); // 8 pages
      expect(logs).toHaveLength(16);
    } finally {
      waits = spy.mock.calls.map(([ms]) => ms); // read before mockRestore clears them
      spy.mockRestore();
    }
    const after = (await h.admin("GET", "/stats")).body.requests;
    expect(count429(after)).toBe(count429(before));
    // Paced: the pages beyond the first 5 waited for the 10-s window to move on (the pacer's own
    // arithmetic is unit-tested on a fake clock in test/unit/pace.test.ts).
    expect(waits.length).toBeGreaterThan(0);
  });

  it("looks up gallery templates by id and name", async () => {
    const t = await findApplicationTemplate(client, { id: CUSTOM });
    expect(t.id).toBe(CUSTOM);
    expect((await findApplicationTemplate(client, { displayName: t.displayName })).id).toBe(CUSTOM);
    await expect(findApplicationTemplate(client, { displayName: "No Such App 123" })).rejects.toThrow(/no gallery application template is named/);
  });

  it("renders a report with the chart and escapes text", () => {
    const base = { servicePrincipalId: "sp", countSuccessiveCompleteFailures: 0, countImported: 0, countExported: 0, countEscrowed: 0, synchronizedEntries: {} };
    const html = renderReport({
      title: "T <x>",
      generatedAt: new Date().toISOString(),
      jobs: [
        { ...base, displayName: "A", jobId: "j1", health: "healthy", code: "Active" },
        { ...base, displayName: "B <script>", jobId: "j2", health: "quarantined", code: "Quarantine", quarantineReason: "EncounteredQuarantineException" },
      ],
      failures: [],
    });
    expect(html).toContain('data-status="healthy" data-count="1"');
    expect(html).toContain('data-status="quarantined" data-count="1"');
    expect(html).toContain("B &lt;script&gt;");
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it("picks jobs, names and declared enabled: false from an exported deployment", () => {
    const urn = (type: string, name: string) => `urn:pulumi:prod::fleet::entra:index:ProvisionedApplication$pulumi-nodejs:dynamic/entra:${type}::${name}`;
    const targets = jobTargetsFromDeployment([
      { urn: urn("GalleryApplication", "app-1"), type: "pulumi-nodejs:dynamic/entra:GalleryApplication", id: "x", outputs: { servicePrincipalId: "sp1", displayName: "App 1" } },
      { urn: "b", type: "pulumi-nodejs:dynamic/entra:ProvisioningJob", id: "job1", inputs: { enabled: true }, outputs: { servicePrincipalId: "sp1", enabled: true } },
      { urn: "c", type: "pulumi-nodejs:dynamic/entra:ProvisioningJob", id: "job2", inputs: { enabled: false }, outputs: { servicePrincipalId: "sp2", enabled: false } },
      { urn: "d", type: "pulumi-nodejs:dynamic/entra:ProvisioningJob", id: "job3", outputs: { servicePrincipalId: "sp3" }, delete: true },
      // The declaration is the input (absent: the default, true), never the output.
      { urn: "e", type: "pulumi-nodejs:dynamic/entra:ProvisioningJob", id: "job4", inputs: { enabled: true }, outputs: { servicePrincipalId: "sp4", enabled: false } },
      { urn: "f", type: "pulumi-nodejs:dynamic/entra:ProvisioningJob", id: "job5", inputs: {}, outputs: { servicePrincipalId: "sp5", enabled: false } },
    ]);
    expect(targets).toStrictEqual([
      { servicePrincipalId: "sp1", jobId: "job1", displayName: "App 1", resourceName: "app-1" },
      { servicePrincipalId: "sp2", jobId: "job2", displayName: undefined, declaredEnabled: false },
      { servicePrincipalId: "sp4", jobId: "job4", displayName: undefined },
      { servicePrincipalId: "sp5", jobId: "job5", displayName: undefined },
    ]);
  });

  it("parses --since durations and dates", () => {
    expect(parseSince("2h", 10_000_000).getTime()).toBe(10_000_000 - 7_200_000);
    expect(parseSince("2024-05-01T00:00:00Z").toISOString()).toBe("2024-05-01T00:00:00.000Z");
    expect(() => parseSince("yesterday")).toThrow(/--since/);
  });
});
