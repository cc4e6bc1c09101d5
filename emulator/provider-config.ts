/**
 * The provider's stack config (`entra:*`, README "Configuration") that points it at an emulator: the one
 * mapping from an emulator to provider settings, used by the demo, the benchmarks and the tests. Only
 * the keys' spelling is known here; the emulator imports nothing from provider/.
 */
import type { RunningEmulator } from "./options";

/** What the mapping needs of an emulator: a running one, or its connection details. */
export type EmulatorEndpoints = Pick<RunningEmulator, "graphUrl" | "authorityHost" | "tenantId" | "clientId" | "clientSecret" | "caFile">;

/** One stack config value, as Pulumi's Automation API takes it (its ConfigMap). */
export interface ProviderConfigValue {
  value: string;
  secret?: boolean;
}

/** The provider's config for `emu`: the client secret marked secret, `entra:caFile` only when it serves TLS. */
export function providerConfig(emu: EmulatorEndpoints): Record<string, ProviderConfigValue> {
  return {
    "entra:graphEndpoint": { value: emu.graphUrl },
    "entra:authorityHost": { value: emu.authorityHost },
    "entra:tenantId": { value: emu.tenantId },
    "entra:clientId": { value: emu.clientId },
    "entra:clientSecret": { value: emu.clientSecret, secret: true },
    ...(emu.caFile ? { "entra:caFile": { value: emu.caFile } } : {}),
  };
}

/** The same config as plain key → value, the form the provider's loadGraphSettings reads. */
export function providerConfigValues(emu: EmulatorEndpoints): Record<string, string> {
  return Object.fromEntries(Object.entries(providerConfig(emu)).map(([key, { value }]) => [key, value]));
}
