import { ENTRA_DIRECTORY } from "./sync-schema";
import { DirectoryGroup, DirectoryUser } from "./directory";
import { Entity } from "./entities";
import { Rng } from "./random";
import { JobRecord, ProvisioningLog } from "./sync-store";

/**
 * Builds provisioningObjectSummary records (CSDL names, https://learn.microsoft.com/graph/api/resources/provisioningobjectsummary)
 * and the provisionOnDemand result (the legacy JSON-in-a-string shape of the documented example).
 */
export type Principal = { kind: "User"; user: DirectoryUser } | { kind: "Group"; group: DirectoryGroup };

export interface Outcome {
  action: "create" | "update" | "other";
  status: "success" | "failure" | "skipped";
  errorCode?: string;
  reason?: string;
  /** Target attributes written (create/update), from the job's attribute mappings. */
  modified?: { displayName: string; oldValue: string | null; newValue: string }[];
  /** The scoping filter excluded the object (its scoping step is `skipped`). */
  outOfScope?: boolean;
  /** No enabled object mapping covers the object: a cycle writes no record for it. */
  noRecord?: boolean;
}

export function principalName(p: Principal): string {
  return p.kind === "User" ? p.user.userPrincipalName : p.group.displayName;
}

function principalId(p: Principal): string {
  return p.kind === "User" ? p.user.id : p.group.id;
}

/** Fallback when no mapping produced the values (e.g. on-demand failures): the source object's basics. */
function modifiedProperties(p: Principal): { displayName: string; oldValue: string | null; newValue: string }[] {
  const props: Record<string, string> =
    p.kind === "User"
      ? { objectId: p.user.id, accountEnabled: String(p.user.accountEnabled ? "True" : "False"), displayName: p.user.displayName, mailNickname: p.user.mailNickname, userPrincipalName: p.user.userPrincipalName }
      : { objectId: p.group.id, displayName: p.group.displayName, mailEnabled: p.group.mailEnabled ? "True" : "False", mailNickname: p.group.mailNickname, securityEnabled: p.group.securityEnabled ? "True" : "False" };
  return Object.entries(props).map(([displayName, newValue]) => ({ displayName, oldValue: null, newValue }));
}

export function provisioningLog(rng: Rng, tenantId: string, job: JobRecord, sp: Entity | undefined, p: Principal, o: Outcome, cycleId: string, initiatedBy: "system" | "application"): ProvisioningLog {
  const name = principalName(p);
  const target = job.targetDirectory;
  const inbound = job.inbound;
  const [srcName, dstName] = inbound ? [target, ENTRA_DIRECTORY] : [ENTRA_DIRECTORY, target];
  const spName = String(sp?.displayName ?? target);
  const exportStatus = o.status;
  return {
    id: rng.guid(),
    activityDateTime: new Date().toISOString(),
    changeId: rng.guid(),
    cycleId,
    durationInMilliseconds: 200 + rng.int(3000),
    initiatedBy: initiatedBy === "system"
      ? { id: "", displayName: "Azure AD Provisioning Service", initiatorType: "system" }
      : { id: "", displayName: "Provision on demand", initiatorType: "application" },
    jobId: job.id,
    modifiedProperties: o.modified ?? (o.action === "create" ? modifiedProperties(p) : []),
    provisioningAction: o.action,
    provisioningStatusInfo: {
      status: o.status,
      errorInformation: o.errorCode
        ? { errorCode: o.errorCode, errorCategory: "nonServiceFailure", reason: o.reason ?? null, additionalDetails: null, recommendedAction: null }
        : null,
    },
    provisioningSteps: [
      { name: "EntryImportAdd", provisioningStepType: "import", status: "success", description: `Received ${p.kind} '${name}' change of type (Add) from ${srcName}`, details: {} },
      {
        name: "EntrySynchronizationScoping",
        provisioningStepType: "scoping",
        status: o.outOfScope ? "skipped" : "success",
        description: o.outOfScope ? `${p.kind} '${name}' is out of scope: ${o.reason ?? "it does not satisfy the scoping filter"}` : `Determine if ${p.kind} in scope by evaluating against each scoping filter`,
        details: { Assigned: "True", IsActive: "True", ScopeEvaluationResult: o.outOfScope ? "False" : "True" },
      },
      { name: "EntrySynchronizationAdd", provisioningStepType: "matching", status: o.outOfScope ? "skipped" : "success", description: `${p.kind} '${name}' will be ${o.action === "create" ? "created" : o.action === "update" ? "updated" : "checked"} in ${dstName}`, details: {} },
      {
        name: o.status === "skipped" ? "EntrySynchronizationSkip" : o.action === "update" ? "EntryExportUpdate" : "EntryExportAdd",
        provisioningStepType: "export",
        status: exportStatus,
        description: o.status === "success"
          ? `${p.kind} '${name}' was ${o.action === "update" ? "updated" : "created"} in ${dstName}`
          : o.status === "skipped" ? (o.reason ?? `The state of the ${p.kind.toLowerCase()} in both the source and target systems already match.`) : `Failed to create ${p.kind} '${name}' in ${dstName}`,
        details: { ReportableIdentifier: name },
      },
    ],
    servicePrincipal: { id: job.servicePrincipalId, displayName: spName },
    sourceIdentity: { id: principalId(p), displayName: p.kind === "User" ? p.user.displayName : p.group.displayName, identityType: p.kind, details: {} },
    sourceSystem: { id: inbound ? job.servicePrincipalId : "0404601d-a9c0-4ec7-bbcd-02660120d8c9", displayName: srcName, details: {} },
    targetIdentity: { id: o.status === "success" ? rng.guid() : "", displayName: o.status === "success" ? name : "", identityType: p.kind, details: {} },
    targetSystem: {
      id: inbound ? "0404601d-a9c0-4ec7-bbcd-02660120d8c9" : job.servicePrincipalId,
      displayName: dstName,
      details: { ApplicationId: String(sp?.appId ?? ""), ServicePrincipalId: job.servicePrincipalId, ServicePrincipalDisplayName: spName },
    },
    tenantId,
  };
}

