import { checkCredentials, connectorPrefix } from "../credentials";
import { odataContext, ok } from "../context";
import { asObject, assertKnownProperties, badRequest, notFound, tooManyRequests } from "../errors";
import { onDemandResult, Outcome, Principal, provisioningLog } from "../provisioning-records";
import { ProvisioningLog } from "../sync-store";
import { PRIMARY } from "../replication";
import { Router } from "../router";
import { Services, SYNC_WRITE } from "../services";
import { jobOf } from "./synchronization";

/**
 * A subject outside the job's scope (not assigned, directly or through an assigned group, and
 * SyncAll not "true") is skipped with SkipReason NotEffectivelyEntitled; the scoping step reports
 * it unassigned (sources in FIDELITY.md, "App role assignments").
 */
const NOT_ENTITLED = "NotEffectivelyEntitled";
const NOT_ASSIGNED_REASON =
  "This object is not assigned to the application. If you did not expect the object to be skipped, assign the object to the application or change the scoping filter.";

/**
 * The steps of a record skipped for want of assignment: scoping `skipped` with the documented
 * scoping details (Graph logs name them "Active in the source system", "Assigned to the
 * application", …; the on-demand page shows SkipReason and IsActive), no matching and no export.
 * `Assigned` is the emulator's short key for the same fact (a Decision in FIDELITY.md).
 */
function markUnassigned(log: ProvisioningLog, p: Principal): void {
  const active = p.kind === "User" ? (p.user.accountEnabled ? "True" : "False") : "True";
  const steps = log.provisioningSteps as { provisioningStepType: string; status: string; details: Record<string, unknown> }[];
  for (const step of steps) {
    if (step.provisioningStepType === "scoping") {
      step.status = "skipped";
      step.details = {
        ...step.details,
        Assigned: "False",
        IsActive: active,
        SkipReason: NOT_ENTITLED,
        "Active in the source system": active,
        "Assigned to the application": "False",
      };
    } else if (step.provisioningStepType === "matching" || step.provisioningStepType === "export") {
      step.status = "skipped";
    }
  }
}

/**
 * POST …/jobs/{jobId}/provisionOnDemand (https://learn.microsoft.com/graph/api/synchronization-synchronizationjob-provisionondemand).
 * Exports one subject now and answers with a stringKeyStringValuePair whose key and value are JSON
 * strings. Rate limit: 5 requests per 10 seconds per job.
 */
export function registerOnDemandRoutes(router: Router, s: Services): void {
  router.add({
    method: "POST",
    pattern: "/servicePrincipals/{id}/synchronization/jobs/{jobId}/provisionOnDemand",
    permission: SYNC_WRITE,
    identity: true,
    handler: (ctx) => {
      const job = jobOf(s, ctx);
      const wait = s.onDemandLimiter.hit(job.id);
      if (wait) throw tooManyRequests(wait);
      const body = asObject(ctx.body, "provisionOnDemand");
      assertKnownProperties(body, new Set(["parameters"]), "synchronizationJob.provisionOnDemand");
      if (!Array.isArray(body.parameters) || body.parameters.length !== 1) {
        throw badRequest("'parameters' must be an array with exactly one synchronizationJobApplicationParameters.");
      }
      const param = asObject(body.parameters[0], "parameters[0]");
      assertKnownProperties(param, new Set(["ruleId", "subjects"]), "synchronizationJobApplicationParameters");
      const rules = (job.schema.synchronizationRules as { id: string }[]) ?? [];
      if (typeof param.ruleId !== "string" || !rules.some((r) => r.id === param.ruleId)) {
        throw badRequest(`The ruleId '${String(param.ruleId)}' does not match a synchronizationRule of the job's schema (${rules.map((r) => r.id).join(", ")}).`);
      }
      if (!Array.isArray(param.subjects) || param.subjects.length !== 1) throw badRequest("'subjects' must contain exactly one synchronizationJobSubject.");
      const subject = asObject(param.subjects[0], "subjects[0]");
      assertKnownProperties(subject, new Set(["objectId", "objectTypeName", "links"]), "synchronizationJobSubject");
      const type = String(subject.objectTypeName ?? "").toLowerCase();
      if (type !== "user" && type !== "group") throw badRequest("'objectTypeName' must be 'User' or 'Group'.");
      const objectId = String(subject.objectId ?? "");
      const user = type === "user" ? s.dir.users.get(objectId) : undefined;
      const group = type === "group" ? s.dir.groups.get(objectId) : undefined;
      if (!user && !group) throw notFound(objectId);
      const principal: Principal = user ? { kind: "User", user } : { kind: "Group", group: group! };

      const prefix = connectorPrefix(job.factoryTag, job.targetDirectory);
      const problem = checkCredentials(job.requiredKeys, s.sync.secrets.get(job.servicePrincipalId) ?? [], prefix);
      let outcome: Outcome;
      if (problem) {
        outcome = { action: "other", status: "failure", errorCode: problem.code, reason: problem.message };
      } else if (!s.runner.entitled(job, objectId, ctx.replica)) {
        outcome = { action: "other", status: "skipped", errorCode: NOT_ENTITLED, reason: NOT_ASSIGNED_REASON };
      } else {
        outcome = s.runner.export(job, principal);
      }
      const sp = s.dir.servicePrincipals.get(job.servicePrincipalId, PRIMARY);
      const log = provisioningLog(s.rng, s.tenantId, job, sp, principal, outcome, s.rng.guid(), "application");
      if (outcome.errorCode === NOT_ENTITLED) markUnassigned(log, principal);
      s.sync.appendLogs(job.id, [log]);
      s.sync.onChange();
      return ok({ "@odata.context": odataContext(ctx, "microsoft.graph.stringKeyStringValuePair"), ...onDemandResult(log, outcome, principal, job) });
    },
  });
}
