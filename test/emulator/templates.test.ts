import { GALLERY, requiredCredentialKeys } from "../../emulator";
import { AWS_TEMPLATE, CUSTOM, harness, Harness } from "./helpers";

describe("applicationTemplates", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(() => h.close());

  it("has a realistic gallery of at least 25 apps plus the custom template", async () => {
    expect(GALLERY.length).toBeGreaterThanOrEqual(26);
    const names = GALLERY.map((a) => a.displayName);
    for (const n of ["Amazon Web Services (AWS)", "Box", "Salesforce", "ServiceNow", "Slack", "Zoom", "Dropbox Business", "GitHub Enterprise Managed User",
      "Atlassian Cloud", "Databricks SCIM Provisioning Connector", "Snowflake", "Tableau Cloud", "DocuSign", "Workplace from Meta"]) {
      expect(names).toContain(n);
    }
    expect(new Set(GALLERY.map((a) => a.id)).size).toBe(GALLERY.length);
    const all = await h.call("GET", "/applicationTemplates?$top=999");
    expect(all.body.value).toHaveLength(GALLERY.length);
    expect(all.body.value.some((t: { supportedProvisioningTypes: string[] }) => t.supportedProvisioningTypes.length === 0)).toBe(true);
    const custom = await h.call("GET", `/applicationTemplates/${CUSTOM}`);
    expect(custom.status).toBe(200);
    expect(custom.body.displayName).toBe("Non-gallery application");
  });

  it("filters by displayName eq / contains / startswith case-insensitively and by category", async () => {
    const eq = await h.call("GET", "/applicationTemplates?$filter=displayName eq 'amazon web services (aws)'");
    expect(eq.body.value.map((t: { id: string }) => t.id)).toEqual([AWS_TEMPLATE]);
    const contains = await h.call("GET", "/applicationTemplates?$filter=contains(displayName, 'SALESF')");
    expect(contains.body.value.map((t: { displayName: string }) => t.displayName).sort()).toEqual(["Salesforce", "Salesforce Sandbox"]);
    const starts = await h.call("GET", "/applicationTemplates?$filter=startswith(displayName,'Zo')");
    expect(starts.body.value.map((t: { displayName: string }) => t.displayName)).toEqual(["Zoom"]);
    const cat = await h.call("GET", "/applicationTemplates?$filter=categories/any(c:c eq 'hr')");
    expect(cat.body.value.length).toBeGreaterThanOrEqual(2);
    for (const t of cat.body.value) expect(t.categories).toContain("hr");
    const catContains = await h.call("GET", "/applicationTemplates?$filter=categories/any(c:contains(c, 'developer'))");
    expect(catContains.body.value.length).toBeGreaterThan(3);
  });

  it("pages with $top and @odata.nextLink, and honours $select", async () => {
    const first = await h.call("GET", "/applicationTemplates?$top=10&$select=id,displayName");
    expect(first.body.value).toHaveLength(10);
    expect(Object.keys(first.body.value[0]).sort()).toEqual(["displayName", "id"]);
    const seen = [...first.body.value];
    let next: string | undefined = first.body["@odata.nextLink"];
    while (next) {
      const r = await h.call("GET", next.replace(h.emu.graphUrl, ""));
      seen.push(...r.body.value);
      next = r.body["@odata.nextLink"];
    }
    expect(new Set(seen.map((t) => t.id)).size).toBe(GALLERY.length);
    expect((await h.call("GET", "/applicationTemplates?$select=nope")).status).toBe(400);
    expect((await h.call("GET", "/applicationTemplates?$top=0")).status).toBe(400);
    expect((await h.call("GET", "/applicationTemplates?$filter=homePageUrl eq 'x'")).body.error.code).toBe("Request_UnsupportedQuery");
    expect((await h.call("GET", "/applicationTemplates?$filter=displayName eq")).body.error.code).toBe("Request_BadRequest");
  });

  it("returns version-specific members (v1.0 vs beta)", async () => {
    const v1 = await h.call("GET", `/v1.0/applicationTemplates/${AWS_TEMPLATE}`);
    const beta = await h.call("GET", `/beta/applicationTemplates/${AWS_TEMPLATE}`);
    expect(v1.body).toHaveProperty("riskScore");
    expect(v1.body).not.toHaveProperty("informationalUrls");
    expect(beta.body).toHaveProperty("informationalUrls");
    expect(beta.body).not.toHaveProperty("riskScore");
  });

  it("404s an unknown template", async () => {
    const r = await h.call("GET", "/applicationTemplates/11111111-1111-1111-1111-111111111111");
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe("Request_ResourceNotFound");
    expect((await h.call("POST", "/applicationTemplates/11111111-1111-1111-1111-111111111111/instantiate", { displayName: "x" })).status).toBe(404);
  });

  it("instantiates: 201 with application + servicePrincipal, both carrying applicationTemplateId", async () => {
    const r = await h.call("POST", `/applicationTemplates/${AWS_TEMPLATE}/instantiate`, { displayName: "AWS Contoso" });
    expect(r.status).toBe(201);
    expect(r.body["@odata.context"]).toContain("microsoft.graph.applicationServicePrincipal");
    expect(r.body.application.applicationTemplateId).toBe(AWS_TEMPLATE);
    expect(r.body.servicePrincipal.applicationTemplateId).toBe(AWS_TEMPLATE);
    expect(r.body.application.appRoles.map((x: { value: string | null; displayName: string }) => x.displayName)).toContain("msiam_access");
    expect(r.body.application.api.oauth2PermissionScopes[0].value).toBe("user_impersonation");
    expect(r.body.servicePrincipal).toHaveProperty("oauth2PermissionScopes");
    const got = await h.call("GET", `/applications/${r.body.application.id}`);
    expect(got.status).toBe(200);
    expect(got.body.displayName).toBe("AWS Contoso");
  });

  it("rejects bad instantiate bodies", async () => {
    const unknown = await h.call("POST", `/applicationTemplates/${CUSTOM}/instantiate`, { displayName: "x", colour: "blue" });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe("Request_BadRequest");
    expect(unknown.body.error.message).toContain("colour");
    expect((await h.call("POST", `/applicationTemplates/${CUSTOM}/instantiate`, {})).status).toBe(400);
    expect((await h.call("POST", `/applicationTemplates/${CUSTOM}/instantiate`, "{not json")).status).toBe(400);
  });

  it("exposes the connector's required credential keys", () => {
    expect(requiredCredentialKeys(AWS_TEMPLATE)).toEqual(["ClientSecret", "SecretToken"]);
    expect(requiredCredentialKeys(CUSTOM)).toEqual(["BaseAddress", "SecretToken"]);
    expect(requiredCredentialKeys("229946b9-a9fb-45b8-9531-efa47453ac9e")).toEqual([]);
    expect(requiredCredentialKeys("nope")).toBeUndefined();
  });
});
