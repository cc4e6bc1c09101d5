import { effectiveJobTemplateId, galleryApp, jobTemplateSpec, syncTemplateSpec } from "../../emulator/catalogue";
import { AWS_TEMPLATE, CUSTOM, harness, Harness, instantiate } from "./helpers";

/**
 * Response shapes against Microsoft's documented examples. Each expected object below is the
 * documented example with instance-specific values (ids, dates, tenant) replaced by markers:
 * "<string>", "<guid>", "<datetime>", "<any>", "<string[]>". Every property an example shows must
 * be in the emulator's response; literals (null, [], false, fixed strings) must match exactly.
 */
const SAML_TOOLKIT = "229946b9-a9fb-45b8-9531-efa47453ac9e";
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function mismatches(actual: unknown, expected: unknown, path = "$"): string[] {
  if (typeof expected === "string" && /^<.+>$/.test(expected)) {
    const ok =
      expected === "<any>" ||
      (expected === "<string>" && typeof actual === "string") ||
      (expected === "<guid>" && typeof actual === "string" && GUID.test(actual)) ||
      (expected === "<datetime>" && typeof actual === "string" && !Number.isNaN(Date.parse(actual))) ||
      (expected === "<string[]>" && Array.isArray(actual) && actual.length > 0 && actual.every((x) => typeof x === "string"));
    return ok ? [] : [`${path}: expected ${expected}, got ${JSON.stringify(actual)}`];
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${path}: expected an array, got ${JSON.stringify(actual)}`];
    if (expected.length === 0) return actual.length === 0 ? [] : [`${path}: expected [], got ${JSON.stringify(actual)}`];
    if (actual.length < expected.length) return [`${path}: expected at least ${expected.length} items, got ${actual.length}`];
    return expected.flatMap((e, i) => mismatches(actual[i], e, `${path}[${i}]`));
  }
  if (expected !== null && typeof expected === "object") {
    if (actual === null || typeof actual !== "object") return [`${path}: expected an object, got ${JSON.stringify(actual)}`];
    return Object.entries(expected).flatMap(([k, v]) =>
      k in (actual as object) ? mismatches((actual as Record<string, unknown>)[k], v, `${path}.${k}`) : [`${path}.${k}: missing`]);
  }
  return actual === expected ? [] : [`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
}

const NO_PUBLISHER = { displayName: null, verifiedPublisherId: null, addedDateTime: null };
const INFO = { logoUrl: null, marketingUrl: null, privacyStatementUrl: null, supportUrl: null, termsOfServiceUrl: null };
const role = (name: string) => ({ allowedMemberTypes: ["User"], displayName: name, id: "<guid>", isEnabled: true, description: name, value: null, origin: "Application" });
const scope = (name: string) => ({
  adminConsentDescription: `Allow the application to access ${name} on behalf of the signed-in user.`,
  adminConsentDisplayName: `Access ${name}`,
  id: "<guid>",
  isEnabled: true,
  type: "User",
  userConsentDescription: `Allow the application to access ${name} on your behalf.`,
  userConsentDisplayName: `Access ${name}`,
  value: "user_impersonation",
});

/** api-reference/v1.0/api/applicationtemplate-instantiate.md (current example, "Azure AD SAML Toolkit"). */
const V1_INSTANTIATE_EXAMPLE = {
  "@odata.context": "<string>",
  application: {
    id: "<guid>", appId: "<guid>", applicationTemplateId: SAML_TOOLKIT, createdDateTime: "<datetime>", deletedDateTime: null,
    displayName: "Azure AD SAML Toolkit", groupMembershipClaims: null, identifierUris: [], isFallbackPublicClient: false,
    signInAudience: "AzureADMyOrg", tags: [], tokenEncryptionKeyId: null, defaultRedirectUri: null, optionalClaims: null, addIns: [],
    api: { acceptMappedClaims: null, knownClientApplications: [], requestedAccessTokenVersion: null, oauth2PermissionScopes: [scope("Azure AD SAML Toolkit")], preAuthorizedApplications: [] },
    appRoles: [role("msiam_access")],
    info: INFO, keyCredentials: [], parentalControlSettings: { countriesBlockedForMinors: [], legalAgeGroupRule: "Allow" },
    passwordCredentials: [], publicClient: { redirectUris: [] }, requiredResourceAccess: [], verifiedPublisher: NO_PUBLISHER,
    web: {
      homePageUrl: "https://samltoolkit.azurewebsites.net/SAML/Consume?metadata=samltoolkit|ISV9.2|primary|z",
      redirectUris: ["https://samltoolkit.azurewebsites.net/SAML/Consume"],
    },
  },
  servicePrincipal: {
    id: "<guid>", deletedDateTime: null, accountEnabled: true, appId: "<guid>", applicationTemplateId: SAML_TOOLKIT,
    appDisplayName: "Azure AD SAML Toolkit", alternativeNames: [], appOwnerOrganizationId: "<guid>", displayName: "Azure AD SAML Toolkit",
    appRoleAssignmentRequired: true, loginUrl: null, logoutUrl: null,
    homepage: "https://samltoolkit.azurewebsites.net/SAML/Consume?metadata=samltoolkit|ISV9.2|primary|z",
    notificationEmailAddresses: [], preferredSingleSignOnMode: null, preferredTokenSigningKeyThumbprint: null,
    replyUrls: ["https://samltoolkit.azurewebsites.net/SAML/Consume"], servicePrincipalNames: "<string[]>", servicePrincipalType: "Application",
    tags: ["WindowsAzureActiveDirectoryIntegratedApp"], tokenEncryptionKeyId: null, samlSingleSignOnSettings: null,
    verifiedPublisher: NO_PUBLISHER, addIns: [], appRoles: [role("msiam_access")], info: INFO, keyCredentials: [],
    oauth2PermissionScopes: [scope("Azure AD SAML Toolkit")], passwordCredentials: [],
  },
};

/** learn.microsoft.com/graph/application-proxy-configure-api, step 1: the non-gallery template ("Contoso IWA App"). */
const NON_GALLERY_HOMEPAGE = "https://account.activedirectory.windowsazure.com:444/applications/default.aspx?metadata=customappsso|ISV9.1|primary|z";
const NON_GALLERY_EXAMPLE = {
  "@odata.context": "<string>",
  application: {
    id: "<guid>", appId: "<guid>", applicationTemplateId: CUSTOM, createdDateTime: "<datetime>", deletedDateTime: null,
    displayName: "Contoso IWA App", description: null, groupMembershipClaims: null, identifierUris: [], isFallbackPublicClient: false,
    signInAudience: "AzureADMyOrg", tags: [], tokenEncryptionKeyId: null, defaultRedirectUri: null, samlMetadataUrl: null,
    optionalClaims: null, addIns: [],
    api: { acceptMappedClaims: null, knownClientApplications: [], requestedAccessTokenVersion: null, oauth2PermissionScopes: [scope("Contoso IWA App")], preAuthorizedApplications: [] },
    appRoles: [role("User"), role("msiam_access")],
    info: INFO, keyCredentials: [], parentalControlSettings: { countriesBlockedForMinors: [], legalAgeGroupRule: "Allow" },
    passwordCredentials: [], publicClient: { redirectUris: [] }, requiredResourceAccess: [], verifiedPublisher: NO_PUBLISHER,
    web: { homePageUrl: NON_GALLERY_HOMEPAGE, redirectUris: [], logoutUrl: null },
  },
  servicePrincipal: {
    id: "<guid>", deletedDateTime: null, accountEnabled: true, appId: "<guid>", applicationTemplateId: CUSTOM, appDisplayName: "Contoso IWA App",
    alternativeNames: [], appOwnerOrganizationId: "<guid>", displayName: "Contoso IWA App", appRoleAssignmentRequired: true,
    loginUrl: null, logoutUrl: null, homepage: NON_GALLERY_HOMEPAGE, notificationEmailAddresses: [], preferredSingleSignOnMode: null,
    preferredTokenSigningKeyThumbprint: null, replyUrls: [], servicePrincipalNames: "<string[]>", servicePrincipalType: "Application",
    tags: ["WindowsAzureActiveDirectoryCustomSingleSignOnApplication", "WindowsAzureActiveDirectoryIntegratedApp"],
    tokenEncryptionKeyId: null, samlSingleSignOnSettings: null, addIns: [], appRoles: [role("User"), role("msiam_access")], info: INFO,
    keyCredentials: [], oauth2PermissionScopes: [scope("Contoso IWA App")], passwordCredentials: [], verifiedPublisher: NO_PUBLISHER,
  },
};

/** api-reference/v1.0/api/application-get.md, example 1 (property names; values of an instantiated app). */
const V1_APPLICATION_GET_EXAMPLE = {
  "@odata.context": "<string>", id: "<guid>", deletedDateTime: null, isFallbackPublicClient: "<any>", appId: "<guid>", applicationTemplateId: "<guid>",
  identifierUris: [], createdDateTime: "<datetime>", disabledByMicrosoftStatus: null, displayName: "<string>", isDeviceOnlyAuthSupported: null,
  groupMembershipClaims: null, optionalClaims: null, addIns: [], publisherDomain: "<string>", samlMetadataUrl: null, signInAudience: "<string>",
  verifiedPublisher: NO_PUBLISHER, certification: null, tags: [], tokenEncryptionKeyId: null,
  api: { requestedAccessTokenVersion: null, acceptMappedClaims: null, knownClientApplications: [], oauth2PermissionScopes: "<any>", preAuthorizedApplications: [] },
  appRoles: "<any>", publicClient: { redirectUris: [] }, info: INFO, keyCredentials: [],
  parentalControlSettings: { countriesBlockedForMinors: [], legalAgeGroupRule: "Allow" }, passwordCredentials: [], requiredResourceAccess: [],
  web: { redirectUris: "<any>", homePageUrl: "<string>", logoutUrl: null, implicitGrantSettings: { enableIdTokenIssuance: false, enableAccessTokenIssuance: false } },
};

/**
 * api-reference/v1.0/api/serviceprincipal-get.md, example 1. Two properties the example shows are
 * left out on purpose: `endpoints` is a navigation property in the v1.0 CSDL (not serialized
 * inline) and `publisherName` is a beta-only member (msgraph-metadata beta CSDL).
 */
const V1_SERVICE_PRINCIPAL_GET_EXAMPLE = {
  accountEnabled: true, addIns: [], alternativeNames: [], appDisplayName: "<string>", appId: "<guid>", appOwnerOrganizationId: "<guid>",
  appRoleAssignmentRequired: true, appRoles: "<any>", disabledByMicrosoftStatus: null, displayName: "<string>", homepage: "<string>",
  id: "<guid>", verifiedPublisher: NO_PUBLISHER, info: INFO, keyCredentials: [], logoutUrl: null, oauth2PermissionScopes: "<any>",
  passwordCredentials: [], replyUrls: "<any>", resourceSpecificApplicationPermissions: [], servicePrincipalNames: "<string[]>",
  servicePrincipalType: "Application", signInAudience: "AzureADMyOrg", tags: "<string[]>", tokenEncryptionKeyId: null,
};

describe("fidelity: documented response shapes", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(() => h.close());
  beforeEach(async () => {
    await h.admin("POST", "/reset");
  });

  it("the shape comparison itself reports missing properties and wrong literals", () => {
    expect(mismatches({ a: 1, c: [] }, { a: 1, b: null, c: [] })).toEqual(["$.b: missing"]);
    expect(mismatches({ t: ["x"], n: "y" }, { t: [], n: null })).toEqual(['$.t: expected [], got ["x"]', '$.n: expected null, got "y"']);
    expect(mismatches({ id: "nope" }, { id: "<guid>" })).toHaveLength(1);
  });

  it("instantiate (v1.0) returns every property of the documented gallery example", async () => {
    const r = await h.call("POST", `/v1.0/applicationTemplates/${SAML_TOOLKIT}/instantiate`, { displayName: "Azure AD SAML Toolkit" });
    expect(r.status).toBe(201);
    expect(mismatches(r.body, V1_INSTANTIATE_EXAMPLE)).toEqual([]);
    expect(r.body["@odata.context"]).toMatch(/\/v1\.0\/\$metadata#microsoft\.graph\.applicationServicePrincipal$/);
    expect(r.body.servicePrincipal.servicePrincipalNames).toEqual([r.body.application.appId]);
    expect(r.body.servicePrincipal.appOwnerOrganizationId).toBe(h.emu.tenantId);
  });

  it("instantiate of the non-gallery template matches Microsoft's non-gallery example", async () => {
    const r = await h.call("POST", `/v1.0/applicationTemplates/${CUSTOM}/instantiate`, { displayName: "Contoso IWA App" });
    expect(r.status).toBe(201);
    expect(mismatches(r.body, NON_GALLERY_EXAMPLE)).toEqual([]);
    // The stored service principal carries the same tags as the instantiate response.
    const sp = await h.call("GET", `/servicePrincipals/${r.body.servicePrincipal.id}?$select=tags`);
    expect(sp.body.tags).toEqual(r.body.servicePrincipal.tags);
  });

  it("instantiate (beta) returns beta members: publishedPermissionScopes on the service principal", async () => {
    const r = await h.call("POST", `/beta/applicationTemplates/${CUSTOM}/instantiate`, { displayName: "Beta app" });
    expect(r.status).toBe(201);
    expect(r.body["@odata.context"]).toMatch(/\/beta\/\$metadata#microsoft\.graph\.applicationServicePrincipal$/);
    // The properties the (old) beta example shows that exist in the beta CSDL.
    expect(mismatches(r.body, {
      servicePrincipal: { accountEnabled: true, addIns: [], appDisplayName: "Beta app", appId: "<guid>", appOwnerOrganizationId: "<guid>", appRoleAssignmentRequired: true },
      application: { api: { oauth2PermissionScopes: [scope("Beta app")] }, createdDateTime: "<datetime>" },
    })).toEqual([]);
    expect(mismatches(r.body.servicePrincipal.publishedPermissionScopes, [scope("Beta app")])).toEqual([]);
    expect(r.body.servicePrincipal).not.toHaveProperty("oauth2PermissionScopes");
    expect(r.body.servicePrincipal).not.toHaveProperty("resourceSpecificApplicationPermissions");
  });

  it("GET application / servicePrincipal return every property of the documented v1.0 examples", async () => {
    const ids = await instantiate(h, AWS_TEMPLATE, "AWS shapes");
    const app = await h.call("GET", `/v1.0/applications/${ids.appObjectId}`);
    expect(mismatches(app.body, V1_APPLICATION_GET_EXAMPLE)).toEqual([]);
    expect(app.body["@odata.context"]).toMatch(/\$metadata#applications\/\$entity$/);
    const sp = await h.call("GET", `/v1.0/servicePrincipals/${ids.spId}`);
    expect(mismatches(sp.body, V1_SERVICE_PRINCIPAL_GET_EXAMPLE)).toEqual([]);
    expect(sp.body).not.toHaveProperty("endpoints");
    expect(sp.body).not.toHaveProperty("publisherName");
  });

  it("$select shows in @odata.context, as in application-get example 2", async () => {
    const ids = await instantiate(h, AWS_TEMPLATE, "Select me");
    const one = await h.call("GET", `/applications(appId='${ids.appId}')?$select=id,appId,displayName,requiredResourceAccess`);
    expect(one.body["@odata.context"]).toMatch(/\$metadata#applications\(id,appId,displayName,requiredResourceAccess\)\/\$entity$/);
    expect(Object.keys(one.body).filter((k) => !k.startsWith("@")).sort()).toEqual(["appId", "displayName", "id", "requiredResourceAccess"]);
    const list = await h.call("GET", "/servicePrincipals?$select=id,displayName");
    expect(list.body["@odata.context"]).toMatch(/\$metadata#servicePrincipals\(id,displayName\)$/);
  });

  it("hides keyCredentials[].key unless keyCredentials is in $select", async () => {
    const ids = await instantiate(h, CUSTOM, "Keys");
    const cred = { customKeyIdentifier: null, displayName: "cert", endDateTime: "2030-01-01T00:00:00Z", key: "TUlJQ...", keyId: "6f1c0b1e-1d7e-4d4b-9b5a-2d8f1a4c0c11", startDateTime: "2024-01-01T00:00:00Z", type: "AsymmetricX509Cert", usage: "Verify" };
    expect((await h.call("PATCH", `/applications/${ids.appObjectId}`, { keyCredentials: [cred] })).status).toBe(204);
    const plain = await h.call("GET", `/applications/${ids.appObjectId}`);
    expect(plain.body.keyCredentials).toEqual([{ ...cred, key: null }]);
    const selected = await h.call("GET", `/applications/${ids.appObjectId}?$select=id,keyCredentials`);
    expect(selected.body.keyCredentials).toEqual([cred]);
  });

  it("keeps the instantiate-time name in user_impersonation after a rename (terraform-provider-azuread PR 1406)", async () => {
    const ids = await instantiate(h, CUSTOM, "Provisional name");
    expect((await h.call("PATCH", `/applications/${ids.appObjectId}`, { displayName: "Final name" })).status).toBe(204);
    const app = await h.call("GET", `/applications/${ids.appObjectId}`);
    expect(app.body.displayName).toBe("Final name");
    const [s] = app.body.api.oauth2PermissionScopes;
    expect(s.adminConsentDescription).toBe("Allow the application to access Provisional name on behalf of the signed-in user.");
    expect(s.userConsentDescription).toBe("Allow the application to access Provisional name on your behalf.");
    expect(s.adminConsentDisplayName).toBe("Access Provisional name");
    const sp = await h.call("GET", `/servicePrincipals/${ids.spId}`);
    expect(sp.body.appDisplayName).toBe("Final name");
    expect(sp.body.oauth2PermissionScopes[0].userConsentDisplayName).toBe("Access Provisional name");
  });
});

describe("fidelity: the non-gallery application's synchronization templates", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(() => h.close());

  it("offers customappsso, customappssoOutDelta, customappssoRoleIn and scim, each with a valid default schema", async () => {
    const ids = await instantiate(h, CUSTOM, "Templates");
    const list = await h.call("GET", `/servicePrincipals/${ids.spId}/synchronization/templates`);
    expect(list.body.value.map((t: { id: string }) => t.id)).toEqual(["customappsso", "customappssoOutDelta", "customappssoRoleIn", "scim"]);
    for (const t of list.body.value) {
      const schema = t.schema;
      expect(schema.id).toBe(t.id);
      expect(schema.directories.map((d: { name: string }) => d.name).sort()).toEqual(["Azure Active Directory", "customappsso"]);
      // The default schema is accepted back as a job schema (it passes the emulator's validation).
      const spec = syncTemplateSpec(CUSTOM, t.id)!;
      expect(spec).toBeDefined();
    }
    const roleIn = list.body.value.find((t: { id: string }) => t.id === "customappssoRoleIn").schema;
    expect(roleIn.synchronizationRules[0]).toMatchObject({ sourceDirectoryName: "customappsso", targetDirectoryName: "Azure Active Directory" });
    expect(roleIn.synchronizationRules[0].objectMappings[0]).toMatchObject({ sourceObjectName: "Role", targetObjectName: "AppRole" });
    const scim = list.body.value.find((t: { id: string }) => t.id === "scim").schema;
    expect(scim.synchronizationRules[0]).toMatchObject({ name: "USER_TO_USER", sourceDirectoryName: "Azure Active Directory", targetDirectoryName: "customappsso" });
  });

  it("maps a job requested with customappsso to customappssoOutDelta (catalogue data for the job route)", () => {
    expect(effectiveJobTemplateId(CUSTOM, "customappsso")).toBe("customappssoOutDelta");
    expect(effectiveJobTemplateId(CUSTOM, "CustomAppSSO")).toBe("customappssoOutDelta");
    expect(effectiveJobTemplateId(CUSTOM, "scim")).toBe("scim");
    expect(effectiveJobTemplateId(CUSTOM, "customappssoOutDelta")).toBe("customappssoOutDelta");
    expect(effectiveJobTemplateId(CUSTOM, "aws")).toBeUndefined();
    expect(effectiveJobTemplateId(AWS_TEMPLATE, "AWS")).toBe("aws");
    expect(jobTemplateSpec(CUSTOM, "customappsso")?.id).toBe("customappssoOutDelta");
    expect(galleryApp(CUSTOM)!.syncTemplates.filter((t) => t.default).map((t) => t.id)).toEqual(["scim"]);
    expect(galleryApp(AWS_TEMPLATE)!.syncTemplates[0].default).toBe(true);
    expect(syncTemplateSpec(CUSTOM, "customappssoRoleIn")).toMatchObject({ direction: "roleImport", groups: false });
  });

  it("accepts each template's default schema as a job schema", async () => {
    const ids = await instantiate(h, CUSTOM, "Schemas");
    for (const templateId of ["customappssoOutDelta", "customappssoRoleIn", "scim"]) {
      const created = await h.call("POST", `/servicePrincipals/${ids.spId}/synchronization/jobs`, { templateId });
      expect(created.status).toBe(201);
      const schema = (await h.call("GET", `/servicePrincipals/${ids.spId}/synchronization/templates/${templateId}/schema`)).body;
      const { "@odata.context": _c, ...clean } = schema;
      const put = await h.call("PUT", `/servicePrincipals/${ids.spId}/synchronization/jobs/${created.body.id}/schema`, clean);
      expect({ templateId, status: put.status, body: put.body }).toEqual({ templateId, status: 204, body: undefined });
    }
  });
});
