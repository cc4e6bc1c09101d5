import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appRoleValues, assignableRole, assignedScope, AppRoleAssignmentStore } from "../../emulator/app-roles";
import { DirectoryGroup, DirectoryUser } from "../../emulator/directory";
import { Rng } from "../../emulator/random";
import { ReplicationModel } from "../../emulator/replication";
import { expandIn } from "../../emulator/routes/users-groups";
import { assign, directory, SeededDirectory, userRoleOf } from "./assign";
import { createJob, CUSTOM, harness, Harness, instantiate, raw, Res, secretsSet } from "./helpers";

/**
 * App role assignments (emulator/FIDELITY.md, "App role assignments"): the appRoleAssignedTo routes
 * with Graph's bodies, errors and permissions, the principal's view (/users|groups/{id}/appRoleAssignments),
 * deletion, getByIds and `$filter … in (…)`, the seeded groups, and how assignment scopes a cycle and
 * provisionOnDemand.
 */
const DEFAULT_ACCESS = "00000000-0000-0000-0000-000000000000";
const SCIM = [{ key: "BaseAddress", value: "https://scim.example.com/v2" }, { key: "SecretToken", value: "tok" }];
const GUID_BYTES = (guid: string): Buffer => {
  const b = Buffer.from(guid.replace(/-/g, ""), "hex");
  b.subarray(0, 4).reverse();
  b.subarray(4, 6).reverse();
  b.subarray(6, 8).reverse();
  return b;
};

type Log = { provisioningAction: string; sourceIdentity: { id: string; identityType: string }; provisioningStatusInfo: { status: string } };

