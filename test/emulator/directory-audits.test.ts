import { assertAuditFilter, matchesAudit } from "../../emulator/directory-audits";
import { parseFilter } from "../../emulator/odata-filter";
import { assign, directory, SeededDirectory } from "./assign";
import { createJob, CUSTOM, harness, Harness, instantiate, raw, Res, secretsSet } from "./helpers";

/**
 * Directory audit logs (emulator/FIDELITY.md, "Directory audit logs"): one record per accepted write,
 * with Entra's activity names, the written object as target, the caller (app or signed-in user) as
 * initiator; GET /auditLogs/directoryAudits with the documented $filter, $orderby, $top/$skiptoken,
 * $select, permissions and reports rate limit.
 */
const SCIM = [{ key: "BaseAddress", value: "https://scim.example.com/v2" }, { key: "SecretToken", value: "tok-very-secret" }];
const READER = ["AuditLog.Read.All", "Directory.Read.All"];

type Audit = {
  id: string;
  category: string;
  correlationId: string;
  result: string;
  resultReason: string;
  activityDisplayName: string;
  activityDateTime: string;
  loggedByService: string;
  operationType: string;
  userAgent?: string | null;
  initiatedBy: { app: Record<string, unknown> | null; user: Record<string, unknown> | null };
  targetResources: { id: string; displayName: string | null; type: string; userPrincipalName: string | null; groupType: string | null; modifiedProperties: { displayName: string; oldValue: string | null; newValue: string | null }[] }[];
  additionalDetails: { key: string; value: string }[];
};

