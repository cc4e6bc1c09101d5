/**
 * Microsoft Graph emulator: a local, documented-behaviour stand-in for the Graph endpoints that app
 * provisioning uses (application templates, applications, service principals, synchronization,
 * provisioning logs), with an OAuth2 token endpoint, eventual consistency, throttling and faults.
 * See emulator/README.md.
 */
export type { EmulatorOptions, RunningEmulator } from "./options";
export { startEmulator } from "./server";
export { providerConfig, providerConfigValues } from "./provider-config";
export type { EmulatorEndpoints, ProviderConfigValue } from "./provider-config";
export { requiredCredentialKeys, GALLERY, CUSTOM_TEMPLATE_ID } from "./catalogue";
export { REJECT_PREFIX } from "./credentials";
