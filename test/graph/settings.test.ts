import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ConfigError, loadGraphSettings } from "../../provider/graph";

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error("expected a ConfigError");
}

describe("loadGraphSettings", () => {
  it("defaults to public cloud, v1.0 and documented limits", () => {
    expect(loadGraphSettings({}, {})).toMatchObject({
      graphEndpoint: "https://graph.microsoft.com",
      apiVersion: "v1.0",
      baseUrl: "https://graph.microsoft.com/v1.0",
      scope: "https://graph.microsoft.com/.default",
      authorityHost: "https://login.microsoftonline.com",
      disableInstanceDiscovery: false,
      maxConcurrency: 16,
      maxRetries: 10,
      operationTimeoutMs: 600_000,
    });
  });

  it("reads full and bare keys and ignores other namespaces", () => {
    const s = loadGraphSettings(
      { "entra:maxRetries": "3", maxConcurrency: "8", "aws:region": "x", "myproject:foo": "bar", "entra:apiVersion": "beta" },
      {},
    );
    expect(s).toMatchObject({ maxRetries: 3, maxConcurrency: 8, apiVersion: "beta", baseUrl: "https://graph.microsoft.com/beta" });
  });

  it("falls back to environment variables", () => {
    const s = loadGraphSettings(
      {},
      {
        AZURE_TENANT_ID: "contoso.onmicrosoft.com",
        AZURE_CLIENT_ID: "00000000-0000-0000-0000-000000000001",
        AZURE_CLIENT_SECRET: "env-secret-value",
        AZURE_AUTHORITY_HOST: "https://127.0.0.1:8443",
        ENTRA_GRAPH_ENDPOINT: "https://127.0.0.1:8443/v1.0/",
      },
    );
    expect(s).toMatchObject({
      tenantId: "contoso.onmicrosoft.com",
      clientId: "00000000-0000-0000-0000-000000000001",
      clientSecret: "env-secret-value",
      graphEndpoint: "https://127.0.0.1:8443",
      apiVersion: "v1.0",
      authorityHost: "https://127.0.0.1:8443",
      disableInstanceDiscovery: true,
    });
  });

  it("cloud sets endpoint and authority together; explicit keys override", () => {
    expect(loadGraphSettings({ "entra:cloud": "usgov" }, { AZURE_AUTHORITY_HOST: "https://login.microsoftonline.com" })).toMatchObject({
      graphEndpoint: "https://graph.microsoft.us",
      authorityHost: "https://login.microsoftonline.us",
    });
    expect(loadGraphSettings({ "entra:cloud": "china", "entra:graphEndpoint": "https://graph.example.cn" }, {})).toMatchObject({
      graphEndpoint: "https://graph.example.cn",
      authorityHost: "https://login.chinacloudapi.cn",
    });
  });

  it.each([
    ["entra:maxRetries", "x", 'entra:maxRetries must be an integer between 0 and 20, got "x"'],
    ["entra:maxRetries", "21", "entra:maxRetries must be an integer between 0 and 20"],
    ["entra:maxConcurrency", "0", "entra:maxConcurrency must be an integer between 1 and 256"],
    ["entra:operationTimeout", "1.5", "entra:operationTimeout must be an integer between 1 and 86400"],
    ["entra:apiVersion", "v2", 'entra:apiVersion must be "v1.0" or "beta"'],
    ["entra:cloud", "mars", "entra:cloud must be one of public, usgov, china"],
    ["entra:graphEndpoint", "not a url", "entra:graphEndpoint must be an absolute URL"],
    ["entra:graphEndpoint", "http://graph.microsoft.com", "entra:graphEndpoint must use https"],
    ["entra:authorityHost", "ftp://x", "entra:authorityHost must use https"],
    ["entra:tenantId", "bad tenant!", "entra:tenantId must be a GUID or a domain name"],
    ["entra:clientId", "a b", "entra:clientId must be a GUID"],
    ["entra:caFile", "/nonexistent/ca.pem", "entra:caFile must name a readable file"],
    ["entra:clientCertificatePath", "/nonexistent/cert.pem", "entra:clientCertificatePath must name a readable file"],
  ])("rejects %s=%j naming the key", (key, value, message) => {
    const e = configError(() => loadGraphSettings({ [key]: value }, {}));
    expect(e.code).toBe("CONFIG_INVALID");
    expect(e.key).toBe(key);
    expect(e.message).toContain(message);
  });

  it("says what to do for an invalid number", () => {
    expect(configError(() => loadGraphSettings({ "entra:maxRetries": "x" }, {})).message).toBe(
      'entra:maxRetries must be an integer between 0 and 20, got "x". Set it with `pulumi config set entra:maxRetries <n>` or remove it to use the default (10).',
    );
  });

  it("rejects unknown entra keys with the closest valid key", () => {
    const e = configError(() => loadGraphSettings({ "entra:maxRetry": "3" }, {}));
    expect(e.key).toBe("entra:maxRetry");
    expect(e.message).toContain("did you mean entra:maxRetries?");
    expect(configError(() => loadGraphSettings({ "entra:clientSecert": "s3cr3t-value" }, {})).message).toContain(
      "did you mean entra:clientSecret?",
    );
    expect(configError(() => loadGraphSettings({ "entra:zzzzzzzzzzzzzzzz": "1" }, {})).message).not.toContain("did you mean");
  });

  it("requires tenant and client ids with a secret, without echoing the secret", () => {
    const e = configError(() => loadGraphSettings({ "entra:clientSecret": "super-secret-value-123" }, {}));
    expect(e.key).toBe("entra:tenantId");
    expect(e.message).not.toContain("super-secret-value-123");
    const e2 = configError(() => loadGraphSettings({ "entra:clientSecret": "super-secret-value-123", "entra:tenantId": "t" }, {}));
    expect(e2.key).toBe("entra:clientId");
  });

  it("accepts caFile from config or ENTRA_CA_FILE and allows http only on loopback", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "graph-settings-"));
    const ca = path.join(dir, "ca.pem");
    fs.writeFileSync(ca, "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n");
    expect(loadGraphSettings({}, { ENTRA_CA_FILE: ca }).caFile).toBe(ca);
    expect(loadGraphSettings({ "entra:caFile": ca, "entra:graphEndpoint": "http://127.0.0.1:1234" }, {})).toMatchObject({
      caFile: ca,
      graphEndpoint: "http://127.0.0.1:1234",
    });
  });
});
