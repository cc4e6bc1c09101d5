// What Pulumi's Node.js dynamic-provider host (@pulumi/pulumi cmd/dynamic-provider/index.js) hands
// a provider, rebuilt from the SDK's own modules so that tests run our code against the real thing.
import type * as pulumi from "@pulumi/pulumi";

/** The SDK version these helpers (and test/unit/shim-contract.test.ts) were checked against. */
export const VERIFIED_SDK_VERSION = "3.248.0";

/** The installed @pulumi/pulumi version. */
export function installedSdkVersion(): string {
  return (require("@pulumi/pulumi/version") as { version: string }).version;
}

/**
 * The `config` of the ConfigureRequest the host passes to a provider's configure(): the host's own
 * Config class over the stack config map (full keys, e.g. `entra:graphEndpoint`).
 */
export function hostConfig(stack: Record<string, string>, project = "test-project"): pulumi.dynamic.Config {
  const { Config } = require("@pulumi/pulumi/cmd/dynamic-provider/config") as {
    Config: new (raw: Record<string, string>, project: string) => pulumi.dynamic.Config;
  };
  return new Config(stack, project);
}
