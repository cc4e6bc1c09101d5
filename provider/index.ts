// pulumi-entra-provisioning: Pulumi dynamic resources for Microsoft Entra app provisioning
// through Microsoft Graph.
import { EntraError } from "./errors";

export { GalleryApplication, type GalleryApplicationArgs } from "./resources/gallery-application";
export { ProvisioningSecrets, type ProvisioningSecretsArgs } from "./resources/provisioning-secrets";
export { ProvisioningJob, type ProvisioningJobArgs, type JobStatusSummary } from "./resources/provisioning-job";
export { ProvisionedApplication, type ProvisionedApplicationArgs } from "./resources/provisioned-application";
export {
  ProvisioningSchema, type ProvisioningSchemaArgs, type SchemaSpec, type ObjectMappingSpec, type AttributeMappingSpec, type ScopeGroupSpec, type ScopeClauseSpec,
} from "./resources/provisioning-schema";
export { AppRoleAssignment, type AppRoleAssignmentArgs } from "./resources/app-role-assignment";
export { ProvisionOnDemand, type ProvisionOnDemandArgs, type ProvisionOnDemandSubjectResult } from "./resources/provision-on-demand";
export * from "./functions";
export { loadFleet, declareFleet, FleetFileError, type FleetInstance, type CredentialRef } from "./fleet";
export { EntraError, isEntraError, InputError, ERROR_CODES, type EntraErrorCode } from "./errors";
export { GraphError, isGraphError, ConfigError, type GraphErrorCode } from "./graph";
export { TemplateLookupError } from "./functions/templates";
export { RuleSelectionError } from "./functions/on-demand";
export { ExpressionError } from "./resources/schema-expression";

/**
 * Short, stable ids of resource kinds, as stored in every resource's serialized provider (kept
 * short because that text is stored twice per resource). Never rename an id: state refers to it.
 */
const KINDS: Record<string, string> = {
  app: "./resources/gallery-application",
  secrets: "./resources/provisioning-secrets",
  job: "./resources/provisioning-job",
  schema: "./resources/provisioning-schema",
  pod: "./resources/provision-on-demand",
  assign: "./resources/app-role-assignment",
};

/**
 * The implementation of a resource kind, loaded on first use. Called by the serialized provider
 * shims inside the dynamic-provider process; not part of the programming API.
 * @internal
 */
export function impl(kind: string): unknown {
  const module = KINDS[kind];
  if (!module) throw new EntraError("PACKAGE_OUTDATED", `unknown resource kind "${kind}": the installed pulumi-entra-provisioning is older than the one that wrote this state; upgrade it.`);
  return require(module).provider;
}