describe("app role assignments", () => {
  let h: Harness;
  let dir: SeededDirectory;
  beforeAll(async () => {
    h = await harness({ http: true });
    dir = await directory(h);
  });
  afterAll(() => h.close());
  beforeEach(async () => {
    await h.admin("POST", "/reset");
  });

  const assignedTo = (sp: string) => `/servicePrincipals/${sp}/appRoleAssignedTo`;
  async function tokenWith(roles: string[]): Promise<string> {
    const reg = await h.admin("POST", "/clients", { roles });
    return h.tokenFor(reg.body.clientId, reg.body.clientSecret);
  }
  const callAs = (token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> =>
    raw(h.dispatcher, method, `${h.emu.graphUrl}/v1.0${path}`, body, { authorization: `Bearer ${token}`, ...headers });
  const expectError = (r: Res, status: number, code: string, message?: string | RegExp) => {
    expect(r.status).toBe(status);
    expect(r.body.error.code).toBe(code);
    if (message !== undefined) expect(r.body.error.message).toMatch(message);
  };
  const user = (i: number) => dir.users[i];
  const contractors = () => dir.groups.filter((g) => g.displayName === "Contractors");

  describe("seeded directory", () => {
    it("has groups with distinct names and members, and exactly one pair sharing a display name", () => {
      const names = dir.groups.map((g) => g.displayName);
      const dupes = names.filter((n, i) => names.indexOf(n) !== i);
      expect(dupes).toEqual(["Contractors"]);
      expect(contractors()).toHaveLength(2);
      expect(new Set(names).size).toBe(names.length - 1);
      for (const g of dir.groups) expect(g.members.length).toBeGreaterThan(0);
      expect(contractors()[0].members).not.toEqual(contractors()[1].members);
    });
  });

  describe("appRoleAssignedTo", () => {
    it("starts empty, assigns a user with Graph's body, lists, gets and deletes it", async () => {
      const ids = await instantiate(h, CUSTOM, "Fabrikam App");
      const empty = await h.call("GET", assignedTo(ids.spId));
      expect(empty.status).toBe(200);
      expect(empty.body.value).toEqual([]);
      expect(empty.body["@odata.context"]).toBe(`${h.emu.graphUrl}/v1.0/$metadata#servicePrincipals('${ids.spId}')/appRoleAssignedTo`);
      expect((await h.admin("GET", "/state")).body.assignments[ids.spId]).toEqual([]);

      const role = await userRoleOf(h, ids.spId);
      const principal = user(2);
      const before = Date.now();
      const r = await h.call("POST", assignedTo(ids.spId), { principalId: principal, resourceId: ids.spId, appRoleId: role });
      expect(r.status).toBe(201);
      const users = (await h.call("GET", "/users?$top=999")).body.value as { id: string; displayName: string }[];
      expect(Object.keys(r.body)).toEqual(["@odata.context", "id", "deletedDateTime", "appRoleId", "createdDateTime", "principalDisplayName", "principalId", "principalType", "resourceDisplayName", "resourceId"]);
      expect(r.body).toMatchObject({
        "@odata.context": `${h.emu.graphUrl}/v1.0/$metadata#servicePrincipals('${ids.spId}')/appRoleAssignedTo/$entity`,
        deletedDateTime: null, appRoleId: role, principalId: principal, principalType: "User",
        principalDisplayName: users.find((u) => u.id === principal)!.displayName, resourceDisplayName: "Fabrikam App", resourceId: ids.spId,
      });
      expect(Date.parse(r.body.createdDateTime)).toBeGreaterThanOrEqual(before - 1000);
      // The id: 43 base64url characters whose first 16 bytes are the principal's id (.NET byte order).
      expect(r.body.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(r.body.id, "base64url").subarray(0, 16)).toEqual(GUID_BYTES(principal));

      const listed = await h.call("GET", assignedTo(ids.spId));
      const { "@odata.context": _ctx, ...entity } = r.body;
      expect(listed.body.value).toEqual([entity]);
      const byAppId = await h.call("GET", `/servicePrincipals(appId='${ids.appId}')/appRoleAssignedTo`);
      expect(byAppId.body.value.map((a: { id: string }) => a.id)).toEqual([r.body.id]);
      const one = await h.call("GET", `${assignedTo(ids.spId)}/${r.body.id}`);
      expect(one.status).toBe(200);
      expect(one.body.principalId).toBe(principal);
      expect((await h.call("GET", `${assignedTo(ids.spId)}?$filter=principalId eq '${principal}'&$select=id,principalId`)).body.value).toEqual([{ id: r.body.id, principalId: principal }]);
      expect((await h.call("GET", `${assignedTo(ids.spId)}?$filter=principalId eq '${user(3)}'`)).body.value).toEqual([]);
      expect((await h.admin("GET", "/state")).body.assignments[ids.spId]).toEqual([principal]);

      expect((await h.call("DELETE", `${assignedTo(ids.spId)}/${r.body.id}`)).status).toBe(204);
      expectError(await h.call("DELETE", `${assignedTo(ids.spId)}/${r.body.id}`), 404, "Request_ResourceNotFound", /does not exist/);
      expectError(await h.call("GET", `${assignedTo(ids.spId)}/${r.body.id}`), 404, "Request_ResourceNotFound");
      expect((await h.call("GET", assignedTo(ids.spId))).body.value).toEqual([]);
    });

    it("assigns groups (principalType Group) and answers 405 to an update", async () => {
      const ids = await instantiate(h, CUSTOM);
      const group = dir.groups[0];
      const [id] = await assign(h, ids.spId, [group.id]);
      const a = (await h.call("GET", `${assignedTo(ids.spId)}/${id}`)).body;
      expect(a).toMatchObject({ principalId: group.id, principalType: "Group", principalDisplayName: group.displayName });
      expectError(await h.call("PATCH", `${assignedTo(ids.spId)}/${id}`, { appRoleId: DEFAULT_ACCESS }), 405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.");
    });

    it("accepts the default-access role only where the application defines no app roles", async () => {
      const custom = await instantiate(h, CUSTOM);
      expectError(await h.call("POST", assignedTo(custom.spId), { principalId: user(0), resourceId: custom.spId, appRoleId: DEFAULT_ACCESS }), 400, "Request_BadRequest", /^Permission being assigned was not found on application/);
      const tpl = (await h.call("GET", "/applicationTemplates?$filter=displayName eq 'Databricks SCIM Provisioning Connector'")).body.value[0];
      const bare = await instantiate(h, tpl.id, "No roles");
      expect((await h.call("GET", `/servicePrincipals/${bare.spId}?$select=appRoles`)).body.appRoles).toEqual([]);
      const r = await h.call("POST", assignedTo(bare.spId), { principalId: user(0), resourceId: bare.spId, appRoleId: DEFAULT_ACCESS });
      expect(r.status).toBe(201);
      expect(r.body.appRoleId).toBe(DEFAULT_ACCESS);
    });

    it("answers Graph's errors: unknown principal, resource mismatch, unknown role, duplicate, bad bodies, unknown service principal", async () => {
      const ids = await instantiate(h, CUSTOM);
      const other = await instantiate(h, CUSTOM, "Other");
      const role = await userRoleOf(h, ids.spId);
      const post = (body: unknown) => h.call("POST", assignedTo(ids.spId), body);
      const ok = { principalId: user(0), resourceId: ids.spId, appRoleId: role };
      expectError(await post({ ...ok, principalId: "11111111-2222-4333-8444-555555555555" }), 400, "Request_BadRequest", "Not a valid reference update.");
      expectError(await post({ ...ok, resourceId: other.spId }), 400, "Request_BadRequest", "Not a valid reference update.");
      expectError(await post({ ...ok, appRoleId: "11111111-2222-4333-8444-555555555555" }), 400, "Request_BadRequest", /^Permission being assigned was not found on application/);
      // The non-gallery app's roles admit users and groups, not client service principals.
      expectError(await post({ ...ok, principalId: other.spId }), 400, "Request_BadRequest", /^Permission being assigned was not found on application/);
      expect((await post(ok)).status).toBe(201);
      expectError(await post(ok), 400, "Request_BadRequest", "Permission being assigned already exists on the object.");
      // The same principal with another role is a second assignment.
      const msiam = ((await h.call("GET", `/servicePrincipals/${ids.spId}?$select=appRoles`)).body.appRoles as { id: string; displayName: string }[]).find((r) => r.displayName === "msiam_access")!;
      expect((await post({ ...ok, appRoleId: msiam.id })).status).toBe(201);
      expectError(await post({ principalId: user(0), resourceId: ids.spId }), 400, "Request_BadRequest", "One or more properties are invalid.");
      expectError(await post({ ...ok, appRoleId: "not-a-guid" }), 400, "Request_BadRequest", "One or more properties are invalid.");
      expectError(await post({ ...ok, bogus: 1 }), 400, "Request_BadRequest", /'bogus' does not exist on type 'microsoft.graph.appRoleAssignment'/);
      expectError(await post({ ...ok, principalType: "User" }), 400, "Request_BadRequest", /read-only/);
      expectError(await h.call("POST", assignedTo("11111111-2222-4333-8444-555555555555"), ok), 404, "Request_ResourceNotFound");
      expectError(await h.call("GET", assignedTo("11111111-2222-4333-8444-555555555555")), 404, "Request_ResourceNotFound");
    });

    it("needs AppRoleAssignment.ReadWrite.All and Application.Read.All (or Directory.Read.All) to assign; 403 otherwise", async () => {
      const ids = await instantiate(h, CUSTOM);
      const role = await userRoleOf(h, ids.spId);
      const body = { principalId: user(0), resourceId: ids.spId, appRoleId: role };
      const appOnly = await tokenWith(["Application.ReadWrite.All", "Directory.Read.All"]);
      expectError(await callAs(appOnly, "POST", assignedTo(ids.spId), body), 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");
      const assignOnly = await tokenWith(["AppRoleAssignment.ReadWrite.All"]);
      expectError(await callAs(assignOnly, "POST", assignedTo(ids.spId), body), 403, "Authorization_RequestDenied");
      // …and it cannot list them either (listing needs Application.Read.All or a directory read).
      expectError(await callAs(assignOnly, "GET", assignedTo(ids.spId)), 403, "Authorization_RequestDenied");
      for (const companion of ["Application.Read.All", "Directory.Read.All"]) {
        await h.admin("POST", "/reset");
        const again = await instantiate(h, CUSTOM);
        const token = await tokenWith(["AppRoleAssignment.ReadWrite.All", companion]);
        const r = await callAs(token, "POST", assignedTo(again.spId), { ...body, resourceId: again.spId, appRoleId: await userRoleOf(h, again.spId) });
        expect(r.status).toBe(201);
        expectError(await callAs(appOnly, "DELETE", `${assignedTo(again.spId)}/${r.body.id}`), 403, "Authorization_RequestDenied");
        expect((await callAs(token, "DELETE", `${assignedTo(again.spId)}/${r.body.id}`)).status).toBe(204);
      }
      const reader = await tokenWith(["Application.Read.All"]);
      expect((await callAs(reader, "GET", assignedTo((await instantiate(h, CUSTOM)).spId))).status).toBe(200);
    });
  });

  describe("the principal's view and deletion", () => {
    it("lists a user's assignments with those of the groups it is a direct member of, and a group's", async () => {
      const ids = await instantiate(h, CUSTOM, "Groups App");
      const group = contractors()[0];
      const member = group.members[0];
      const [direct] = await assign(h, ids.spId, [member]);
      const [viaGroup] = await assign(h, ids.spId, [group.id]);
      const u = await h.call("GET", `/users/${member}/appRoleAssignments`);
      expect(u.status).toBe(200);
      expect(u.body["@odata.context"]).toContain(`$metadata#users('${member}')/appRoleAssignments`);
      expect(u.body.value.map((a: { id: string }) => a.id).sort()).toEqual([direct, viaGroup].sort());
      const upn = (await h.call("GET", `/users/${member}`)).body.userPrincipalName as string;
      expect((await h.call("GET", `/users/${upn.toUpperCase()}/appRoleAssignments`)).body.value).toHaveLength(2);
      const g = await h.call("GET", `/groups/${group.id}/appRoleAssignments`);
      expect(g.body.value.map((a: { id: string; principalType: string }) => [a.id, a.principalType])).toEqual([[viaGroup, "Group"]]);
      expectError(await h.call("GET", "/users/11111111-2222-4333-8444-555555555555/appRoleAssignments"), 404, "Request_ResourceNotFound");
      // AppRoleAssignment.ReadWrite.All alone cannot read a user's assignments (the user must be readable too).
      expectError(await callAs(await tokenWith(["AppRoleAssignment.ReadWrite.All"]), "GET", `/users/${member}/appRoleAssignments`), 403, "Authorization_RequestDenied");
      expect((await callAs(await tokenWith(["AppRoleAssignment.ReadWrite.All", "User.Read.All"]), "GET", `/users/${member}/appRoleAssignments`)).status).toBe(200);
    });

    it("deleting a user or group removes its assignments; a deleted service principal hides them until restored; purging removes them", async () => {
      const ids = await instantiate(h, CUSTOM);
      const group = dir.groups[1];
      await assign(h, ids.spId, [user(0), user(2), group.id]);
      const admin = await tokenWith(["User.ReadWrite.All", "Group.ReadWrite.All"]);
      expectError(await h.call("DELETE", `/users/${user(0)}`), 403, "Authorization_RequestDenied"); // the default client cannot delete users
      expect((await callAs(admin, "DELETE", `/users/${user(0)}`)).status).toBe(204);
      expectError(await h.call("GET", `/users/${user(0)}`), 404, "Request_ResourceNotFound");
      expect((await callAs(admin, "DELETE", `/groups/${group.id}`)).status).toBe(204);
      const left = (await h.call("GET", assignedTo(ids.spId))).body.value as { principalId: string }[];
      expect(left.map((a) => a.principalId)).toEqual([user(2)]);

      expect((await h.call("DELETE", `/servicePrincipals/${ids.spId}`)).status).toBe(204);
      expectError(await h.call("GET", assignedTo(ids.spId)), 404, "Request_ResourceNotFound");
      expect((await h.call("GET", `/users/${user(2)}/appRoleAssignments`)).body.value).toEqual([]);
      expect((await h.call("POST", `/directory/deletedItems/${ids.spId}/restore`)).status).toBe(200);
      expect(((await h.call("GET", assignedTo(ids.spId))).body.value as { principalId: string }[]).map((a) => a.principalId)).toEqual([user(2)]);
      expect((await h.call("DELETE", `/servicePrincipals/${ids.spId}`)).status).toBe(204);
      expect((await h.call("DELETE", `/directory/deletedItems/${ids.spId}`)).status).toBe(204);
      expect((await h.call("GET", `/users/${user(2)}/appRoleAssignments`)).body.value).toEqual([]);

      // A reset brings the deleted user and group back (tenant fixtures).
      await h.admin("POST", "/reset");
      expect((await h.call("GET", `/users/${user(0)}`)).status).toBe(200);
      expect((await h.call("GET", `/groups/${group.id}`)).status).toBe(200);
    });
  });

  describe("lookups", () => {
    it("getByIds returns users and groups with @odata.type, skips unknown ids, honours types", async () => {
      const unknown = "11111111-2222-4333-8444-555555555555";
      const group = dir.groups[0];
      const r = await h.call("POST", "/directoryObjects/getByIds", { ids: [user(0), group.id, unknown], types: ["user", "Group"] });
      expect(r.status).toBe(200);
      expect(r.body["@odata.context"]).toBe(`${h.emu.graphUrl}/v1.0/$metadata#directoryObjects`);
      expect(r.body.value.map((o: Record<string, string>) => [o["@odata.type"], o.id])).toEqual([["#microsoft.graph.user", user(0)], ["#microsoft.graph.group", group.id]]);
      expect(r.body.value[1].displayName).toBe(group.displayName);
      expect((await h.call("POST", "/directoryObjects/getByIds", { ids: [user(0), group.id], types: ["group"] })).body.value.map((o: { id: string }) => o.id)).toEqual([group.id]);
      const ids = await instantiate(h, CUSTOM, "By id");
      expect((await h.call("POST", "/directoryObjects/getByIds", { ids: [ids.spId] })).body.value[0]).toMatchObject({ "@odata.type": "#microsoft.graph.servicePrincipal", id: ids.spId, displayName: "By id" });
      expectError(await h.call("POST", "/directoryObjects/getByIds", { ids: ["nope"] }), 400, "Request_BadRequest");
      expectError(await h.call("POST", "/directoryObjects/getByIds", { ids: Array.from({ length: 1001 }, () => unknown) }), 400, "Request_BadRequest", /1000/);
      expectError(await h.call("POST", "/directoryObjects/getByIds", { types: ["user"] }), 400, "Request_BadRequest");
      expectError(await callAs(await tokenWith(["User.Read.All", "Group.Read.All"]), "POST", "/directoryObjects/getByIds", { ids: [user(0)] }), 403, "Authorization_RequestDenied");
    });

    it("filters users and groups with `in` (at most 15 values unless advanced query parameters are used)", async () => {
      const all = (await h.call("GET", "/users?$top=999")).body.value as { id: string; userPrincipalName: string }[];
      const upns = all.map((u) => u.userPrincipalName);
      const two = await h.call("GET", `/users?$filter=userPrincipalName in ('${upns[0]}','${upns[3].toUpperCase()}')&$select=id,userPrincipalName`);
      expect(two.status).toBe(200);
      expect(two.body.value.map((u: { id: string }) => u.id)).toEqual([all[0].id, all[3].id]);
      const groups = await h.call("GET", "/groups?$filter=displayName in ('Contractors', 'Engineering')&$select=id,displayName");
      expect(groups.body.value.map((g: { displayName: string }) => g.displayName).sort()).toEqual(["Contractors", "Contractors", "Engineering"]);
      // Literals may contain ", in (" and doubled quotes.
      expect((await h.call("GET", "/groups?$filter=displayName in ('a, in (b)', 'O''Brien')")).body.value).toEqual([]);

      const sixteen = `userPrincipalName in (${upns.slice(0, 16).map((u) => `'${u}'`).join(",")})`;
      expectError(await h.call("GET", `/users?$filter=${encodeURIComponent(sixteen)}`), 400, "Request_UnsupportedQuery", "Too many child clauses specified in search filter expression containing 'OR' operators: 16. Max allowed: 15.");
      const ors = upns.slice(0, 16).map((u) => `userPrincipalName eq '${u}'`).join(" or ");
      expectError(await h.call("GET", `/users?$filter=${encodeURIComponent(ors)}`), 400, "Request_UnsupportedQuery", /OR' operators: 16/);
      expect((await h.call("GET", `/users?$filter=${encodeURIComponent(upns.slice(0, 15).map((u) => `userPrincipalName eq '${u}'`).join(" or "))}`)).body.value).toHaveLength(15);
      const advanced = await h.call("GET", `/users?$filter=${encodeURIComponent(sixteen)}&$count=true`, undefined, { ConsistencyLevel: "eventual" });
      expect(advanced.status).toBe(200);
      expect(advanced.body.value).toHaveLength(16);
      expect(advanced.body["@odata.count"]).toBe(16);
      expectError(await h.call("GET", "/users?$filter=userPrincipalName in ()"), 400, "Request_BadRequest");
    });

    it("lists a group's direct members", async () => {
      const group = contractors()[1];
      const r = await h.call("GET", `/groups/${group.id}/members`);
      expect(r.status).toBe(200);
      expect(r.body.value.map((m: { id: string }) => m.id)).toEqual(group.members);
      expect(r.body.value[0]["@odata.type"]).toBe("#microsoft.graph.user");
    });
  });

  describe("scope", () => {
    async function setupJob(name = "Scoped") {
      const ids = await instantiate(h, CUSTOM, name);
      const jobId = await createJob(h, ids.spId);
      await h.call("PUT", `/servicePrincipals/${ids.spId}/synchronization/secrets`, secretsSet(SCIM));
      return { ...ids, jobId };
    }
    async function cycleLogs(spId: string, jobId: string): Promise<Log[]> {
      expect((await h.admin("POST", `/jobs/${jobId}/run-cycle`)).status).toBe(204);
      const job = (await h.call("GET", `/servicePrincipals/${spId}/synchronization/jobs/${jobId}`)).body;
      // A fresh client per query: the reports limit is 5 per 10 s per app.
      const token = await tokenWith(["AuditLog.Read.All"]);
      const r = await callAs(token, "GET", `/auditLogs/provisioning?$filter=cycleId eq '${job.status.lastExecution.activityIdentifier}'&$top=999`);
      expect(r.status).toBe(200);
      return r.body.value;
    }

    it("a cycle provisions nobody on a new service principal, assigned users and members of assigned groups, or everyone with SyncAll", async () => {
      const s = await setupJob();
      expect(await cycleLogs(s.spId, s.jobId)).toEqual([]);

      const group = contractors()[0];
      await assign(h, s.spId, [user(0), group.id]);
      const logs = await cycleLogs(s.spId, s.jobId);
      const users = logs.filter((l) => l.sourceIdentity.identityType === "User").map((l) => l.sourceIdentity.id);
      expect(new Set(users)).toEqual(new Set([user(0), ...group.members]));
      expect(logs.filter((l) => l.sourceIdentity.identityType === "Group").map((l) => l.sourceIdentity.id)).toEqual([group.id]);
      // The other "Contractors" group and its members are not in scope.
      for (const m of contractors()[1].members) expect(users).not.toContain(m);

      await h.call("PUT", `/servicePrincipals/${s.spId}/synchronization/secrets`, secretsSet(SCIM, { syncAll: true }));
      const everyone = await cycleLogs(s.spId, s.jobId);
      const created = everyone.filter((l) => l.provisioningAction === "create").map((l) => l.sourceIdentity.id);
      expect(new Set(created)).toEqual(new Set([...dir.users, ...dir.groups.map((g) => g.id)].filter((id) => id !== user(0) && id !== group.id && !group.members.includes(id))));
    });

    it("unassigning deprovisions: the user leaves scope and is disabled", async () => {
      const s = await setupJob();
      const [id] = await assign(h, s.spId, [user(2)]);
      expect((await cycleLogs(s.spId, s.jobId)).map((l) => [l.provisioningAction, l.sourceIdentity.id])).toEqual([["create", user(2)]]);
      expect((await h.call("DELETE", `${assignedTo(s.spId)}/${id}`)).status).toBe(204);
      expect((await cycleLogs(s.spId, s.jobId)).map((l) => [l.provisioningAction, l.sourceIdentity.id])).toEqual([["disable", user(2)]]);
    });

    it("provisionOnDemand skips an unassigned subject (NotEffectivelyEntitled, Assigned False) and provisions a member of an assigned group", async () => {
      const s = await setupJob();
      const ruleId = (await h.call("GET", `/servicePrincipals/${s.spId}/synchronization/jobs/${s.jobId}/schema`)).body.synchronizationRules[0].id;
      const pod = (objectId: string, objectTypeName = "User") =>
        h.call("POST", `/servicePrincipals/${s.spId}/synchronization/jobs/${s.jobId}/provisionOnDemand`, { parameters: [{ ruleId, subjects: [{ objectId, objectTypeName }] }] });
      const skipped = await pod(user(2));
      expect(skipped.status).toBe(200);
      expect(JSON.parse(skipped.body.key)).toEqual({ result: "Skipped", details: { errorCode: "NotEffectivelyEntitled", errorMessage: expect.stringContaining("not assigned to the application") } });
      const value = JSON.parse(skipped.body.value);
      expect(value.action).toBe("Other");
      expect(value.statusInfo).toMatchObject({ status: "Skipped", errorCode: "NotEffectivelyEntitled" });
      const scoping = value.provisioningSteps.find((st: { type: string }) => st.type === "Scoping");
      expect(scoping).toMatchObject({ name: "EntrySynchronizationScoping", status: "Skipped" });
      expect(scoping.details).toMatchObject({ Assigned: "False", "Assigned to the application": "False", SkipReason: "NotEffectivelyEntitled", IsActive: "True" });
      expect(value.provisioningSteps.find((st: { type: string }) => st.type === "Export").status).toBe("Skipped");
      expect(value.targetIdentity.id).toBeNull();
      const group = contractors()[1];
      expect(JSON.parse((await pod(group.id, "Group")).body.key).result).toBe("Skipped");

      await assign(h, s.spId, [group.id]);
      const member = await pod(group.members[0]);
      expect(JSON.parse(member.body.key).result).toBe("Success");
      expect(JSON.parse((await pod(group.id, "Group")).body.key).result).toBe("Success");

      // With SyncAll "true" an unassigned user is in scope.
      await h.call("PUT", `/servicePrincipals/${s.spId}/synchronization/secrets`, secretsSet(SCIM, { syncAll: true }));
      expect(JSON.parse((await pod(user(2))).body.key).result).toBe("Success");
    });
  });
});

describe("app role assignments replicate like other directory objects", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({ http: true, replicas: 3 });
  });
  afterAll(() => h.close());

  it("lists (and on-demand provisioning) see a new assignment after the list lag; cycles and reads by id see it at once", async () => {
    const ids = await instantiate(h, CUSTOM, "Lagging");
    const jobId = await createJob(h, ids.spId);
    await h.call("PUT", `/servicePrincipals/${ids.spId}/synchronization/secrets`, secretsSet(SCIM));
    const ruleId = (await h.call("GET", `/servicePrincipals/${ids.spId}/synchronization/jobs/${jobId}/schema`)).body.synchronizationRules[0].id;
    expect((await h.admin("PATCH", "/faults", { listLagMs: 60_000 })).status).toBe(200);
    const principal = (await h.admin("GET", "/state")).body.users.ids[2] as string;
    const [id] = await assign(h, ids.spId, [principal]);
    expect((await h.call("GET", `/servicePrincipals/${ids.spId}/appRoleAssignedTo/${id}`)).status).toBe(200);
    expect((await h.call("GET", `/servicePrincipals/${ids.spId}/appRoleAssignedTo`)).body.value).toEqual([]);
    const pod = await h.call("POST", `/servicePrincipals/${ids.spId}/synchronization/jobs/${jobId}/provisionOnDemand`, { parameters: [{ ruleId, subjects: [{ objectId: principal, objectTypeName: "User" }] }] });
    expect(JSON.parse(pod.body.key).details.errorCode).toBe("NotEffectivelyEntitled");
    expect((await h.admin("POST", `/jobs/${jobId}/run-cycle`)).status).toBe(204);
    const job = (await h.call("GET", `/servicePrincipals/${ids.spId}/synchronization/jobs/${jobId}`)).body;
    expect(job.status.synchronizedEntryCountByType.find((e: { key: string }) => e.key === "user to User").value).toBe(1);
    expect((await h.admin("PATCH", "/faults", { listLagMs: null })).status).toBe(200);
  });
});

describe("app role assignments in the state file", () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), "emu-assign-"));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("survive a restart", async () => {
    const stateFile = join(tmp, "state.json");
    const h1 = await harness({ stateFile, http: true });
    const ids = await instantiate(h1, CUSTOM);
    const principal = (await h1.admin("GET", "/state")).body.users.ids[4] as string;
    const [id] = await assign(h1, ids.spId, [principal]);
    await h1.close();
    const h2 = await harness({ stateFile, http: true });
    const listed = (await h2.call("GET", `/servicePrincipals/${ids.spId}/appRoleAssignedTo`)).body.value;
    expect(listed.map((a: { id: string; principalId: string }) => [a.id, a.principalId])).toEqual([[id, principal]]);
    await h2.close();
  });
});

