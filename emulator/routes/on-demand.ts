import { checkCredentials, connectorPrefix } from "../credentials";
import { odataContext, ok } from "../context";
import { asObject, assertKnownProperties, badRequest, notFound, tooManyRequests } from "../errors";
import { onDemandResult, Outcome, Principal, provisioningLog } from "../provisioning-records";
import { PRIMARY } from "../replication";
import { Router } from "../router";
import { Services, SYNC_WRITE } from "../services";
import { jobOf } from "./synchronization";

/**
 * POST …/jobs/{jobId}/provisionOnDemand (graph-api.md §3.2, seed 004). Exports one subject now and
 * answers with a stringKeyStringValuePair whose key and value are JSON strings. Rate limit: 5
 * requests per 10 seconds per job.
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
      } else if (!(s.dir.assignments.get(job.servicePrincipalId) ?? []).includes(objectId)) {
        outcome = { action: "other", status: "skipped", errorCode: "NotEffectivelyEntitled", reason: `The ${principal.kind.toLowerCase()} is not assigned to the application.` };
      } else {
        outcome = s.runner.export(job, principal);
      }
      const sp = s.dir.servicePrincipals.get(job.servicePrincipalId, PRIMARY);
      const log = provisioningLog(s.rng, s.tenantId, job, sp, principal, outcome, s.rng.guid(), "application");
      s.sync.appendLogs(job.id, [log]);
      s.sync.onChange();
      return ok({ "@odata.context": odataContext(ctx, "microsoft.graph.stringKeyStringValuePair"), ...onDemandResult(log, outcome, principal, job) });
    },
  });
}
