// Process-wide state of the dynamic-provider host: Graph settings read once from the stack
// config passed to configure() (or from the environment), and the one shared Graph client.
// Every resource kind's shim calls configure(); settings are loaded on the first call only.
import type * as pulumi from "@pulumi/pulumi";
import { getGraphClient, loadGraphSettings, type GraphClient, type GraphSettings } from "../graph";

let rawConfig: Record<string, string | undefined> | undefined;
let settings: GraphSettings | undefined;

/** Called by every shim's configure(); the host calls it once per resource kind and process. */
export function configure(req: pulumi.dynamic.ConfigureRequest): void {
  if (rawConfig !== undefined) return;
  // The host's Config keeps the whole stack config in `rawConfig`; reading it lets settings
  // reject unknown `entra:*` keys instead of silently ignoring a typo.
  const config = req.config as unknown as { rawConfig?: Record<string, string> };
  rawConfig = config.rawConfig ?? {};
}

/** Settings for this process. Throws ConfigError (naming the key) on an invalid value. */
export function graphSettings(): GraphSettings {
  settings ??= loadGraphSettings(rawConfig ?? {}, process.env);
  return settings;
}

export function graph(): GraphClient {
  return getGraphClient(graphSettings());
}

/** The deadline for one resource operation, from `entra:operationTimeout`. */
export function operationTimeoutMs(): number {
  return graphSettings().operationTimeoutMs;
}
