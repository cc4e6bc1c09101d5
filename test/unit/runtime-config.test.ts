// How the dynamic provider reads its `entra:*` settings from the ConfigureRequest the host passes
// (provider/resources/runtime.ts): values through the public Config.get, key names (for the typo
// check) through the host Config's private `rawConfig`. Runs against the SDK's own Config class.
import { entraConfig } from "../../provider/resources/runtime";
import { hostConfig, installedSdkVersion, VERIFIED_SDK_VERSION } from "../helpers/dynamic-host";

const STACK = {
  "entra:graphEndpoint": "https://graph.example.test",
  "entra:maxRetries": "3",
  "entra:tenantId": "11111111-2222-3333-4444-555555555555",
  "entra:clientId": "66666666-7777-8888-9999-000000000000",
  "entra:clientSecret": "s3cret-value",
  "aws:region": "eu-west-1",
  "test-project:greeting": "hello",
};

let stderr: jest.SpyInstance;
beforeEach(() => {
  stderr = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
});
afterEach(() => stderr.mockRestore());

describe("entraConfig (the host's Config as @pulumi/pulumi builds it)", () => {
  it(`is checked against @pulumi/pulumi ${VERIFIED_SDK_VERSION}`, () => {
    // A new SDK version: re-run this file; if the rawConfig tests below fail, the host's Config
    // changed shape: read provider/resources/runtime.ts entraConfig and update it.
    expect(installedSdkVersion()).toBe(VERIFIED_SDK_VERSION);
  });

  it("reads every entra:* value and nothing of other namespaces", () => {
    expect(entraConfig(hostConfig(STACK))).toEqual({
      "entra:graphEndpoint": "https://graph.example.test",
      "entra:maxRetries": "3",
      "entra:tenantId": "11111111-2222-3333-4444-555555555555",
      "entra:clientId": "66666666-7777-8888-9999-000000000000",
      "entra:clientSecret": "s3cret-value",
    });
    expect(stderr).not.toHaveBeenCalled();
  });

  it("lists a mistyped entra:* key (from the host's key map), so settings can reject it", () => {
    const config = hostConfig({ ...STACK, "entra:maxRetry": "5" });
    // The private field this relies on is still there in the installed SDK.
    expect(Object.keys((config as unknown as { rawConfig: object }).rawConfig)).toContain("entra:maxRetry");
    expect(entraConfig(config)).toMatchObject({ "entra:maxRetry": "5" });
  });

  it("still reads every known key through Config.get when the host's Config has no key map, and warns", () => {
    const values = new Map(Object.entries(STACK));
    const publicOnly = { get: (k: string) => values.get(k), require: (k: string) => values.get(k)! };
    expect(entraConfig(publicOnly)).toEqual({
      "entra:graphEndpoint": "https://graph.example.test",
      "entra:maxRetries": "3",
      "entra:tenantId": "11111111-2222-3333-4444-555555555555",
      "entra:clientId": "66666666-7777-8888-9999-000000000000",
      "entra:clientSecret": "s3cret-value",
    });
    const warning = stderr.mock.calls.map((c) => String(c[0])).join("");
    expect(warning).toContain(`@pulumi/pulumi ${installedSdkVersion()} does not expose the names of the stack's config keys`);
  });
});

describe("configure() then graphSettings()", () => {
  /** A fresh copy of runtime.ts: it reads the config once per process. */
  function freshRuntime(): typeof import("../../provider/resources/runtime") {
    let runtime: typeof import("../../provider/resources/runtime") | undefined;
    jest.isolateModules(() => (runtime = require("../../provider/resources/runtime")));
    return runtime!;
  }

  it("turns the stack's entra:* config into Graph settings", () => {
    const runtime = freshRuntime();
    runtime.configure({ config: hostConfig(STACK) });
    expect(runtime.graphSettings()).toMatchObject({ graphEndpoint: "https://graph.example.test", maxRetries: 3 });
  });

  it("rejects a mistyped key, naming the closest one", () => {
    const runtime = freshRuntime();
    runtime.configure({ config: hostConfig({ ...STACK, "entra:maxRetry": "5" }) });
    expect(() => runtime.graphSettings()).toThrow(
      expect.objectContaining({ key: "entra:maxRetry", message: expect.stringContaining("entra:maxRetry is not a known setting; did you mean entra:maxRetries?") }),
    );
  });
});
