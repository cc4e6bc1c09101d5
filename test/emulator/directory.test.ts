import { AWS_TEMPLATE, createJob, CUSTOM, harness, Harness, instantiate, secretsSet } from "./helpers";

describe("applications, servicePrincipals and deletedItems", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(() => h.close());
  beforeEach(async () => {
    expect((await h.admin("POST", "/reset")).status).toBe(204);
  });

  it("gets by object id and by (appId='…'), with $select", async () => {
    const ids = await instantiate(h, AWS_TEMPLATE, "Lookup");
    for (const set of ["applications", "servicePrincipals"]) {
      const byKey = await h.call("GET", `/${set}(appId='${ids.appId}')`);
      expect(byKey.status).toBe(200);
      expect(byKey.body.appId).toBe(ids.appId);
      expect(byKey.body).not.toHaveProperty("value");
    }
    const sel = await h.call("GET", `/applications/${ids.appObjectId}?$select=id,displayName`);
    expect(Object.keys(sel.body).filter((k) => !k.startsWith("@")).sort()).toEqual(["displayName", "id"]);
    expect((await h.call("GET", `/applications/${ids.appObjectId}?$select=bogus`)).status).toBe(400);
    expect((await h.call("GET", "/servicePrincipals(appId='00000000-0000-0000-0000-000000000000')")).status).toBe(404);
  });

  it("lists with $filter on displayName, appId, applicationTemplateId and tags, and pages", async () => {
    const a = await instantiate(h, AWS_TEMPLATE, "Alpha");
    await instantiate(h, CUSTOM, "Beta one");
    await instantiate(h, CUSTOM, "beta two");
    const byName = await h.call("GET", "/applications?$filter=displayName eq 'ALPHA'");
    expect(byName.body.value.map((x: { id: string }) => x.id)).toEqual([a.appObjectId]);
    const byAppId = await h.call("GET", `/servicePrincipals?$filter=appId eq '${a.appId}'`);
    expect(byAppId.body.value.map((x: { id: string }) => x.id)).toEqual([a.spId]);
    const byTemplate = await h.call("GET", `/servicePrincipals?$filter=applicationTemplateId eq '${CUSTOM}'&$select=id,displayName`);
    expect(byTemplate.body.value).toHaveLength(2);
    const starts = await h.call("GET", "/servicePrincipals?$select=id,appId,displayName&$filter=startswith(displayName, 'beta')");
    expect(starts.body.value).toHaveLength(2);
    const tags = await h.call("GET", "/servicePrincipals?$filter=tags/any(t:t eq 'WindowsAzureActiveDirectoryIntegratedApp')");
    expect(tags.body.value).toHaveLength(3);
    const page1 = await h.call("GET", "/applications?$top=2");
    expect(page1.body.value).toHaveLength(2);
    const next = page1.body["@odata.nextLink"] as string;
    expect(next).toContain("$skiptoken=");
    const page2 = await h.call("GET", next.replace(h.emu.graphUrl, ""));
    expect(page2.body.value).toHaveLength(1);
    expect(page2.body).not.toHaveProperty("@odata.nextLink");
    expect((await h.call("GET", "/applications?$filter=notes eq 'x'")).body.error.code).toBe("Request_UnsupportedQuery");
    const counted = await h.call("GET", "/applications?$count=true", undefined, { ConsistencyLevel: "eventual" });
    expect(counted.body["@odata.count"]).toBe(3);
    expect((await h.call("GET", "/applications?$count=true")).body).not.toHaveProperty("@odata.count");
  });

  it("PATCHes (204) and rejects unknown or read-only properties", async () => {
    const ids = await instantiate(h, CUSTOM, "Patch me");
    expect((await h.call("PATCH", `/applications/${ids.appObjectId}`, { displayName: "Patched", tags: ["a"] })).status).toBe(204);
    const got = await h.call("GET", `/applications/${ids.appObjectId}`);
    expect(got.body).toMatchObject({ displayName: "Patched", tags: ["a"] });
    // The service principal mirrors its application's name (appDisplayName), not its own displayName.
    const sp = await h.call("GET", `/servicePrincipals/${ids.spId}?$select=displayName,appDisplayName`);
    expect(sp.body).toMatchObject({ appDisplayName: "Patched" });
    expect(sp.body.displayName).not.toBe("Patched");
    expect((await h.call("PATCH", `/servicePrincipals/${ids.spId}`, { appRoleAssignmentRequired: false })).status).toBe(204);
    expect((await h.call("GET", `/servicePrincipals/${ids.spId}`)).body.appRoleAssignmentRequired).toBe(false);
    const unknown = await h.call("PATCH", `/applications/${ids.appObjectId}`, { favouriteColour: "red" });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain("favouriteColour");
    expect((await h.call("PATCH", `/applications/${ids.appObjectId}`, { appId: "x" })).status).toBe(400);
    expect((await h.call("PATCH", `/applications/${ids.appObjectId}`, { tags: "notalist" })).status).toBe(400);
    expect((await h.call("PATCH", "/applications/00000000-0000-0000-0000-000000000000", { displayName: "x" })).status).toBe(404);
  });

  it("soft-deletes an application with its service principal, jobs and secrets; restores and purges", async () => {
    const ids = await instantiate(h, CUSTOM, "Doomed");
    await createJob(h, ids.spId);
    expect((await h.call("PUT", `/servicePrincipals/${ids.spId}/synchronization/secrets`, secretsSet([{ key: "BaseAddress", value: "https://x" }]))).status).toBe(204);
    expect((await h.admin("GET", "/state")).body.secrets.count).toBe(1);
    expect((await h.call("DELETE", `/applications/${ids.appObjectId}`)).status).toBe(204);
    expect((await h.call("GET", `/applications/${ids.appObjectId}`)).status).toBe(404);
    expect((await h.call("GET", `/servicePrincipals/${ids.spId}`)).status).toBe(404);
    expect((await h.call("DELETE", `/applications/${ids.appObjectId}`)).status).toBe(404);
    const state = (await h.admin("GET", "/state")).body;
    expect(state.jobs.count).toBe(0);
    expect(state.secrets.count).toBe(0);
    expect(state.deletedItems.items.map((d: { type: string }) => d.type).sort()).toEqual(["application", "servicePrincipal"]);

    const apps = await h.call("GET", "/directory/deletedItems/microsoft.graph.application");
    expect(apps.body.value.map((x: { id: string }) => x.id)).toEqual([ids.appObjectId]);
    expect(apps.body.value[0]["@odata.type"]).toBe("#microsoft.graph.application");
    expect(apps.body.value[0].deletedDateTime).toEqual(expect.any(String));
    expect((await h.call("GET", "/directory/deletedItems/microsoft.graph.servicePrincipal")).body.value).toHaveLength(1);
    expect((await h.call("GET", "/directory/deletedItems/microsoft.graph.group")).body.value).toHaveLength(0);
    expect((await h.call("GET", "/directory/deletedItems")).status).toBe(400);
    const one = await h.call("GET", `/directory/deletedItems/${ids.spId}`);
    expect(one.body["@odata.type"]).toBe("#microsoft.graph.servicePrincipal");

    // A service principal cannot come back before its application.
    const early = await h.call("POST", `/directory/deletedItems/${ids.spId}/restore`);
    expect(early.status).toBe(400);
    const restored = await h.call("POST", `/directory/deletedItems/${ids.appObjectId}/restore`);
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({ id: ids.appObjectId, deletedDateTime: null, "@odata.type": "#microsoft.graph.application" });
    expect((await h.call("GET", `/applications/${ids.appObjectId}`)).status).toBe(200);
    expect((await h.call("GET", `/servicePrincipals/${ids.spId}`)).status).toBe(404); // separate deleted item
    expect((await h.call("POST", `/directory/deletedItems/${ids.spId}/restore`)).status).toBe(200);
    expect((await h.call("GET", `/servicePrincipals/${ids.spId}`)).status).toBe(200);
    // Jobs do not come back with the service principal.
    expect((await h.call("GET", `/servicePrincipals/${ids.spId}/synchronization/jobs`)).body.value).toHaveLength(0);

    expect((await h.call("DELETE", `/servicePrincipals/${ids.spId}`)).status).toBe(204);
    expect((await h.call("DELETE", `/directory/deletedItems/${ids.spId}`)).status).toBe(204);
    expect((await h.call("GET", `/directory/deletedItems/${ids.spId}`)).status).toBe(404);
    expect((await h.call("POST", `/directory/deletedItems/${ids.spId}/restore`)).status).toBe(404);
  });

  it("serves the seeded users and groups", async () => {
    const users = await h.call("GET", "/users?$top=999");
    expect(users.body.value).toHaveLength(20);
    expect(users.body.value[0]).toHaveProperty("userPrincipalName");
    const groups = await h.call("GET", "/groups");
    expect(groups.body.value.length).toBeGreaterThanOrEqual(4);
    expect((await h.call("GET", `/users/${users.body.value[0].id}`)).status).toBe(200);
  });

  it("answers 501 naming unimplemented paths, never a silent 200", async () => {
    const r = await h.call("GET", "/me/drive");
    expect(r.status).toBe(501);
    expect(r.body.error.message).toContain("GET /v1.0/me/drive");
    expect((await h.call("POST", "/applications", { displayName: "x" })).status).toBe(501);
  });
});