/**
 * provisionOnDemand's stringKeyStringValuePair: `key` and `value` are JSON-encoded (the example of
 * https://learn.microsoft.com/graph/api/synchronization-synchronizationjob-provisionondemand).
 */
export function onDemandResult(log: ProvisioningLog, o: Outcome, p: Principal, job: JobRecord): { key: string; value: string } {
  const result = o.status === "success" ? "Success" : o.status === "skipped" ? "Skipped" : "Failure";
  const key = JSON.stringify({
    result,
    details: o.errorCode ? { errorCode: o.errorCode, errorMessage: o.reason ?? "" } : {},
  });
  const steps = (log.provisioningSteps as { name: string; provisioningStepType: string; status: string; description: string; details: unknown }[]).map((st) => ({
    name: st.name,
    type: st.provisioningStepType[0].toUpperCase() + st.provisioningStepType.slice(1),
    status: st.status[0].toUpperCase() + st.status.slice(1),
    description: st.description,
    timestamp: log.activityDateTime,
    details: st.details,
  }));
  const source = log.sourceIdentity as { id: string; displayName: string };
  const target = log.targetIdentity as { id: string };
  const value = JSON.stringify({
    action: o.action === "create" ? "Create" : o.action === "update" ? "Update" : "Other",
    changeId: log.changeId,
    endTime: log.activityDateTime,
    modifiedProperties: log.modifiedProperties,
    provisioningSteps: steps,
    reportableIdentifier: principalName(p),
    startTime: log.activityDateTime,
    statusInfo: {
      status: result,
      errorCode: o.errorCode ?? null,
      reason: o.reason ?? null,
      additionalDetails: null,
      errorCategory: o.errorCode ? "NonServiceFailure" : null,
      recommendedAction: null,
    },
    sourceIdentity: { id: source.id, type: p.kind, displayName: source.displayName, details: null },
    sourceSystem: { id: null, name: (log.sourceSystem as { displayName: string }).displayName, details: null },
    targetIdentity: { id: target.id || null, type: p.kind === "User" ? "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User" : "urn:ietf:params:scim:schemas:core:2.0:Group", displayName: null, details: null },
    targetSystem: { id: null, name: job.factoryTag, details: null },
  });
  return { key, value };
}
