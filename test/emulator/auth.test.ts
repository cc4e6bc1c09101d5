import { credential, harness, Harness, raw } from "./helpers";

describe("token endpoint and Graph authorization", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(() => h.close());

  const tokenUrl = () => `${h.emu.authorityHost}/${h.emu.tenantId}/oauth2/v2.0/token`;
  const form = (o: Record<string, string>) => new URLSearchParams(o).toString();
  const formHeaders = { "content-type": "application/x-www-form-urlencoded" };

  it("issues a JWT-shaped token with roles for both accepted scopes", async () => {
    for (const scope of ["https://graph.microsoft.com/.default", `${h.emu.graphUrl}/.default`]) {
      const r = await raw(h.dispatcher, "POST", tokenUrl(), form({ grant_type: "client_credentials", client_id: h.emu.clientId, client_secret: h.emu.clientSecret, scope }), formHeaders);
      expect(r.status).toBe(200);
      expect(r.body.token_type).toBe("Bearer");
      expect(r.body.expires_in).toBeGreaterThan(3500);
      const parts = (r.body.access_token as string).split(".");
      expect(parts).toHaveLength(3);
      const claims = JSON.parse(Buffer.from(parts[1], "base64url").toString());
      expect(claims).toMatchObject({ tid: h.emu.tenantId, appid: h.emu.clientId, aud: "https://graph.microsoft.com" });
      expect(claims.roles).toContain("Synchronization.ReadWrite.All");
    }
  });

  it("rejects a wrong client secret with 401 AADSTS7000215", async () => {
    const r = await raw(h.dispatcher, "POST", tokenUrl(), form({ grant_type: "client_credentials", client_id: h.emu.clientId, client_secret: "wrong", scope: "https://graph.microsoft.com/.default" }), formHeaders);
    expect(r.status).toBe(401);
    expect(r.body.error).toBe("invalid_client");
    expect(r.body.error_codes).toEqual([7000215]);
    expect(r.body.error_description).toMatch(/^AADSTS7000215:/);
  });

  it("rejects unknown clients, tenants and scopes", async () => {
    const base = { grant_type: "client_credentials", client_id: h.emu.clientId, client_secret: h.emu.clientSecret, scope: "https://graph.microsoft.com/.default" };
    expect((await raw(h.dispatcher, "POST", tokenUrl(), form({ ...base, client_id: "nobody" }), formHeaders)).body.error_codes).toEqual([700016]);
    expect((await raw(h.dispatcher, "POST", `${h.emu.authorityHost}/other-tenant/oauth2/v2.0/token`, form(base), formHeaders)).status).toBe(400);
    const scope = await raw(h.dispatcher, "POST", tokenUrl(), form({ ...base, scope: "https://management.azure.com/user_impersonation" }), formHeaders);
    expect(scope.status).toBe(400);
    expect(scope.body.error).toBe("invalid_scope");
  });

  it("serves OpenID metadata MSAL needs", async () => {
    const r = await raw(h.dispatcher, "GET", `${h.emu.authorityHost}/${h.emu.tenantId}/v2.0/.well-known/openid-configuration`);
    expect(r.status).toBe(200);
    expect(r.body.token_endpoint).toBe(tokenUrl());
    expect(r.body).toHaveProperty("issuer");
    expect(r.body).toHaveProperty("authorization_endpoint");
    const inst = await raw(h.dispatcher, "GET", `${h.emu.authorityHost}/common/discovery/instance`);
    expect(inst.body.tenant_discovery_endpoint).toContain(h.emu.tenantId);
  });

  it("works with @azure/identity, and surfaces a wrong secret as AADSTS7000215", async () => {
    const t = await credential(h.emu).getToken(`${h.emu.graphUrl}/.default`);
    expect(t.token.split(".")).toHaveLength(3);
    const err = await credential(h.emu, h.emu.clientId, "bad-secret").getToken("https://graph.microsoft.com/.default").catch((e: Error) => e);
    // @azure/identity surfaces MSAL's invalid_client as AuthenticationRequiredError carrying the AADSTS text.
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain("AADSTS7000215");
  });

  it("answers 401 InvalidAuthenticationToken without, or with a forged, token", async () => {
    const none = await raw(h.dispatcher, "GET", `${h.emu.graphUrl}/v1.0/applications`);
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe("InvalidAuthenticationToken");
    const [hd, pl] = h.token.split(".");
    const forged = await raw(h.dispatcher, "GET", `${h.emu.graphUrl}/v1.0/applications`, undefined, { authorization: `Bearer ${hd}.${pl}.AAAA` });
    expect(forged.status).toBe(401);
    const garbage = await raw(h.dispatcher, "GET", `${h.emu.graphUrl}/v1.0/applications`, undefined, { authorization: "Bearer not-a-jwt" });
    expect(garbage.status).toBe(401);
  });

  it("answers 403 Authorization_RequestDenied when the client lacks the permission", async () => {
    const reg = await h.admin("POST", "/clients", { roles: ["Application.Read.All"] });
    expect(reg.status).toBe(201);
    const limited = await h.tokenFor(reg.body.clientId, reg.body.clientSecret);
    const auth = { authorization: `Bearer ${limited}` };
    const read = await raw(h.dispatcher, "GET", `${h.emu.graphUrl}/v1.0/applications`, undefined, auth);
    expect(read.status).toBe(200);
    const write = await raw(h.dispatcher, "POST", `${h.emu.graphUrl}/v1.0/applicationTemplates/8adf8e6e-67b2-4cf2-a259-e3dc5476c621/instantiate`, { displayName: "x" }, { ...auth, "content-type": "application/json" });
    expect(write.status).toBe(403);
    expect(write.body.error.code).toBe("Authorization_RequestDenied");
    expect(write.body.error.message).toBe("Insufficient privileges to complete the operation.");
    const logs = await raw(h.dispatcher, "GET", `${h.emu.graphUrl}/v1.0/auditLogs/provisioning`, undefined, auth);
    expect(logs.status).toBe(403);
    // Templates only need a valid token.
    expect((await raw(h.dispatcher, "GET", `${h.emu.graphUrl}/v1.0/applicationTemplates?$top=1`, undefined, auth)).status).toBe(200);
  });

  it("shapes errors like Graph, echoing client-request-id", async () => {
    const r = await h.call("GET", "/applications/00000000-0000-0000-0000-000000000000", undefined, { "client-request-id": "my-correlation-id" });
    expect(r.status).toBe(404);
    expect(r.headers["client-request-id"]).toBe("my-correlation-id");
    expect(r.body.error.code).toBe("Request_ResourceNotFound");
    expect(r.body.error.innerError["client-request-id"]).toBe("my-correlation-id");
    expect(r.body.error.innerError["request-id"]).toBe(r.headers["request-id"]);
    expect(r.body.error.innerError.date).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    const own = await h.call("GET", "/applications/00000000-0000-0000-0000-000000000000");
    expect(own.body.error.innerError["client-request-id"]).toBe(own.headers["request-id"]);
  });
});
