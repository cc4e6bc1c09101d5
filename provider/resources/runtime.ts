// Process-wide state of the dynamic-provider host: Graph settings read once from the stack
// config passed to configure() (or from the environment), and the one shared Graph client.
// Every resource kind's shim calls configure(); settings are loaded on the first call only.
import type * as pulumi from "@pulumi/pulumi";
import { getGraphClient, loadGraphSettings, type GraphClient, type GraphSettings } from "../graph";
import { GRAPH_SETTING_KEYS } from "../graph/settings";

const NAMESPACE = "entra";

let stackConfig: Record<string, string> | undefined;
let settings: GraphSettings | undefined;
let injectedClient: GraphClient | undefined;

/** Called by every shim's configure(); the host calls it once per resource kind and process. */
export function configure(req: pulumi.dynamic.ConfigureRequest): void {
  if (stackConfig !== undefined) return;
  stackConfig = entraConfig(req.config);
}

/**
 * The `entra:*` entries of the stack config the host passes to configure().
 *
 * Values are read through `Config.get`, the public interface of `pulumi.dynamic.ConfigureRequest`,
 * so every setting arrives whatever the SDK keeps inside its Config. That interface cannot list
 * keys, though, and listing them is what lets settings reject a mistyped key (`entra:maxRetry`)
 * instead of ignoring it: the names come from the host Config's `rawConfig` field, which is
 * private (@pulumi/pulumi cmd/dynamic-provider/config.js). Should an SDK drop it, only that typo
 * check is lost, with a warning; test/unit/runtime-config.test.ts fails on such an SDK.
 */
export function entraConfig(config: pulumi.dynamic.Config): Record<string, string> {
  const keys = new Set([...GRAPH_SETTING_KEYS.map((k) => `${NAMESPACE}:${k}`), ...listedKeys(config)]);
  const out: Record<string, string> = {};
  for (const key of keys) {
    const value = config.get(key);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** The `entra:*` keys the host's Config holds, from its private key map; [] (and a warning) without one. */
function listedKeys(config: pulumi.dynamic.Config): string[] {
  const raw = (config as unknown as { rawConfig?: unknown }).rawConfig;
  if (raw === null || typeof raw !== "object") {
    // Stderr is shown by the engine as the provider's diagnostics.
    process.stderr.write(
      `warning: @pulumi/pulumi ${sdkVersion()} does not expose the names of the stack's config keys to dynamic providers; ` +
        `entra:* settings are read as usual, but a mistyped entra:* key is not reported. Please report this to pulumi-entra-provisioning.\n`,
    );
    return [];
  }
  return Object.keys(raw).filter((k) => k.startsWith(`${NAMESPACE}:`));
}

function sdkVersion(): string {
  try {
    return (require("@pulumi/pulumi/version") as { version: string }).version;
  } catch {
    return "(unknown version)";
  }
}

/** Settings for this process. Throws ConfigError (naming the key) on an invalid value. */
export function graphSettings(): GraphSettings {
  if (injectedClient) return injectedClient.settings;
  settings ??= loadGraphSettings(stackConfig ?? {}, process.env);
  return settings;
}

export function graph(): GraphClient {
  return injectedClient ?? getGraphClient(graphSettings());
}

/**
 * Tests only: every resource in this process talks to Graph through `client` (e.g. a GraphClient
 * whose dispatcher is an undici MockAgent), and its settings are this process's settings.
 * `undefined` restores the client built from the stack config.
 */
export function setGraphForTesting(client: GraphClient | undefined): void {
  injectedClient = client;
}

/** The deadline for one resource operation, from `entra:operationTimeout`. */
export function operationTimeoutMs(): number {
  return graphSettings().operationTimeoutMs;
}