describe("app-roles.ts and the `in` rewrite (units)", () => {
  const rng = new Rng(3);
  const store = () => new AppRoleAssignmentStore(new ReplicationModel(rng, 1, 0));
  const u = (id: string): DirectoryUser => ({ id, displayName: id, givenName: "", surname: "", userPrincipalName: `${id}@x`, mail: "", mailNickname: id, jobTitle: "", accountEnabled: true });
  const g = (id: string, members: string[], securityEnabled = true): DirectoryGroup => ({ id, displayName: id, mailNickname: id, mailEnabled: !securityEnabled, securityEnabled, members });
  const rec = (id: string, principalId: string, principalType: "User" | "Group", appRoleId = DEFAULT_ACCESS) => ({ id, appRoleId, createdDateTime: new Date().toISOString(), principalId, principalType, resourceId: "sp" });

  it("scopes direct members of assigned security groups only: no nested groups, no members of other groups", () => {
    const assignments = store();
    const users = new Map(["u1", "u2", "u3", "u4"].map((id) => [id, u(id)]));
    const groups = new Map([
      ["inner", g("inner", ["u3"])],
      ["outer", g("outer", ["u1", "inner"])],
      ["mail", g("mail", ["u4"], false)],
    ]);
    assignments.add(rec("a1", "outer", "Group"));
    assignments.add(rec("a2", "mail", "Group"));
    assignments.add(rec("a3", "u2", "User"));
    const scope = assignedScope({ assignments, users, groups }, "sp");
    expect([...scope.users].sort()).toEqual(["u1", "u2"]);
    expect([...scope.groups].sort()).toEqual(["mail", "outer"]);
  });

  it("reads role values for the [appRoleAssignments] attribute, including a user's groups' roles", () => {
    const assignments = store();
    const users = new Map([["u1", u("u1")]]);
    const groups = new Map([["g1", g("g1", ["u1"])]]);
    const roles = [
      { id: "11111111-1111-4111-8111-111111111111", value: "Admin", allowedMemberTypes: ["User"] },
      { id: "22222222-2222-4222-8222-222222222222", value: "Reader", allowedMemberTypes: ["User"] },
      { id: "33333333-3333-4333-8333-333333333333", value: null, allowedMemberTypes: ["User"] },
    ];
    const sp = { id: "sp", appRoles: roles };
    assignments.add(rec("a1", "u1", "User", roles[0].id));
    assignments.add(rec("a2", "g1", "Group", roles[1].id));
    assignments.add(rec("a3", "u1", "User", roles[2].id));
    const values = appRoleValues({ assignments, users, groups, servicePrincipals: { primary: (id) => (id === "sp" ? sp : undefined) } }, "sp", "u1");
    expect(values.sort()).toEqual(["Admin", "Reader"]);
    expect(assignableRole(sp, roles[0].id, "User")).toBe(true);
    expect(assignableRole(sp, roles[0].id, "ServicePrincipal")).toBe(false);
    expect(assignableRole(sp, DEFAULT_ACCESS, "User")).toBe(false);
    expect(assignableRole({ id: "bare", appRoles: [] }, DEFAULT_ACCESS, "Group")).toBe(true);
  });

  it("rewrites `in` outside string literals only", () => {
    expect(expandIn("displayName in ('a','b')")).toBe("(displayName eq 'a' or displayName eq 'b')");
    expect(expandIn("id in ('x') and startswith(displayName,'in (')")).toBe("(id eq 'x') and startswith(displayName,'in (')");
    expect(expandIn("displayName eq 'join (x)'")).toBe("displayName eq 'join (x)'");
    expect(expandIn("accountEnabled IN (true, false)")).toBe("(accountEnabled eq true or accountEnabled eq false)");
    expect(() => expandIn("id in ('a' 'b')")).toThrow(/expected ','/);
  });
});
