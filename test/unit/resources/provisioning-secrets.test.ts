// ProvisioningSecrets diff and read against a mocked Graph: which change is an update and which a
// replacement, and how refresh names the key that drifted (Graph never shows secret values).
import { provider } from "../../../provider/resources/provisioning-secrets";
import { graphErrorBody, mockGraph, notFound, providerModule, type MockGraph } from "./mock-graph";

const SP = "5b5b5b5b-0000-4000-8000-000000000002";
const OTHER_SP = "6c6c6c6c-0000-4000-8000-000000000004";
const JOB = "BoxOutDelta.0123456789abcdef0123456789abcdef";

const state = (overrides: Record<string, unknown> = {}) => ({
  stateVersion: 1,
  servicePrincipalId: SP,
  credentials: { BaseAddress: "https://api.box.test/scim", SecretToken: "token-1" },
  keys: ["BaseAddress", "SecretToken"],
  verifyOnRefresh: true,
  __provider: providerModule("secrets"),
  ...overrides,
});
const inputs = (overrides: Record<string, unknown> = {}) => ({
  servicePrincipalId: SP,
  credentials: { BaseAddress: "https://api.box.test/scim", SecretToken: "token-1" },
  __provider: providerModule("secrets"),
  ...overrides,
});
/** The set as GET …/synchronization/secrets shows it: secret-bearing values masked. */
const liveSet = (baseAddress = "https://api.box.test/scim") => ({
  "@odata.context": `https://graph.test/v1.0/$metadata#servicePrincipals('${SP}')/synchronization/secrets`,
  value: [
    { key: "BaseAddress", value: baseAddress },
    { key: "SecretToken", value: "*" },
    { key: "SyncAll", value: "false" },
    { key: "SyncNotificationSettings", value: JSON.stringify({ Enabled: false, DeleteThresholdEnabled: false }) },
  ],
});

let g: MockGraph;
let stderr: jest.SpyInstance;
const warnings = () => stderr.mock.calls.map((c) => String(c[0])).join("");
beforeEach(() => {
  g = mockGraph();
  stderr = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
});
afterEach(async () => {
  stderr.mockRestore();
  g.agent.assertNoPendingInterceptors();
  await g.close();
});

describe("ProvisioningSecrets diff", () => {
  it("reports no change for the same credentials", async () => {
    expect(await provider.diff(SP, state(), inputs())).toEqual({ changes: false, replaces: [], deleteBeforeReplace: true });
  });

  it("updates in place when a credential value or key changes", async () => {
    const rotated = inputs({ credentials: { BaseAddress: "https://api.box.test/scim", SecretToken: "token-2" } });
    expect(await provider.diff(SP, state(), rotated)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: true });
    const added = inputs({ credentials: { BaseAddress: "https://api.box.test/scim", SecretToken: "token-1", TestConnection: "true" } });
    expect((await provider.diff(SP, state(), added)).replaces).toEqual([]);
  });

  it("updates in place when a setting or the rotation trigger changes", async () => {
    expect(await provider.diff(SP, state(), inputs({ scope: "all" }))).toMatchObject({ changes: true, replaces: [] });
    expect(await provider.diff(SP, state(), inputs({ rotationTrigger: "2025-Q3" }))).toMatchObject({ changes: true, replaces: [] });
  });

  it("replaces, deleting first, when the service principal changes", async () => {
    expect(await provider.diff(SP, state(), inputs({ servicePrincipalId: OTHER_SP }))).toEqual({ changes: true, replaces: ["servicePrincipalId"], deleteBeforeReplace: true });
    expect(g.requests).toEqual([]);
  });
});

describe("ProvisioningSecrets read", () => {
  it("takes a BaseAddress changed in the portal as drift, keeps the masked SecretToken, and names the key on stderr", async () => {
    g.reply("GET", `/servicePrincipals/${SP}/synchronization/secrets`, 200, liveSet("https://changed.box.test/scim"));
    const result = await provider.read(SP, state({ verifyOnRefresh: false }));
    expect(result.inputs).toMatchObject({ credentials: { BaseAddress: "https://changed.box.test/scim", SecretToken: "token-1" }, verifyOnRefresh: false });
    expect(warnings()).toContain("BaseAddress was changed outside Pulumi");
  });

  it("marks the credential the target application rejects, so the next diff shows drift on it", async () => {
    g.reply("GET", `/servicePrincipals/${SP}/synchronization/secrets`, 200, liveSet());
    g.reply("GET", `/servicePrincipals/${SP}/synchronization/jobs`, 200, { value: [{ id: JOB, templateId: "BoxOutDelta", schedule: { state: "Active" } }] });
    g.reply(
      "POST",
      `/servicePrincipals/${SP}/synchronization/jobs/${JOB}/validateCredentials`,
      400,
      graphErrorBody("CredentialValidationUnavailable", "The value of 'SecretToken' is not valid: the target application answered 401 Unauthorized."),
    );
    const result = await provider.read(SP, state());
    const credentials = (result.props as { credentials: Record<string, string> }).credentials;
    expect(credentials.BaseAddress).toBe("https://api.box.test/scim");
    expect(credentials.SecretToken).not.toBe("token-1");
    expect((await provider.diff(SP, { ...result.props, __provider: providerModule("secrets") }, inputs())).changes).toBe(true);
    expect(warnings()).toContain("the saved credentials no longer validate (CredentialValidationUnavailable on SecretToken)");
  });

  it("is gone when the service principal is in deleted items", async () => {
    g.reply("GET", `/servicePrincipals/${SP}/synchronization/secrets`, 404, notFound(SP));
    g.reply("GET", `/directory/deletedItems/${SP}`, 200, { id: SP });
    expect(await provider.read(SP, state())).toEqual({});
  });
});
