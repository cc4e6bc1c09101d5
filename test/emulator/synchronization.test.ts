import { assignSome } from "./assign";
import { AWS_TEMPLATE, createJob, CUSTOM, harness, Harness, instantiate, secretsSet, until } from "./helpers";

const SSO_ONLY = "229946b9-a9fb-45b8-9531-efa47453ac9e";

describe("synchronization: templates, jobs, credentials, schema, on-demand, logs", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({ cycleIntervalMs: 40 });
  });
  afterAll(() => h.close());
  beforeEach(async () => {
    await h.admin("POST", "/reset");
  });

  const sync = (sp: string) => `/servicePrincipals/${sp}/synchronization`;
  const getJob = async (sp: string, job: string) => (await h.call("GET", `${sync(sp)}/jobs/${job}`)).body;

  it("lists and gets synchronization templates, under the SP and the application", async () => {
    const ids = await instantiate(h, CUSTOM);
    const list = await h.call("GET", `${sync(ids.spId)}/templates`);
    // The non-gallery app offers several templates; `scim` is one (emulator/FIDELITY.md, templates rows).
    const scim = list.body.value.find((t: { id: string }) => t.id === "scim");
    expect(scim).toMatchObject({ id: "scim", factoryTag: "customappsso", applicationId: ids.appId, default: true, discoverable: true });
    expect(scim.metadata.map((m: { key: string }) => m.key)).toContain("GalleryApplicationIdentifier");
    const one = await h.call("GET", `${sync(ids.spId)}/templates/scim`);
    expect(one.body.schema.directories.map((d: { name: string }) => d.name)).toEqual(["Azure Active Directory", "customappsso"]);
    const schema = await h.call("GET", `${sync(ids.spId)}/templates/scim/schema`);
    const rule = schema.body.synchronizationRules[0];
    expect(rule).toMatchObject({ name: "USER_TO_USER", sourceDirectoryName: "Azure Active Directory", targetDirectoryName: "customappsso" });
    expect(rule.objectMappings[0].attributeMappings.find((m: { targetAttributeName: string }) => m.targetAttributeName === "userName").source).toMatchObject({ type: "Attribute", name: "userPrincipalName" });
    expect((await h.call("GET", `/applications/${ids.appObjectId}/synchronization/templates`)).body.value.map((t: { id: string }) => t.id)).toContain("scim");
    expect((await h.call("GET", `${sync(ids.spId)}/templates/nope`)).status).toBe(404);
    const sso = await instantiate(h, SSO_ONLY);
    expect((await h.call("GET", `${sync(sso.spId)}/templates`)).body.value).toEqual([]);
  });

  it("creates (201, Disabled, NotConfigured), lists, gets and deletes jobs; PATCH answers 404", async () => {
    const ids = await instantiate(h, CUSTOM);
    const bad = await h.call("POST", `${sync(ids.spId)}/jobs`, { templateId: "aws" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("Request_BadRequest");
    expect((await h.call("POST", `${sync(ids.spId)}/jobs`, { templateId: "scim", extra: 1 })).status).toBe(400);
    const jobId = await createJob(h, ids.spId);
    expect(jobId).toMatch(/^scim\.[0-9a-f]{32}$/);
    const job = await getJob(ids.spId, jobId);
    expect(job.schedule.state).toBe("Disabled");
    expect(job.status.code).toBe("NotConfigured");
    expect((await h.call("GET", `${sync(ids.spId)}/jobs`)).body.value.map((j: { id: string }) => j.id)).toEqual([jobId]);
    // No update method for a job (fidelity-sync.test.ts checks the body).
    const patch = await h.call("PATCH", `${sync(ids.spId)}/jobs/${jobId}`, { synchronizationJobSettings: [{ name: "QuarantineTooManyDeletesThreshold", value: "50" }] });
    expect(patch.status).toBe(404);
    expect((await getJob(ids.spId, jobId)).synchronizationJobSettings).toEqual([{ name: "QuarantineTooManyDeletesThreshold", value: "500" }]);
    expect((await h.call("DELETE", `${sync(ids.spId)}/jobs/${jobId}`)).status).toBe(204);
    expect((await h.call("GET", `${sync(ids.spId)}/jobs/${jobId}`)).status).toBe(404);
    const sso = await instantiate(h, SSO_ONLY);
    expect((await h.call("POST", `${sync(sso.spId)}/jobs`, { templateId: "scim" })).status).toBe(400);
  });

  it("validates credentials by the documented convention", async () => {
    const ids = await instantiate(h, AWS_TEMPLATE);
    const jobId = await createJob(h, ids.spId, "aws");
    const vc = (body: unknown) => h.call("POST", `${sync(ids.spId)}/jobs/${jobId}/validateCredentials`, body);
    expect((await vc({ credentials: [{ key: "ClientSecret", value: "a" }, { key: "SecretToken", value: "b" }], useSavedCredentials: false })).status).toBe(204);
    const missing = await vc({ credentials: [{ key: "ClientSecret", value: "a" }] });
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe("AWSMissingCredentials");
    expect(missing.body.error.message).toContain("SecretToken");
    expect(missing.body.error.details[0].target).toBe("SecretToken");
    const empty = await vc({ credentials: [{ key: "ClientSecret", value: "" }, { key: "SecretToken", value: "b" }] });
    expect(empty.body.error.details[0].target).toBe("ClientSecret");
    const rejected = await vc({ credentials: [{ key: "ClientSecret", value: "ok" }, { key: "SecretToken", value: "invalid-token" }] });
    expect(rejected.status).toBe(400);
    expect(rejected.body.error.code).toBe("AWSInvalidCredentials");
    expect(rejected.body.error.details[0].target).toBe("SecretToken");
    expect((await vc({ credentials: [{ key: "NotAKey", value: "x" }] })).status).toBe(400);
    // Saved credentials
    expect((await vc({ useSavedCredentials: true })).status).toBe(400);
    await h.call("PUT", `${sync(ids.spId)}/secrets`, secretsSet([{ key: "ClientSecret", value: "a" }, { key: "SecretToken", value: "b" }]));
    expect((await vc({ useSavedCredentials: true, credentials: [] })).status).toBe(204);
  });

  it("saves secrets (replacing the set) and reads them back masked", async () => {
    const ids = await instantiate(h, CUSTOM);
    const put = await h.call("PUT", `${sync(ids.spId)}/secrets`, { value: [
      { key: "BaseAddress", value: "https://scim.example.com/v2" },
      { key: "SecretToken", value: "tok" },
      { key: "SyncNotificationSettings", value: "{\"Enabled\":false,\"DeleteThresholdEnabled\":false}" },
      { key: "SyncAll", value: "false" },
    ] });
    expect(put.status).toBe(204);
    const got = await h.call("GET", `${sync(ids.spId)}/secrets`);
    expect(got.body.value).toEqual([
      { key: "BaseAddress", value: "https://scim.example.com/v2" },
      { key: "SecretToken", value: "*" },
      { key: "SyncNotificationSettings", value: "{\"Enabled\":false,\"DeleteThresholdEnabled\":false}" },
      { key: "SyncAll", value: "false" },
    ]);
    // The whole set is replaced: keys the PUT leaves out are gone.
    const replaced = secretsSet([], { skipOutOfScopeDeletions: true });
    expect((await h.call("PUT", `${sync(ids.spId)}/secrets`, replaced)).status).toBe(204);
    expect((await h.call("GET", `${sync(ids.spId)}/secrets`)).body.value).toEqual(replaced.value);
    expect((await h.call("PUT", `${sync(ids.spId)}/secrets`, { value: [{ key: "Bogus", value: "x" }] })).status).toBe(400);
    expect((await h.call("PUT", `${sync(ids.spId)}/secrets`, { value: [], other: 1 })).status).toBe(400);
  });

  it("runs cycles after start: NotRun → Active, logs written; pause stops cycles", async () => {
    const ids = await instantiate(h, CUSTOM);
    const jobId = await createJob(h, ids.spId);
    const scope = await assignSome(h, ids.spId);
    await h.call("PUT", `${sync(ids.spId)}/secrets`, secretsSet([{ key: "BaseAddress", value: "https://x" }, { key: "SecretToken", value: "t" }]));
    expect((await h.call("POST", `${sync(ids.spId)}/jobs/${jobId}/start`)).status).toBe(204);
    const started = await getJob(ids.spId, jobId);
    expect(["NotRun", "Active"]).toContain(started.status.code);
    expect(started.schedule).toMatchObject({ state: "Active", interval: "PT40M" });
    const active = await until(() => getJob(ids.spId, jobId), (j) => j.status.code === "Active" && j.status.lastSuccessfulExecution !== null);
    expect(active.status.lastSuccessfulExecutionWithExports).not.toBeNull();
    expect(active.status.lastExecution.state).toBe("EntryLevelErrors"); // the seeded conflict user
    expect(active.status.lastExecution.countEscrowed).toBe(1);
    const state = (await h.admin("GET", "/state")).body;
    const userTotal = active.status.synchronizedEntryCountByType.find((e: { key: string }) => e.key === "user to User").value;
    expect(userTotal).toBeGreaterThan(0);
    // Users in scope (assigned directly or through the assigned group), less the conflict user.
    expect(userTotal).toBe((state.users.ids as string[]).filter((u) => scope.has(u)).length - 1);
    // A second cycle records redundant exports as skipped.
    const second = await until(() => getJob(ids.spId, jobId), (j) => j.status.lastExecution.activityIdentifier !== active.status.lastExecution.activityIdentifier);
    expect(second.status.lastExecution.countExported).toBe(0);
    expect(second.status.steadyStateFirstAchievedTime).toBe(active.status.steadyStateFirstAchievedTime);

    expect((await h.call("POST", `${sync(ids.spId)}/jobs/${jobId}/pause`)).status).toBe(204);
    const paused = await getJob(ids.spId, jobId);
    expect(paused.status.code).toBe("Paused");
    expect(paused.schedule.state).toBe("Paused");
    await new Promise((r) => setTimeout(r, 150));
    expect((await getJob(ids.spId, jobId)).status.lastExecution.activityIdentifier).toBe(paused.status.lastExecution.activityIdentifier);

    // Restart with a Watermark reset re-creates everything on the next cycle after start.
    const badScope = await h.call("POST", `${sync(ids.spId)}/jobs/${jobId}/restart`, { criteria: { resetScope: "Everything" } });
    expect(badScope.status).toBe(400);
    expect((await h.call("POST", `${sync(ids.spId)}/jobs/${jobId}/restart`, { criteria: { resetScope: "Watermark, Escrows, QuarantineState" } })).status).toBe(204);
    // Restart does not start a paused job.
    await new Promise((r) => setTimeout(r, 150));
    expect((await getJob(ids.spId, jobId)).status.code).toBe("Paused");
    expect((await h.call("POST", `${sync(ids.spId)}/jobs/${jobId}/start`)).status).toBe(204);
    const restarted = await until(() => getJob(ids.spId, jobId), (j) => j.status.lastExecution.activityIdentifier !== paused.status.lastExecution.activityIdentifier);
    expect(restarted.status.lastExecution.countExported).toBeGreaterThan(0);
    expect(restarted.status.escrowsPruned).toBe(true);
  });

  it("quarantines a job whose saved credentials are rejected, and recovers after a fix", async () => {
    const ids = await instantiate(h, CUSTOM);
    const jobId = await createJob(h, ids.spId);
    await h.call("PUT", `${sync(ids.spId)}/secrets`, secretsSet([{ key: "BaseAddress", value: "https://x" }, { key: "SecretToken", value: "invalid-expired" }]));
    await h.call("POST", `${sync(ids.spId)}/jobs/${jobId}/start`);
    const q = await until(() => getJob(ids.spId, jobId), (j) => j.status.code === "Quarantine");
    expect(q.status.quarantine).toMatchObject({ reason: "EncounteredQuarantineException", seriesCount: 1, error: { code: "SystemForCrossDomainIdentityManagementInvalidCredentials", tenantActionable: true } });
    expect(q.status.lastExecution.state).toBe("Failed");
    expect(q.status.countSuccessiveCompleteFailures).toBe(1);
    await h.call("PUT", `${sync(ids.spId)}/secrets`, secretsSet([{ key: "BaseAddress", value: "https://x" }, { key: "SecretToken", value: "good" }]));
    // start clears quarantine and runs again
    await h.call("POST", `${sync(ids.spId)}/jobs/${jobId}/start`);
    const ok = await until(() => getJob(ids.spId, jobId), (j) => j.status.code === "Active" && j.status.lastSuccessfulExecution !== null);
    expect(ok.status.quarantine).toBeNull();
  });

  it("gets, replaces and resets the job schema", async () => {
    const ids = await instantiate(h, CUSTOM);
    const jobId = await createJob(h, ids.spId);
    const schema = (await h.call("GET", `${sync(ids.spId)}/jobs/${jobId}/schema`)).body;
    expect(schema.synchronizationRules[0].objectMappings.length).toBe(2);
    const { "@odata.context": _ctx, ...clean } = schema;
    // A new target attribute must first be defined on the target directory's object (as in Graph).
    clean.directories[1].objects[0].attributes.push({ ...clean.directories[1].objects[0].attributes[1], name: "nickName" });
    clean.synchronizationRules[0].objectMappings[0].attributeMappings.push({ targetAttributeName: "nickName", source: { type: "Constant", name: "x", expression: "\"x\"", parameters: [] }, defaultValue: null, exportMissingReferences: false, flowBehavior: "FlowWhenChanged", flowType: "Always", matchingPriority: 0 });
    expect((await h.call("PUT", `${sync(ids.spId)}/jobs/${jobId}/schema`, clean)).status).toBe(204);
    const after = (await h.call("GET", `${sync(ids.spId)}/jobs/${jobId}/schema`)).body;
    expect(after.synchronizationRules[0].objectMappings[0].attributeMappings.map((m: { targetAttributeName: string }) => m.targetAttributeName)).toContain("nickName");
    expect((await h.call("PUT", `${sync(ids.spId)}/jobs/${jobId}/schema`, { directories: [] })).status).toBe(400);
    expect((await h.call("PUT", `${sync(ids.spId)}/jobs/${jobId}/schema`, { ...clean, bogus: 1 })).status).toBe(400);
    expect((await h.call("DELETE", `${sync(ids.spId)}/jobs/${jobId}/schema`)).status).toBe(204);
    expect((await h.call("GET", `${sync(ids.spId)}/jobs/${jobId}/schema`)).body.synchronizationRules[0].objectMappings[0].attributeMappings.map((m: { targetAttributeName: string }) => m.targetAttributeName)).not.toContain("nickName");
  });

  it("provisions on demand (Success, then Skipped) and limits it to 5 per 10 s per job", async () => {
    const ids = await instantiate(h, CUSTOM);
    const jobId = await createJob(h, ids.spId);
    await h.call("PUT", `${sync(ids.spId)}/secrets`, secretsSet([{ key: "BaseAddress", value: "https://x" }, { key: "SecretToken", value: "t" }]));
    const ruleId = (await h.call("GET", `${sync(ids.spId)}/jobs/${jobId}/schema`)).body.synchronizationRules[0].id;
    await assignSome(h, ids.spId);
    const state = (await h.admin("GET", "/state")).body;
    const users = (await h.call("GET", "/users?$top=999")).body.value as { id: string }[];
    const assigned = users.filter((u) => state.assignments[ids.spId].includes(u.id));
    const target = assigned.find((u) => u.id !== users[1].id)!; // users[1] is the conflict user
    const pod = (objectId: string, type = "User", rule = ruleId) =>
      h.call("POST", `${sync(ids.spId)}/jobs/${jobId}/provisionOnDemand`, { parameters: [{ ruleId: rule, subjects: [{ objectId, objectTypeName: type }] }] });
    const first = await pod(target.id);
    expect(first.status).toBe(200);
    expect(JSON.parse(first.body.key).result).toBe("Success");
    expect(JSON.parse(first.body.value).action).toBe("Create");
    const again = await pod(target.id);
    expect(JSON.parse(again.body.key)).toMatchObject({ result: "Skipped", details: { errorCode: "RedundantExport" } });
    expect((await pod(target.id, "User", "not-a-rule")).status).toBe(400);
    expect((await pod("00000000-0000-0000-0000-000000000000")).status).toBe(404);
    expect((await pod(target.id)).status).toBe(200);
    const limited = await pod(target.id);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    expect(limited.body.error.code).toBe("TooManyRequests");
  });

  it("serves provisioning logs with filters, paging and the reports limit", async () => {
    const a = await instantiate(h, CUSTOM, "Logs A");
    const b = await instantiate(h, CUSTOM, "Logs B");
    const jobA = await createJob(h, a.spId);
    const jobB = await createJob(h, b.spId);
    for (const ids of [a, b]) await h.call("PUT", `${sync(ids.spId)}/secrets`, secretsSet([{ key: "BaseAddress", value: "https://x" }, { key: "SecretToken", value: "t" }]));
    for (const ids of [a, b]) await assignSome(h, ids.spId);
    const before = new Date(Date.now() - 1000).toISOString();
    await h.call("POST", `${sync(a.spId)}/jobs/${jobA}/start`);
    await h.call("POST", `${sync(b.spId)}/jobs/${jobB}/start`);
    await until(() => h.admin("GET", "/state"), (r) => r.body.provisioningLogs.count > 20);
    await h.call("POST", `${sync(a.spId)}/jobs/${jobA}/pause`);
    await h.call("POST", `${sync(b.spId)}/jobs/${jobB}/pause`);

    const byJob = await h.call("GET", `/auditLogs/provisioning?$filter=jobId eq '${jobA}'&$top=5`);
    expect(byJob.status).toBe(200);
    expect(byJob.body.value).toHaveLength(5);
    for (const r of byJob.body.value) expect(r.jobId).toBe(jobA);
    const times = byJob.body.value.map((r: { activityDateTime: string }) => r.activityDateTime);
    expect([...times].sort().reverse()).toEqual(times);
    expect(byJob.body["@odata.nextLink"]).toContain("$skiptoken=");
    const page2 = await h.call("GET", byJob.body["@odata.nextLink"].replace(h.emu.graphUrl, ""));
    expect(page2.body.value[0].id).not.toBe(byJob.body.value[0].id);
    const bySp = await h.call("GET", `/auditLogs/provisioning?$filter=servicePrincipal/id eq '${b.spId}' and provisioningStatusInfo/status eq 'failure'`);
    expect(bySp.body.value.length).toBeGreaterThan(0);
    for (const r of bySp.body.value) {
      expect(r.servicePrincipal.id).toBe(b.spId);
      expect(r.provisioningStatusInfo.status).toBe("failure");
      expect(r.provisioningStatusInfo.errorInformation.errorCode).toMatch(/EntryConflict$/);
    }
    // Requests 4 and 5 of this 10-second window.
    const future = await h.call("GET", `/auditLogs/provisioning?$filter=activityDateTime gt ${new Date(Date.now() + 60000).toISOString()}`);
    expect(future.body.value).toEqual([]);
    const since = await h.call("GET", `/auditLogs/provisioning?$filter=activityDateTime ge ${before}&$top=999`);
    expect(since.body.value.length).toBeGreaterThan(20);
    // The sixth is over the reports limit (5 per 10 s per app and tenant).
    const limited = await h.call("GET", "/auditLogs/provisioning");
    expect(limited.status).toBe(429);
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
  });
});
