import { assignSome } from "./assign";
import { createJob, CUSTOM, harness, Harness, instantiate, raw, secretsSet } from "./helpers";

/**
 * Behaviours of the synchronization service that follow field reports and Microsoft's provisioning
 * docs rather than the API reference (emulator/FIDELITY.md): how a secrets PUT is dropped or
 * rejected, what the settings in the secrets do to a cycle (scope, skip out-of-scope deletions,
 * the accidental-deletions threshold), the 404 for a PATCH on a job, restart on a paused job, and
 * 401 UnknownError for a missing permission on synchronization routes.
 *
 * Cycles run through POST /_emulator/jobs/{id}/run-cycle on jobs that were never started, so no
 * timer runs beside the test.
 */
type KV = { key: string; value: string };
type Log = { id: string; provisioningAction: string; cycleId: string; sourceIdentity: { id: string }; provisioningStatusInfo: { status: string; errorInformation: { errorCode: string } | null } };

const SCIM = [{ key: "BaseAddress", value: "https://scim.example.com/v2" }, { key: "SecretToken", value: "tok" }];

describe("synchronization fidelity: secrets, settings, jobs and permissions", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({ http: true });
  });
  afterAll(() => h.close());
  beforeEach(async () => {
    await h.admin("POST", "/reset");
  });

  const sync = (sp: string) => `/servicePrincipals/${sp}/synchronization`;
  const putSecrets = (sp: string, body: unknown) => h.call("PUT", `${sync(sp)}/secrets`, body);
  const getSecrets = async (sp: string): Promise<KV[]> => (await h.call("GET", `${sync(sp)}/secrets`)).body.value;
  const getJob = async (sp: string, job: string) => (await h.call("GET", `${sync(sp)}/jobs/${job}`)).body;
  const cycle = async (job: string) => expect((await h.admin("POST", `/jobs/${job}/run-cycle`)).status).toBe(204);

  /** A token for a client holding exactly `roles`. */
  async function tokenWith(roles: string[]): Promise<{ token: string; clientId: string }> {
    const reg = await h.admin("POST", "/clients", { roles });
    return { token: await h.tokenFor(reg.body.clientId, reg.body.clientSecret), clientId: reg.body.clientId };
  }
  const callAs = (token: string, method: string, path: string, body?: unknown) =>
    raw(h.dispatcher, method, `${h.emu.graphUrl}/v1.0${path}`, body, { authorization: `Bearer ${token}` });

  /** Provisioning logs of one cycle (a fresh client per query: the reports limit is 5 per 10 s per app). */
  async function cycleLogs(cycleId: string): Promise<Log[]> {
    const { token } = await tokenWith(["AuditLog.Read.All"]);
    const r = await callAs(token, "GET", `/auditLogs/provisioning?$filter=cycleId eq '${cycleId}'&$top=999`);
    expect(r.status).toBe(200);
    return r.body.value;
  }

  async function setup(): Promise<{ spId: string; jobId: string; users: string[]; groups: string[]; assigned: Set<string>; conflict: string }> {
    const ids = await instantiate(h, CUSTOM);
    const jobId = await createJob(h, ids.spId);
    // In scope without SyncAll: the users and the group assigned, and that group's members.
    const assigned = await assignSome(h, ids.spId);
    const state = (await h.admin("GET", "/state")).body;
    return { spId: ids.spId, jobId, users: state.users.ids, groups: state.groups.ids, assigned, conflict: state.users.ids[1] };
  }

  describe("secrets PUT", () => {
    it("replaces the set when it carries SyncAll and SyncNotificationSettings", async () => {
      const { spId } = await setup();
      expect((await putSecrets(spId, secretsSet(SCIM))).status).toBe(204);
      expect((await getSecrets(spId)).map((kv) => kv.key)).toEqual(["BaseAddress", "SecretToken", "SyncAll", "SyncNotificationSettings"]);
      expect((await putSecrets(spId, secretsSet([{ key: "BaseAddress", value: "https://other" }]))).status).toBe(204);
      expect((await getSecrets(spId)).map((kv) => kv.key)).toEqual(["BaseAddress", "SyncAll", "SyncNotificationSettings"]);
    });

    it("answers 204 but stores nothing when SyncAll or SyncNotificationSettings is missing", async () => {
      const { spId } = await setup();
      const first = secretsSet(SCIM);
      await putSecrets(spId, first);
      const withoutSyncAll = first.value.filter((kv) => kv.key !== "SyncAll").map((kv) => (kv.key === "BaseAddress" ? { ...kv, value: "https://changed" } : kv));
      const withoutNotifications = first.value.filter((kv) => kv.key !== "SyncNotificationSettings").map((kv) => (kv.key === "BaseAddress" ? { ...kv, value: "https://changed" } : kv));
      for (const value of [withoutSyncAll, withoutNotifications, [{ key: "BaseAddress", value: "https://changed" }], []]) {
        expect((await putSecrets(spId, { value })).status).toBe(204);
        expect((await getSecrets(spId)).find((kv) => kv.key === "BaseAddress")?.value).toBe("https://scim.example.com/v2");
      }
      // A service principal whose only PUTs were dropped has no secret set at all.
      const other = await setup();
      expect((await putSecrets(other.spId, { value: SCIM })).status).toBe(204);
      expect(await getSecrets(other.spId)).toEqual([]);
      const state = (await h.admin("GET", "/state")).body;
      expect(state.secrets.items.map((x: { servicePrincipalId: string }) => x.servicePrincipalId)).toEqual([spId]);
    });

    it("answers 500 and stores nothing when the bearer token and OAuth keys are mixed", async () => {
      const { spId } = await setup();
      await putSecrets(spId, secretsSet(SCIM));
      for (const oauth of ["Oauth2ClientId", "Oauth2ClientSecret", "Oauth2AccessToken", "Oauth2RefreshToken", "Oauth2TokenExchangeUri"]) {
        const r = await putSecrets(spId, secretsSet([...SCIM, { key: oauth, value: "x" }]));
        expect(r.status).toBe(500);
        expect(r.body.error.code).toBe("InternalError");
        expect(r.body.error.message).toContain(oauth);
      }
      expect((await getSecrets(spId)).map((kv) => kv.key)).toEqual(["BaseAddress", "SecretToken", "SyncAll", "SyncNotificationSettings"]);
      // OAuth keys alone are fine.
      const oauthOnly = [{ key: "BaseAddress", value: "https://x" }, { key: "Oauth2ClientId", value: "c" }, { key: "Oauth2ClientSecret", value: "s" }, { key: "Oauth2TokenExchangeUri", value: "https://t" }];
      expect((await putSecrets(spId, secretsSet(oauthOnly))).status).toBe(204);
      expect((await getSecrets(spId)).find((kv) => kv.key === "Oauth2ClientSecret")?.value).toBe("*");
    });

    it("rejects malformed setting values with 400", async () => {
      const { spId } = await setup();
      const bad = async (value: KV[]) => {
        const r = await putSecrets(spId, { value });
        expect(r.status).toBe(400);
        expect(r.body.error.code).toBe("Request_BadRequest");
        return r.body.error.message as string;
      };
      const base = secretsSet(SCIM).value;
      const replace = (key: string, value: string) => base.map((kv) => (kv.key === key ? { key, value } : kv));
      expect(await bad(replace("SyncAll", "yes"))).toContain("SyncAll");
      expect(await bad(replace("SyncNotificationSettings", "not json"))).toContain("SyncNotificationSettings");
      expect(await bad(replace("SyncNotificationSettings", "[1]"))).toContain("JSON object");
      expect(await bad(replace("SyncNotificationSettings", "{\"DeleteThresholdValue\":-1}"))).toContain("DeleteThresholdValue");
      expect(await bad(replace("SyncNotificationSettings", "{\"DeleteThresholdEnabled\":\"true\"}"))).toContain("DeleteThresholdEnabled");
      expect(await bad(replace("SyncNotificationSettings", "{\"Threshold\":5}"))).toContain("Threshold");
      expect(await bad([...base, { key: "SkipOutOfScopeDeletions", value: "1" }])).toContain("SkipOutOfScopeDeletions");
      expect(await getSecrets(spId)).toEqual([]);
    });
  });

  describe("settings in a cycle", () => {
    it("provisions assigned users and groups, or everyone with SyncAll \"true\"", async () => {
      const s = await setup();
      await putSecrets(s.spId, secretsSet(SCIM));
      await cycle(s.jobId);
      const counts = async () => Object.fromEntries((await getJob(s.spId, s.jobId)).status.synchronizedEntryCountByType.map((e: { key: string; value: number }) => [e.key, e.value]));
      const assignedUsers = s.users.filter((u) => s.assigned.has(u) && u !== s.conflict).length;
      const assignedGroups = s.groups.filter((g) => s.assigned.has(g)).length;
      expect(assignedUsers).toBeLessThan(s.users.length - 1);
      expect(await counts()).toEqual({ "user to User": assignedUsers, "group to Group": assignedGroups });

      await putSecrets(s.spId, secretsSet(SCIM, { syncAll: true }));
      await cycle(s.jobId);
      expect(await counts()).toEqual({ "user to User": s.users.length - 1, "group to Group": s.groups.length });
      const logs = await cycleLogs((await getJob(s.spId, s.jobId)).status.lastExecution.activityIdentifier);
      const created = logs.filter((l) => l.provisioningAction === "create" && l.provisioningStatusInfo.status === "success").map((l) => l.sourceIdentity.id);
      expect(new Set(created)).toEqual(new Set([...s.users, ...s.groups].filter((id) => !s.assigned.has(id))));
    });

    it("disables users and deletes groups that leave scope", async () => {
      const s = await setup();
      await putSecrets(s.spId, secretsSet(SCIM, { syncAll: true }));
      await cycle(s.jobId);
      await putSecrets(s.spId, secretsSet(SCIM, { syncAll: false }));
      await cycle(s.jobId);
      const job = await getJob(s.spId, s.jobId);
      expect(job.status.code).toBe("Active");
      const logs = await cycleLogs(job.status.lastExecution.activityIdentifier);
      const of = (action: string) => new Set(logs.filter((l) => l.provisioningAction === action).map((l) => l.sourceIdentity.id));
      expect(of("disable")).toEqual(new Set(s.users.filter((u) => !s.assigned.has(u))));
      expect(of("delete")).toEqual(new Set(s.groups.filter((g) => !s.assigned.has(g))));
      expect(job.status.synchronizedEntryCountByType.find((e: { key: string }) => e.key === "user to User").value).toBe(s.users.filter((u) => s.assigned.has(u) && u !== s.conflict).length);
      // Already deprovisioned: the next cycle has nothing to remove.
      await cycle(s.jobId);
      const next = await cycleLogs((await getJob(s.spId, s.jobId)).status.lastExecution.activityIdentifier);
      expect(next.filter((l) => ["disable", "delete"].includes(l.provisioningAction))).toEqual([]);
    });

    it("leaves objects that go out of scope in the target with SkipOutOfScopeDeletions \"True\"", async () => {
      const s = await setup();
      await putSecrets(s.spId, secretsSet(SCIM, { syncAll: true }));
      await cycle(s.jobId);
      const before = (await getJob(s.spId, s.jobId)).status.synchronizedEntryCountByType;
      await putSecrets(s.spId, secretsSet(SCIM, { syncAll: false, skipOutOfScopeDeletions: true }));
      await cycle(s.jobId);
      const job = await getJob(s.spId, s.jobId);
      expect(job.status.code).toBe("Active");
      expect(job.status.synchronizedEntryCountByType).toEqual(before);
      const logs = await cycleLogs(job.status.lastExecution.activityIdentifier);
      expect(logs.filter((l) => ["disable", "delete", "stagedDelete"].includes(l.provisioningAction))).toEqual([]);
      const skipped = logs.filter((l) => l.provisioningStatusInfo.errorInformation?.errorCode === "SkipOutOfScopeDeletions");
      expect(new Set(skipped.map((l) => l.sourceIdentity.id))).toEqual(new Set([...s.users, ...s.groups].filter((id) => !s.assigned.has(id))));
      for (const l of skipped) expect(l.provisioningStatusInfo.status).toBe("skipped");
      // Logged once, not every cycle.
      await cycle(s.jobId);
      const next = await cycleLogs((await getJob(s.spId, s.jobId)).status.lastExecution.activityIdentifier);
      expect(next.filter((l) => l.provisioningStatusInfo.errorInformation?.errorCode === "SkipOutOfScopeDeletions")).toEqual([]);
      // Turning the flag off deprovisions them.
      await putSecrets(s.spId, secretsSet(SCIM, { syncAll: false, skipOutOfScopeDeletions: false }));
      await cycle(s.jobId);
      const after = await cycleLogs((await getJob(s.spId, s.jobId)).status.lastExecution.activityIdentifier);
      expect(after.filter((l) => l.provisioningAction === "disable")).toHaveLength(s.users.filter((u) => !s.assigned.has(u)).length);
    });

    it("quarantines (TooManyDeletes) a cycle whose deletions reach DeleteThresholdValue, until a ForceDeletes restart", async () => {
      const s = await setup();
      const leaving = [...s.users, ...s.groups].filter((id) => !s.assigned.has(id)).length;
      expect(leaving).toBeGreaterThan(2);
      await putSecrets(s.spId, secretsSet(SCIM, { syncAll: true }));
      await cycle(s.jobId);
      const counts = (await getJob(s.spId, s.jobId)).status.synchronizedEntryCountByType;
      // "If the value is set to 500, the maximum number of deletes allowed is 499": reaching the value quarantines.
      await putSecrets(s.spId, secretsSet(SCIM, { syncAll: false, notifications: { Enabled: false, DeleteThresholdEnabled: true, DeleteThresholdValue: leaving } }));
      await cycle(s.jobId);
      const held = await getJob(s.spId, s.jobId);
      expect(held.status.code).toBe("Quarantine");
      expect(held.status.quarantine).toMatchObject({ reason: "TooManyDeletes", seriesCount: 1, error: { code: "TooManyDeletes", tenantActionable: true } });
      expect(held.status.synchronizedEntryCountByType).toEqual(counts);
      const logs = await cycleLogs(held.status.lastExecution.activityIdentifier);
      expect(logs.filter((l) => ["disable", "delete"].includes(l.provisioningAction))).toEqual([]);
      expect(logs.filter((l) => l.provisioningAction === "stagedDelete")).toHaveLength(leaving);

      // Still over the threshold: stays quarantined, nothing applied, nothing staged again.
      await cycle(s.jobId);
      const again = await getJob(s.spId, s.jobId);
      expect(again.status.quarantine).toMatchObject({ reason: "TooManyDeletes", seriesCount: 2 });
      expect((await cycleLogs(again.status.lastExecution.activityIdentifier)).filter((l) => l.provisioningAction === "stagedDelete")).toEqual([]);

      // Restart with ForceDeletes clears this quarantine and lets the next cycle apply them.
      expect((await h.call("POST", `${sync(s.spId)}/jobs/${s.jobId}/restart`, { criteria: { resetScope: "ForceDeletes" } })).status).toBe(204);
      const restarted = await getJob(s.spId, s.jobId);
      expect(restarted.status.quarantine).toBeNull();
      expect(restarted.schedule.state).toBe("Disabled"); // never started: restart does not start it
      await cycle(s.jobId);
      const applied = await getJob(s.spId, s.jobId);
      expect(applied.status.code).toBe("Active");
      const done = await cycleLogs(applied.status.lastExecution.activityIdentifier);
      expect(done.filter((l) => ["disable", "delete"].includes(l.provisioningAction))).toHaveLength(leaving);
    });

    it("applies deletions below the threshold, and none are held with DeleteThresholdEnabled false", async () => {
      for (const notifications of [{ DeleteThresholdEnabled: true, DeleteThresholdValue: 0 }, { DeleteThresholdEnabled: false, DeleteThresholdValue: 1 }]) {
        await h.admin("POST", "/reset");
        const s = await setup();
        const leaving = [...s.users, ...s.groups].filter((id) => !s.assigned.has(id)).length;
        await putSecrets(s.spId, secretsSet(SCIM, { syncAll: true }));
        await cycle(s.jobId);
        const value = notifications.DeleteThresholdEnabled ? leaving + 1 : notifications.DeleteThresholdValue;
        await putSecrets(s.spId, secretsSet(SCIM, { syncAll: false, notifications: { ...notifications, DeleteThresholdValue: value } }));
        await cycle(s.jobId);
        const job = await getJob(s.spId, s.jobId);
        expect(job.status.code).toBe("Active");
        expect((await cycleLogs(job.status.lastExecution.activityIdentifier)).filter((l) => ["disable", "delete"].includes(l.provisioningAction))).toHaveLength(leaving);
      }
    });

    it("start clears a TooManyDeletes quarantine, but the next cycle holds the deletions again", async () => {
      const s = await setup();
      await putSecrets(s.spId, secretsSet(SCIM, { syncAll: true }));
      await cycle(s.jobId);
      await putSecrets(s.spId, secretsSet(SCIM, { syncAll: false, notifications: { DeleteThresholdEnabled: true, DeleteThresholdValue: 1 } }));
      await cycle(s.jobId);
      expect((await getJob(s.spId, s.jobId)).status.quarantine.reason).toBe("TooManyDeletes");
      await h.call("POST", `${sync(s.spId)}/jobs/${s.jobId}/start`);
      expect((await getJob(s.spId, s.jobId)).status.quarantine).toBeNull();
      await h.call("POST", `${sync(s.spId)}/jobs/${s.jobId}/pause`); // stop the timer; cycles by hand
      await cycle(s.jobId);
      expect((await getJob(s.spId, s.jobId)).status.quarantine.reason).toBe("TooManyDeletes");
    });
  });

  describe("jobs", () => {
    it("answers PATCH on a job (and on its schema) with 404 UnknownError \"No HTTP resource was found\"", async () => {
      const s = await setup();
      const r = await h.call("PATCH", `${sync(s.spId)}/jobs/${s.jobId}`, { synchronizationJobSettings: [{ name: "QuarantineTooManyDeletesThreshold", value: "5" }] });
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe("UnknownError");
      expect(r.body.error.innerError["request-id"]).toBe(r.headers["request-id"]);
      const inner = JSON.parse(r.body.error.message);
      expect(inner).toEqual({
        Message: `No HTTP resource was found that matches the request URI 'https://syncfabric.windowsazure.com/api/servicePrincipals('${s.spId}')/synchronization/jobs('${s.jobId}.${h.emu.tenantId}')?api-version=2.0'.`,
      });
      expect((await getJob(s.spId, s.jobId)).synchronizationJobSettings).toEqual([{ name: "QuarantineTooManyDeletesThreshold", value: "500" }]);
      const schema = await h.call("PATCH", `${sync(s.spId)}/jobs/${s.jobId}/schema`, {});
      expect(schema.status).toBe(404);
      expect(JSON.parse(schema.body.error.message).Message).toContain(`/synchronization/jobs('${s.jobId}.${h.emu.tenantId}')/schema?api-version=2.0`);
      expect((await h.call("PATCH", `${sync(s.spId)}/secrets`, { value: [] })).status).toBe(404);
      expect((await h.call("DELETE", `${sync(s.spId)}/secrets`)).status).toBe(404);
      // The token is still checked first.
      const anon = await raw(h.dispatcher, "PATCH", `${h.emu.graphUrl}/v1.0${sync(s.spId)}/jobs/${s.jobId}`, {});
      expect(anon.status).toBe(401);
      expect(anon.body.error.code).toBe("InvalidAuthenticationToken");
      const stats = (await h.admin("GET", "/stats")).body;
      expect(stats.requests).toEqual(expect.arrayContaining([{ method: "PATCH", route: "/servicePrincipals/{id}/synchronization/jobs/{id}", status: 404, count: 1 }]));
    });

    it("restart does not start a paused job; it resets what resetScope names", async () => {
      const s = await setup();
      await putSecrets(s.spId, secretsSet(SCIM));
      await h.call("POST", `${sync(s.spId)}/jobs/${s.jobId}/start`);
      await h.call("POST", `${sync(s.spId)}/jobs/${s.jobId}/pause`);
      await cycle(s.jobId);
      const paused = await getJob(s.spId, s.jobId);
      expect(paused.schedule.state).toBe("Paused");
      expect((await h.call("POST", `${sync(s.spId)}/jobs/${s.jobId}/restart`, { criteria: { resetScope: "Full" } })).status).toBe(204);
      const after = await getJob(s.spId, s.jobId);
      expect(after.status.code).toBe("Paused");
      expect(after.schedule.state).toBe("Paused");
      expect(after.status.escrowsPruned).toBe(true);
      const state = (await h.admin("GET", "/state")).body;
      expect(state.jobs.items.find((j: { id: string }) => j.id === s.jobId)).toMatchObject({ status: "Paused", scheduleState: "Paused", running: false });
      // The reset shows on the next cycle: everything is created again.
      await cycle(s.jobId);
      const logs = await cycleLogs((await getJob(s.spId, s.jobId)).status.lastExecution.activityIdentifier);
      expect(logs.filter((l) => l.provisioningAction === "create" && l.provisioningStatusInfo.status === "success").length).toBeGreaterThan(0);
      // A job that was never started stays so too.
      const fresh = await createJob(h, s.spId);
      await h.call("POST", `${sync(s.spId)}/jobs/${fresh}/restart`, { criteria: { resetScope: "Full" } });
      expect(await getJob(s.spId, fresh)).toMatchObject({ schedule: { state: "Disabled" }, status: { code: "NotConfigured" } });
    });
  });

  describe("permissions", () => {
    it("answers 401 UnknownError with an empty message on synchronization routes, 403 elsewhere", async () => {
      const s = await setup();
      const { token } = await tokenWith(["Application.Read.All"]);
      const requests: [string, string, unknown?][] = [
        ["GET", `${sync(s.spId)}/jobs`],
        ["GET", `${sync(s.spId)}/templates`],
        ["POST", `${sync(s.spId)}/jobs`, { templateId: "scim" }],
        ["POST", `${sync(s.spId)}/jobs/${s.jobId}/restart`, { criteria: { resetScope: "Full" } }],
        ["POST", `${sync(s.spId)}/jobs/${s.jobId}/start`],
        ["PUT", `${sync(s.spId)}/secrets`, secretsSet(SCIM)],
        ["GET", `${sync(s.spId)}/secrets`],
        ["POST", `${sync(s.spId)}/jobs/${s.jobId}/provisionOnDemand`, { parameters: [] }],
        ["POST", `${sync(s.spId)}/jobs/${s.jobId}/validateCredentials`, { useSavedCredentials: true }],
        ["PUT", `${sync(s.spId)}/jobs/${s.jobId}/schema`, {}],
      ];
      for (const [method, path, body] of requests) {
        const r = await callAs(token, method, path, body);
        expect([method, path, r.status]).toEqual([method, path, 401]);
        expect(r.body.error).toMatchObject({ code: "UnknownError", message: "" });
        expect(r.body.error.innerError).toHaveProperty("request-id");
      }
      const app = (await h.call("GET", `/servicePrincipals/${s.spId}?$select=appId`)).body.appId;
      const appObject = (await h.call("GET", `/applications(appId='${app}')`)).body.id;
      expect((await callAs(token, "GET", `/applications/${appObject}/synchronization/templates`)).status).toBe(401);
      // Outside synchronization: the directory's 403.
      expect((await callAs(token, "GET", `/applications/${appObject}`)).status).toBe(200);
      const patch = await callAs(token, "PATCH", `/applications/${appObject}`, { notes: "x" });
      expect(patch.status).toBe(403);
      expect(patch.body.error.code).toBe("Authorization_RequestDenied");
    });

    it("lets Synchronization.Read.All read, and answers 403 to its writes", async () => {
      const s = await setup();
      const { token } = await tokenWith(["Synchronization.Read.All"]);
      expect((await callAs(token, "GET", `${sync(s.spId)}/jobs`)).status).toBe(200);
      const start = await callAs(token, "POST", `${sync(s.spId)}/jobs/${s.jobId}/start`);
      expect(start.status).toBe(403);
      expect(start.body.error.code).toBe("Authorization_RequestDenied");
    });

    it("requires Application.ReadWrite.OwnedBy callers to own the service principal", async () => {
      const others = await setup(); // created by the default client
      const { token } = await tokenWith(["Application.ReadWrite.OwnedBy"]);
      const mine = await callAs(token, "POST", `/applicationTemplates/${CUSTOM}/instantiate`, { displayName: "Owned" });
      expect(mine.status).toBe(201);
      const spId = mine.body.servicePrincipal.id as string;
      expect((await callAs(token, "POST", `${sync(spId)}/jobs`, { templateId: "scim" })).status).toBe(201);
      expect((await callAs(token, "PUT", `${sync(spId)}/secrets`, secretsSet(SCIM))).status).toBe(204);
      const denied = await callAs(token, "GET", `${sync(others.spId)}/jobs`);
      expect(denied.status).toBe(401);
      expect(denied.body.error).toMatchObject({ code: "UnknownError", message: "" });
      const patch = await callAs(token, "PATCH", `/servicePrincipals/${others.spId}`, { notes: "x" });
      expect(patch.status).toBe(403);
      expect((await callAs(token, "PATCH", `/servicePrincipals/${spId}`, { notes: "x" })).status).toBe(204);
    });
  });
});