describe("directory audit logs", () => {
  let h: Harness;
  let dir: SeededDirectory;
  beforeAll(async () => {
    h = await harness({ http: true });
    dir = await directory(h);
  });
  afterAll(() => h.close());
  beforeEach(async () => {
    await h.admin("POST", "/reset");
    await h.admin("PATCH", "/directoryAudits", { latencyMs: 0 });
  });

  /** A token for a new client holding exactly `roles` (a fresh client per query: the reports limit is 5 per 10 s per app). */
  async function tokenWith(roles: string[], displayName?: string): Promise<{ token: string; clientId: string }> {
    const reg = await h.admin("POST", "/clients", { roles, ...(displayName ? { displayName } : {}) });
    return { token: await h.tokenFor(reg.body.clientId, reg.body.clientSecret), clientId: reg.body.clientId };
  }
  const callAs = (token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> =>
    raw(h.dispatcher, method, `${h.emu.graphUrl}${path.startsWith("/beta") || path.startsWith("/v1.0") ? "" : "/v1.0"}${path}`, body, { authorization: `Bearer ${token}`, ...headers });
  /** A delegated token for a seeded user (emulator-defined admin route). */
  async function userToken(userId: string): Promise<string> {
    const r = await h.admin("POST", "/tokens", { userId });
    expect(r.status).toBe(200);
    return r.body.access_token as string;
  }

  async function query(q: string, version = "v1.0"): Promise<Res> {
    const { token } = await tokenWith(READER);
    return callAs(token, "GET", `/${version}/auditLogs/directoryAudits${q ? `?${q}` : ""}`);
  }
  /** Records touching `targetId` since `since`, newest first. */
  async function touching(targetId: string, since: string): Promise<Audit[]> {
    const r = await query(`$filter=${encodeURIComponent(`activityDateTime ge ${since} and targetResources/any(t:t/id eq '${targetId}')`)}&$orderby=activityDateTime desc`);
    expect(r.status).toBe(200);
    return r.body.value;
  }
  /** A time between the records written before and after it (millisecond filters, sub-millisecond records). */
  async function mark(): Promise<string> {
    const sleep = () => new Promise((r) => setTimeout(r, 3));
    await sleep();
    const t = new Date().toISOString();
    await sleep();
    return t;
  }
  const prop = (a: Audit, name: string, t = 0) => a.targetResources[t].modifiedProperties.find((p) => p.displayName === name);
  const detail = (a: Audit, key: string) => a.additionalDetails.find((d) => d.key === key)?.value;

  async function setup(name = "Audited App"): Promise<{ appObjectId: string; appId: string; spId: string; jobId: string }> {
    const ids = await instantiate(h, CUSTOM, name);
    const jobId = await createJob(h, ids.spId);
    return { ...ids, jobId };
  }

  describe("records", () => {
    it("instantiate writes 'Add application' and 'Add service principal' with the request's correlation id", async () => {
      const since = await mark();
      const r = await h.call("POST", `/applicationTemplates/${CUSTOM}/instantiate`, { displayName: "Fresh App" }, { "client-request-id": "corr-instantiate-1" });
      expect(r.status).toBe(201);
      const app = (await touching(r.body.application.id, since))[0];
      const sp = (await touching(r.body.servicePrincipal.id, since))[0];
      expect(app).toMatchObject({ activityDisplayName: "Add application", category: "ApplicationManagement", loggedByService: "Core Directory", operationType: "Add", result: "success", resultReason: "", correlationId: "corr-instantiate-1" });
      expect(app.id).toMatch(/^Directory_corr-instantiate-1_[A-Z0-9]{5}_\d+$/);
      expect(app.activityDateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/);
      expect(prop(app, "DisplayName")).toEqual({ displayName: "DisplayName", oldValue: "[]", newValue: '["Fresh App"]' });
      expect(sp).toMatchObject({ activityDisplayName: "Add service principal", correlationId: "corr-instantiate-1" });
      expect(sp.targetResources[0]).toMatchObject({ id: r.body.servicePrincipal.id, type: "ServicePrincipal", displayName: "Fresh App" });
      expect(prop(sp, "AccountEnabled")?.newValue).toBe("[true]");
      expect(prop(sp, "Included Updated Properties")?.newValue).toBe('"AccountEnabled, AppPrincipalId, DisplayName, ServicePrincipalName"');
      expect(detail(sp, "AppId")).toBe(r.body.application.appId);
    });

    it("instantiate's documented fault (objects created, 404 answered) still writes its records", async () => {
      expect((await h.admin("PATCH", "/faults", { instantiate404Rate: 1 })).status).toBe(200);
      try {
        const since = await mark();
        expect((await h.call("POST", `/applicationTemplates/${CUSTOM}/instantiate`, { displayName: "Ghost" })).status).toBe(404);
        const r = await query(`$filter=${encodeURIComponent(`activityDateTime ge ${since}`)}`);
        expect(r.body.value.map((a: Audit) => [a.activityDisplayName, a.targetResources[0].displayName])).toEqual([["Add service principal", "Ghost"], ["Add application", "Ghost"]]);
      } finally {
        await h.admin("PATCH", "/faults", { instantiate404Rate: 0 });
      }
    });

    it("an application rename: one 'Update application' with old and new DisplayName, initiated by the app", async () => {
      const s = await setup("Before Rename");
      const since = await mark();
      const patch = await h.call("PATCH", `/applications/${s.appObjectId}`, { displayName: "After Rename" }, { "user-agent": "audit-test/1.0" });
      expect(patch.status).toBe(204);
      const records = await touching(s.appObjectId, since);
      expect(records).toHaveLength(1);
      const a = records[0];
      // Without a client-request-id the correlation id is the request-id Graph answered with.
      expect(a.correlationId).toBe(patch.headers["request-id"]);
      expect(a.id.startsWith(`Directory_${a.correlationId}_`)).toBe(true);
      expect(a).toMatchObject({ activityDisplayName: "Update application", category: "ApplicationManagement", loggedByService: "Core Directory", operationType: "Update" });
      expect(a.targetResources).toHaveLength(1);
      expect(a.targetResources[0]).toMatchObject({ id: s.appObjectId, displayName: "After Rename", type: "Application", userPrincipalName: null, groupType: null });
      expect(prop(a, "DisplayName")).toEqual({ displayName: "DisplayName", oldValue: '["Before Rename"]', newValue: '["After Rename"]' });
      expect(prop(a, "Included Updated Properties")).toEqual({ displayName: "Included Updated Properties", oldValue: null, newValue: '"DisplayName"' });
      // App-initiated Core Directory records carry the caller's service principal and name, not its appId.
      expect(a.initiatedBy).toEqual({ app: { appId: null, displayName: "Graph emulator client", servicePrincipalId: h.emu.clientId, servicePrincipalName: null }, user: null });
      expect(a.additionalDetails).toEqual([{ key: "User-Agent", value: "audit-test/1.0" }, { key: "AppId", value: s.appId }]);
      expect(a).not.toHaveProperty("userAgent"); // beta only
      // Nothing else touched the application since.
      expect((await touching(s.appObjectId, a.activityDateTime)).map((x) => x.id)).toEqual([a.id]);
    });

    it("a service principal rename by a signed-in user: 'Update service principal' initiated by the user", async () => {
      const s = await setup("SP Before");
      const userId = dir.users[3];
      const upn = (await h.call("GET", `/users/${userId}`)).body.userPrincipalName;
      const token = await userToken(userId);
      const since = await mark();
      expect((await callAs(token, "PATCH", `/servicePrincipals/${s.spId}`, { displayName: "SP After" }, { "content-type": "application/json" })).status).toBe(204);
      const records = await touching(s.spId, since);
      expect(records).toHaveLength(1);
      expect(records[0].activityDisplayName).toBe("Update service principal");
      expect(prop(records[0], "DisplayName")).toMatchObject({ oldValue: '["SP Before"]', newValue: '["SP After"]' });
      expect(prop(records[0], "TargetId.ServicePrincipalNames")?.newValue).toBe(JSON.stringify(s.appId));
      expect(records[0].initiatedBy.app).toBeNull();
      expect(records[0].initiatedBy.user).toMatchObject({ id: userId, userPrincipalName: upn });
      const byUser = await query(`$filter=${encodeURIComponent(`initiatedBy/user/id eq '${userId}'`)}`);
      expect(byUser.body.value.map((x: Audit) => x.id)).toEqual([records[0].id]);
    });

    it("a job pause (by a user): one 'Disable/pause provisioning configuration' on the service principal, job id in additionalDetails", async () => {
      const s = await setup();
      expect((await h.call("POST", `/servicePrincipals/${s.spId}/synchronization/jobs/${s.jobId}/start`)).status).toBe(204);
      const since = await mark();
      const token = await userToken(dir.users[2]);
      expect((await callAs(token, "POST", `/servicePrincipals/${s.spId}/synchronization/jobs/${s.jobId}/pause`)).status).toBe(204);
      const records = await touching(s.spId, since);
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({ activityDisplayName: "Disable/pause provisioning configuration", category: "ProvisioningManagement", loggedByService: "Account Provisioning", operationType: "Update" });
      expect(records[0].id).toMatch(/^Sync_[A-Z0-9]{5}_\d+$/);
      expect(records[0].targetResources).toEqual([{ id: s.spId, displayName: "Audited App", type: "ServicePrincipal", userPrincipalName: null, groupType: null, modifiedProperties: [] }]);
      expect(detail(records[0], "JobId")).toBe(s.jobId);
      expect(records[0].initiatedBy.user?.id).toBe(dir.users[2]);
    });

    it("job create, start, restart, schema PUT and delete: one record each with Entra's activity names", async () => {
      const ids = await instantiate(h, CUSTOM, "Lifecycle");
      const since = await mark();
      const jobId = await createJob(h, ids.spId);
      const base = `/servicePrincipals/${ids.spId}/synchronization/jobs/${jobId}`;
      expect((await h.call("POST", `${base}/start`)).status).toBe(204);
      expect((await h.call("POST", `${base}/restart`, { criteria: { resetScope: "Full" } })).status).toBe(204);
      const schema = (await h.call("GET", `${base}/schema`)).body;
      delete schema["@odata.context"];
      expect((await h.call("PUT", `${base}/schema`, schema)).status).toBe(204);
      expect((await h.call("POST", `${base}/validateCredentials`, { useSavedCredentials: false, credentials: SCIM })).status).toBe(204);
      expect((await h.call("DELETE", base)).status).toBe(204);
      const names = (await touching(ids.spId, since)).map((a) => a.activityDisplayName).reverse();
      // validateCredentials changes nothing and writes no record.
      expect(names).toEqual([
        "Add provisioning configuration",
        "Enable/start provisioning configuration",
        "Enable/restart provisioning configuration",
        "Update attribute mappings or scope",
        "Delete provisioning configuration",
      ]);
    });

    it("an application delete: one 'Delete application'; restore and hard delete have their own records", async () => {
      const s = await setup("Doomed");
      const since = await mark();
      expect((await h.call("DELETE", `/applications/${s.appObjectId}`)).status).toBe(204);
      const del = await touching(s.appObjectId, since);
      expect(del).toHaveLength(1);
      expect(del[0]).toMatchObject({ activityDisplayName: "Delete application", operationType: "Delete" });
      expect(del[0].targetResources[0]).toMatchObject({ id: s.appObjectId, displayName: "Doomed", type: "Application" });
      expect((await h.call("POST", `/directory/deletedItems/${s.appObjectId}/restore`)).status).toBe(200);
      expect((await h.call("DELETE", `/applications/${s.appObjectId}`)).status).toBe(204);
      expect((await h.call("DELETE", `/directory/deletedItems/${s.appObjectId}`)).status).toBe(204);
      expect((await touching(s.appObjectId, since)).map((a) => a.activityDisplayName).reverse())
        .toEqual(["Delete application", "Restore application", "Delete application", "Hard Delete application"]);
    });

    it("a service principal delete is 'Remove service principal'", async () => {
      const s = await setup();
      const since = await mark();
      expect((await h.call("DELETE", `/servicePrincipals/${s.spId}`)).status).toBe(204);
      const r = await touching(s.spId, since);
      expect(r.map((a) => a.activityDisplayName)).toEqual(["Remove service principal"]);
    });

    it("an assignment removal: one 'Remove app role assignment from user' (and '…from group') on the service principal and the principal", async () => {
      const s = await setup();
      const user = dir.users[4];
      const group = dir.groups[0];
      const [userAssignment, groupAssignment] = await assign(h, s.spId, [user, group.id]);
      const since = await mark();
      expect((await h.call("DELETE", `/servicePrincipals/${s.spId}/appRoleAssignedTo/${userAssignment}`)).status).toBe(204);
      const records = await touching(s.spId, since);
      expect(records).toHaveLength(1);
      const a = records[0];
      expect(a).toMatchObject({ activityDisplayName: "Remove app role assignment from user", category: "UserManagement", operationType: "Unassign", loggedByService: "Core Directory" });
      expect(a.targetResources.map((t) => [t.id, t.type])).toEqual([[s.spId, "ServicePrincipal"], [user, "User"]]);
      expect(a.targetResources[1].userPrincipalName).toBe((await h.call("GET", `/users/${user}`)).body.userPrincipalName);
      expect(prop(a, "User.ObjectID")).toEqual({ displayName: "User.ObjectID", oldValue: JSON.stringify(user), newValue: null });
      expect(prop(a, "AppRole.Id")?.oldValue).toMatch(/^"[0-9a-f-]{36}"$/);
      // The user is a target too: the same record answers a query by the user's id.
      expect((await touching(user, since)).map((x) => x.id)).toEqual([a.id]);
      expect((await h.call("DELETE", `/servicePrincipals/${s.spId}/appRoleAssignedTo/${groupAssignment}`)).status).toBe(204);
      const g = (await touching(group.id, since))[0];
      expect(g).toMatchObject({ activityDisplayName: "Remove app role assignment from group", category: "GroupManagement" });
      expect(g.targetResources[1]).toMatchObject({ id: group.id, type: "Group", displayName: group.displayName });
    });

    it("an assignment grant is 'Add app role assignment grant to user' / 'Add app role assignment to group'", async () => {
      const s = await setup();
      const since = await mark();
      await assign(h, s.spId, [dir.users[5], dir.groups[1].id]);
      const names = (await touching(s.spId, since)).map((a) => a.activityDisplayName).reverse();
      expect(names).toEqual(["Add app role assignment grant to user", "Add app role assignment to group"]);
    });

    it("a secrets PUT: one 'Update provisioning setting or credentials' naming the changed keys, never their values; a dropped PUT writes none", async () => {
      const s = await setup();
      const since = await mark();
      expect((await h.call("PUT", `/servicePrincipals/${s.spId}/synchronization/secrets`, secretsSet(SCIM))).status).toBe(204);
      const records = await touching(s.spId, since);
      expect(records).toHaveLength(1);
      const a = records[0];
      expect(a).toMatchObject({ activityDisplayName: "Update provisioning setting or credentials", category: "ProvisioningManagement", loggedByService: "Account Provisioning" });
      expect(a.targetResources[0].id).toBe(s.spId);
      expect(prop(a, "Included Updated Properties")?.newValue).toBe('"BaseAddress, SecretToken, SyncAll, SyncNotificationSettings"');
      expect(JSON.stringify(a)).not.toContain("tok-very-secret");
      // Without SyncAll/SyncNotificationSettings Graph drops the PUT (204, nothing stored): nothing audited.
      const after = a.activityDateTime;
      expect((await h.call("PUT", `/servicePrincipals/${s.spId}/synchronization/secrets`, { value: SCIM })).status).toBe(204);
      expect((await touching(s.spId, after)).map((x) => x.id)).toEqual([a.id]);
    });

    it("failed writes are not audited; reads never are", async () => {
      const s = await setup();
      const since = await mark();
      expect((await h.call("PATCH", `/applications/${s.appObjectId}`, { displayName: "" })).status).toBe(400);
      expect((await h.call("PATCH", `/servicePrincipals/${s.spId}/synchronization/jobs/${s.jobId}`, {})).status).toBe(404);
      expect((await h.call("GET", `/applications/${s.appObjectId}`)).status).toBe(200);
      expect(await touching(s.appObjectId, since)).toEqual([]);
      expect(await touching(s.spId, since)).toEqual([]);
    });

    it("$batch items are audited one by one", async () => {
      const s = await setup("Batch Target");
      const since = await mark();
      const r = await h.call("POST", "/$batch", {
        requests: [
          { id: "1", method: "PATCH", url: `/applications/${s.appObjectId}`, headers: { "content-type": "application/json" }, body: { displayName: "Batch One" } },
          { id: "2", method: "PATCH", url: `/applications/${s.appObjectId}`, headers: { "content-type": "application/json" }, body: { displayName: "Batch Two" }, dependsOn: ["1"] },
          { id: "3", method: "PATCH", url: `/applications/${s.appObjectId}`, headers: { "content-type": "application/json" }, body: { displayName: "" } },
          { id: "4", method: "POST", url: `/servicePrincipals/${s.spId}/synchronization/jobs/${s.jobId}/pause` },
        ],
      });
      expect(r.status).toBe(200);
      expect(r.body.responses.map((x: { status: number }) => x.status).sort()).toEqual([204, 204, 204, 400]);
      const app = await touching(s.appObjectId, since);
      expect(app.map((a) => prop(a, "DisplayName")?.newValue)).toEqual(['["Batch Two"]', '["Batch One"]']);
      expect((await touching(s.spId, since)).map((a) => a.activityDisplayName)).toEqual(["Disable/pause provisioning configuration"]);
    });

    it("a user delete is 'Delete user'", async () => {
      const { token } = await tokenWith(["User.ReadWrite.All"], "Directory Cleaner");
      const since = await mark();
      const user = dir.users[6];
      expect((await callAs(token, "DELETE", `/users/${user}`)).status).toBe(204);
      const r = await touching(user, since);
      expect(r).toHaveLength(1);
      expect(r[0]).toMatchObject({ activityDisplayName: "Delete user", category: "UserManagement" });
      expect(r[0].initiatedBy.app?.displayName).toBe("Directory Cleaner");
    });
  });

  describe("queries", () => {
    it("filters by target id and time; the most recent record that touched an object since a time", async () => {
      const a = await setup("First");
      const b = await setup("Second");
      const t0 = await mark();
      await h.call("PATCH", `/applications/${a.appObjectId}`, { displayName: "First v2" });
      await h.call("PATCH", `/applications/${b.appObjectId}`, { displayName: "Second v2" });
      const t1 = await mark();
      await h.call("PATCH", `/applications/${a.appObjectId}`, { notes: "hello" });
      const all = await touching(a.appObjectId, t0);
      expect(all).toHaveLength(2);
      const latest = await query(`$filter=${encodeURIComponent(`targetResources/any(t: t/id eq '${a.appObjectId}') and activityDateTime ge ${t0}`)}&$orderby=activityDateTime desc&$top=1`);
      expect(latest.body.value).toHaveLength(1);
      expect(prop(latest.body.value[0], "Notes")).toEqual({ displayName: "Notes", oldValue: "[]", newValue: '["hello"]' });
      const before = await query(`$filter=${encodeURIComponent(`targetResources/any(t: t/id eq '${a.appObjectId}') and activityDateTime ge ${t0} and activityDateTime le ${t1}`)}`);
      expect(before.body.value.map((x: Audit) => prop(x, "DisplayName")?.newValue)).toEqual(['["First v2"]']);
      const byName = await query(`$filter=${encodeURIComponent("targetResources/any(t: startswith(t/displayName, 'Second'))")}`);
      expect(byName.body.value.length).toBeGreaterThanOrEqual(2);
      expect(byName.body.value.every((x: Audit) => x.targetResources.some((t) => t.displayName?.startsWith("Second")))).toBe(true);
    });

    it("filters on activityDisplayName, category, loggedByService, initiatedBy/app/displayName; initiatedBy/app/appId matches nothing (null on the wire)", async () => {
      const s = await setup();
      await h.call("POST", `/servicePrincipals/${s.spId}/synchronization/jobs/${s.jobId}/pause`);
      const f = async (filter: string) => (await query(`$filter=${encodeURIComponent(filter)}`)).body.value as Audit[];
      expect((await f("activityDisplayName eq 'Add application'")).map((a) => a.targetResources[0].id)).toEqual([s.appObjectId]);
      expect((await f("startswith(activityDisplayName, 'Add ')")).length).toBe(3);
      expect((await f("category eq 'ProvisioningManagement'")).map((a) => a.activityDisplayName)).toEqual(["Disable/pause provisioning configuration", "Add provisioning configuration"]);
      expect((await f("loggedByService eq 'Core Directory'")).length).toBe(2);
      expect((await f("initiatedBy/app/displayName eq 'Graph emulator client'")).length).toBe(4);
      expect(await f(`initiatedBy/app/appId eq '${h.emu.clientId}'`)).toEqual([]);
      // Case-sensitive, like the portal's filters.
      expect(await f("activityDisplayName eq 'add application'")).toEqual([]);
    });

    it("answers 400 'Invalid filter clause' for properties and operators the docs do not list", async () => {
      for (const filter of [
        "result eq 'success'",
        "operationType eq 'Update'",
        `activityDateTime gt ${new Date().toISOString()}`,
        "activityDateTime ge '2024-01-01T00:00:00Z'",
        "contains(activityDisplayName, 'application')",
        "loggedByService ne 'Core Directory'",
        "not (category eq 'UserManagement')",
        "targetResources/any(t: t/type eq 'User')",
        "initiatedBy/app/servicePrincipalId eq 'x'",
        "category eq",
      ]) {
        const r = await query(`$filter=${encodeURIComponent(filter)}`);
        expect([filter, r.status, r.body.error?.code, r.body.error?.message]).toEqual([filter, 400, "BadRequest", "Invalid filter clause"]);
      }
      expect((await query("$orderby=category")).status).toBe(400);
      expect((await query("$skip=1")).status).toBe(400);
      expect((await query("$top=0")).status).toBe(400);
    });

    it("is newest first by default; $orderby asc reverses; $select picks properties; beta adds userAgent", async () => {
      await setup("Order");
      const desc = (await query("")).body.value as Audit[];
      expect(desc.map((a) => a.activityDisplayName)).toEqual(["Add provisioning configuration", "Add service principal", "Add application"]);
      const asc = (await query("$orderby=activityDateTime asc")).body.value as Audit[];
      expect(asc.map((a) => a.id)).toEqual(desc.map((a) => a.id).reverse());
      const sel = await query("$select=id,activityDisplayName");
      expect(Object.keys(sel.body.value[0])).toEqual(["id", "activityDisplayName"]);
      expect(sel.body["@odata.context"]).toContain("$metadata#auditLogs/directoryAudits(id,activityDisplayName)");
      expect((await query("$select=userAgent")).status).toBe(400);
      const beta = (await query("$top=1", "beta")).body.value[0];
      expect(beta).toHaveProperty("userAgent");
      const v1 = (await query("$top=1")).body;
      expect(v1["@odata.context"]).toBe(`${h.emu.graphUrl}/v1.0/$metadata#auditLogs/directoryAudits`);
      expect(Object.keys(v1.value[0])).toEqual(["id", "category", "correlationId", "result", "resultReason", "activityDisplayName", "activityDateTime", "loggedByService", "operationType", "initiatedBy", "targetResources", "additionalDetails"]);
      const one = await (async () => {
        const { token } = await tokenWith(READER);
        return callAs(token, "GET", `/v1.0/auditLogs/directoryAudits/${encodeURIComponent(v1.value[0].id)}`);
      })();
      expect(one.status).toBe(200);
      expect(one.body).toMatchObject({ id: v1.value[0].id, activityDisplayName: v1.value[0].activityDisplayName });
      expect((await query("").then(() => tokenWith(READER)).then(({ token }) => callAs(token, "GET", "/v1.0/auditLogs/directoryAudits/Directory_nope"))).status).toBe(404);
    });

    it("pages with $top and @odata.nextLink; records written after the first page do not shift later pages", async () => {
      const s = await setup("Pager");
      for (let i = 0; i < 4; i++) await h.call("PATCH", `/applications/${s.appObjectId}`, { displayName: `Pager ${i}` });
      // 3 from setup + 4 renames = 7 records.
      const seen: string[] = [];
      let r = await query("$top=3");
      expect(r.body.value).toHaveLength(3);
      seen.push(...r.body.value.map((a: Audit) => a.id));
      // A write between pages: newest first, it would shift an offset; the cursor ignores it.
      await h.call("PATCH", `/applications/${s.appObjectId}`, { displayName: "Pager late" });
      let pages = 1;
      while (r.body["@odata.nextLink"]) {
        const next = new URL(r.body["@odata.nextLink"]);
        expect(next.searchParams.get("$top")).toBe("3");
        const { token } = await tokenWith(READER);
        r = await raw(h.dispatcher, "GET", r.body["@odata.nextLink"], undefined, { authorization: `Bearer ${token}` });
        expect(r.status).toBe(200);
        seen.push(...r.body.value.map((a: Audit) => a.id));
        pages++;
      }
      expect(pages).toBe(3);
      expect(seen).toHaveLength(7);
      expect(new Set(seen).size).toBe(7);
      expect((await query("$top=999")).body.value).toHaveLength(8);
      expect((await query("$skiptoken=garbage")).status).toBe(400);
    });

    it("a record becomes visible after the configured latency", async () => {
      const s = await setup("Slow");
      expect((await h.admin("PATCH", "/directoryAudits", { latencyMs: 3_600_000 })).body.latencyMs).toBe(3_600_000);
      const since = await mark();
      // Latency is drawn in [0, latencyMs]: with an hour, a few records are all but surely hidden.
      for (let i = 0; i < 3; i++) await h.call("PATCH", `/applications/${s.appObjectId}`, { displayName: `Slow ${i}` });
      expect((await touching(s.appObjectId, since)).length).toBeLessThan(3);
      expect((await h.admin("GET", "/state")).body.directoryAudits.count).toBe(6);
      expect((await h.admin("PATCH", "/directoryAudits", { latencyMs: -1 })).status).toBe(400);
    });
  });

  describe("permissions and limits", () => {
    it("403 Authentication_MSGraphPermissionMissing without AuditLog.Read.All, and without Directory.Read.All", async () => {
      const noAudit = await tokenWith(["Directory.Read.All", "Application.ReadWrite.All"]);
      const r = await callAs(noAudit.token, "GET", "/auditLogs/directoryAudits");
      expect(r.status).toBe(403);
      expect(r.body.error).toMatchObject({ code: "Authentication_MSGraphPermissionMissing", message: "Calling principal does not have required MSGraph permissions AuditLog.Read.All" });
      const auditOnly = await tokenWith(["AuditLog.Read.All"]);
      const d = await callAs(auditOnly.token, "GET", "/auditLogs/directoryAudits");
      expect(d.status).toBe(403);
      expect(d.body.error.message).toBe("Calling principal does not have required MSGraph permissions Directory.Read.All");
      // The provisioning logs need AuditLog.Read.All alone, and answer the same way without it.
      expect((await callAs(auditOnly.token, "GET", "/auditLogs/provisioning")).status).toBe(200);
      const p = await callAs(noAudit.token, "GET", "/auditLogs/provisioning");
      expect([p.status, p.body.error.code]).toEqual([403, "Authentication_MSGraphPermissionMissing"]);
      // A delegated token needs the same permissions as scopes.
      const narrow = await h.admin("POST", "/tokens", { userId: dir.users[0], scopes: ["AuditLog.Read.All"] });
      expect((await callAs(narrow.body.access_token, "GET", "/auditLogs/directoryAudits")).status).toBe(403);
      const wide = await h.admin("POST", "/tokens", { userId: dir.users[0], scopes: READER });
      expect((await callAs(wide.body.access_token, "GET", "/auditLogs/directoryAudits")).status).toBe(200);
    });

    it("delegated tokens: claims for the user, scopes limited to what the client holds", async () => {
      const r = await h.admin("POST", "/tokens", { userId: dir.users[1] });
      const claims = JSON.parse(Buffer.from(r.body.access_token.split(".")[1], "base64url").toString());
      expect(claims).toMatchObject({ idtyp: "user", oid: dir.users[1], appid: h.emu.clientId, tid: h.emu.tenantId });
      expect(claims.scp.split(" ")).toContain("AuditLog.Read.All");
      expect(claims).not.toHaveProperty("roles");
      expect((await h.admin("POST", "/tokens", { userId: dir.users[1], scopes: ["User.ReadWrite.All"] })).status).toBe(400);
      expect((await h.admin("POST", "/tokens", { userPrincipalName: "nobody@example.com" })).status).toBe(404);
    });

    it("shares the reports limit (5 requests per 10 s per app and tenant) with the provisioning logs", async () => {
      const { token } = await tokenWith(READER);
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await callAs(token, "GET", "/auditLogs/directoryAudits?$top=1")).status);
      for (let i = 0; i < 2; i++) statuses.push((await callAs(token, "GET", "/auditLogs/provisioning?$top=1")).status);
      const sixth = await callAs(token, "GET", "/auditLogs/directoryAudits?$top=1");
      expect(statuses).toEqual([200, 200, 200, 200, 200]);
      expect(sixth.status).toBe(429);
      expect(Number(sixth.headers["retry-after"])).toBeGreaterThan(0);
    });
  });
});

describe("directory audit filter evaluation", () => {
  const record = {
    activityDateTime: "2026-07-17T13:48:10.9301252Z",
    activityDisplayName: "Update application",
    targetResources: [{ id: "a", displayName: "Contoso App" }, { id: "b", displayName: null }],
  };
  const f = (src: string) => {
    const node = parseFilter(src);
    assertAuditFilter(node);
    return matchesAudit(node, record);
  };

  it("compares activityDateTime at the record's precision (7 fractional digits)", () => {
    expect(f("activityDateTime ge 2026-07-17T13:48:10.930Z")).toBe(true);
    expect(f("activityDateTime le 2026-07-17T13:48:10.930Z")).toBe(false);
    expect(f("activityDateTime le 2026-07-17T13:48:10.931Z")).toBe(true);
    expect(f("activityDateTime eq 2026-07-17T13:48:10.930Z")).toBe(false);
  });

  it("evaluates lambdas over targetResources and case-sensitive strings", () => {
    expect(f("targetResources/any(t:t/id eq 'b')")).toBe(true);
    expect(f("targetResources/any(x: startswith(x/displayName, 'Contoso'))")).toBe(true);
    expect(f("targetResources/any(t:t/id eq 'c') or activityDisplayName eq 'Update application'")).toBe(true);
    expect(f("activityDisplayName eq 'update application'")).toBe(false);
  });
});
