import { defaultSchema, galleryApp, jobTemplateSpec, SyncTemplateSpec } from "../catalogue";
import { checkCredentials, connectorPrefix, parseKeyValues } from "../credentials";
import { created, noContent, odataContext, ok, RequestContext } from "../context";
import { DirectoryType, Entity } from "../entities";
import { asObject, assertKnownProperties, badRequest, GraphError } from "../errors";
import { Router } from "../router";
import { schemaProblems } from "../schema-mapping";
import { Services, SYNC_READ, SYNC_WRITE } from "../services";
import { JobRecord, jobEntity, newJobStatus, NO_SCHEDULE } from "../sync-store";
import { lookup } from "./directory-objects";

/**
 * Synchronization under a service principal (https://learn.microsoft.com/graph/api/resources/synchronization-overview):
 * templates, jobs and their actions, and job schemas. The service-principal lookup in front goes
 * through the request's replica, so a just-instantiated app's synchronization endpoints can briefly
 * 404, as the docs warn.
 */
const SP = "/servicePrincipals/{id}/synchronization";
const JOB = `${SP}/jobs/{jobId}`;
export const RESET_SCOPES = new Set(["None", "ConnectorDataStore", "Escrows", "Watermark", "QuarantineState", "Full", "ForceDeletes"]);

function specsFor(entity: Entity): SyncTemplateSpec[] {
  const app = entity.applicationTemplateId ? galleryApp(String(entity.applicationTemplateId)) : undefined;
  return app?.syncTemplates ?? [];
}

function templateEntity(spec: SyncTemplateSpec, owner: Entity, ctx: RequestContext): Record<string, unknown> {
  const v1 = ctx.version === "v1.0";
  return {
    id: spec.id,
    applicationId: owner.appId,
    default: spec.default,
    description: `${spec.targetDirectory} provisioning connector`,
    discoverable: true,
    factoryTag: spec.factoryTag,
    metadata: [
      { key: v1 ? "GalleryApplicationIdentifier" : "galleryApplicationIdentifier", value: spec.factoryTag },
      { key: v1 ? "GalleryApplicationKey" : "galleryApplicationKey", value: spec.id },
    ],
    schema: defaultSchema(spec),
  };
}

function findSpec(owner: Entity, templateId: string): SyncTemplateSpec {
  const spec = specsFor(owner).find((t) => t.id.toLowerCase() === templateId.toLowerCase());
  if (!spec) throw new GraphError(404, "ResourceNotFound", `Synchronization template '${templateId}' was not found.`);
  return spec;
}

export function jobOf(s: Services, ctx: RequestContext): JobRecord {
  const sp = lookup(s, "servicePrincipal", ctx);
  const job = s.sync.job(sp.id, ctx.params.jobId);
  if (!job) throw new GraphError(404, "ResourceNotFound", `Synchronization job '${ctx.params.jobId}' was not found for service principal '${sp.id}'.`);
  return job;
}

function validateSchema(body: Record<string, unknown>): Record<string, unknown> {
  assertKnownProperties(body, new Set(["id", "version", "directories", "synchronizationRules"]), "synchronizationSchema");
  if (!Array.isArray(body.directories) || !Array.isArray(body.synchronizationRules)) {
    throw badRequest("A synchronizationSchema needs 'directories' and 'synchronizationRules' arrays.");
  }
  for (const rule of body.synchronizationRules as Record<string, unknown>[]) {
    if (!rule || typeof rule !== "object" || typeof rule.id !== "string") throw badRequest("Every synchronizationRule needs a string 'id'.");
  }
  const problems = schemaProblems(body);
  if (problems.length) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? "s" : ""}; see details)` : "";
    throw badRequest(`The synchronization schema is not valid: ${problems[0].target}: ${problems[0].message}${more}`, problems);
  }
  return body;
}

function registerTemplates(router: Router, s: Services, owner: DirectoryType, base: string): void {
  const get = (ctx: RequestContext) => lookup(s, owner, ctx);
  router.add({
    method: "GET", pattern: `${base}/templates`, permission: SYNC_READ, identity: true,
    handler: (ctx) => {
      const entity = get(ctx);
      return ok({ "@odata.context": odataContext(ctx, `${owner}s('${entity.id}')/synchronization/templates`), value: specsFor(entity).map((t) => templateEntity(t, entity, ctx)) });
    },
  });
  router.add({
    method: "GET", pattern: `${base}/templates/{templateId}`, permission: SYNC_READ, identity: true,
    handler: (ctx) => {
      const entity = get(ctx);
      return ok(templateEntity(findSpec(entity, ctx.params.templateId), entity, ctx));
    },
  });
  router.add({
    method: "GET", pattern: `${base}/templates/{templateId}/schema`, permission: SYNC_READ, identity: true,
    handler: (ctx) => ok(defaultSchema(findSpec(get(ctx), ctx.params.templateId))),
  });
}

export function registerSynchronizationRoutes(router: Router, s: Services): void {
  registerTemplates(router, s, "servicePrincipal", SP);
  registerTemplates(router, s, "application", "/applications/{id}/synchronization");

  router.add({
    method: "GET", pattern: `${SP}/jobs`, permission: SYNC_READ, identity: true,
    handler: (ctx) => {
      const sp = lookup(s, "servicePrincipal", ctx);
      const jobs = [...(s.sync.jobs.get(sp.id)?.values() ?? [])];
      return ok({ "@odata.context": odataContext(ctx, `servicePrincipals('${sp.id}')/synchronization/jobs`), value: jobs.map(jobEntity) });
    },
  });

  router.add({
    method: "POST", pattern: `${SP}/jobs`, permission: SYNC_WRITE, identity: true,
    handler: (ctx) => {
      const sp = lookup(s, "servicePrincipal", ctx);
      const body = asObject(ctx.body, "create synchronizationJob");
      assertKnownProperties(body, new Set(["templateId"]), "synchronizationJob");
      if (typeof body.templateId !== "string" || body.templateId === "") throw badRequest("The property 'templateId' is required.");
      // The job may run under a variant of the requested template (customappsso → customappssoOutDelta; FIDELITY.md).
      const spec = jobTemplateSpec(sp.applicationTemplateId as string | null, body.templateId);
      if (!spec) {
        throw badRequest(`The template '${body.templateId}' is not one of the synchronization templates of this service principal ` +
          `(available: ${specsFor(sp).map((t) => t.id).join(", ") || "none"}).`);
      }
      const job: JobRecord = {
        id: `${spec.id}.${s.rng.hex(32)}`,
        templateId: spec.id,
        servicePrincipalId: sp.id,
        schedule: { expiration: null, interval: NO_SCHEDULE, state: "Disabled" },
        status: newJobStatus(),
        synchronizationJobSettings: [{ name: "QuarantineTooManyDeletesThreshold", value: "500" }],
        schema: defaultSchema(spec),
        provisioned: [],
        requiredKeys: [...spec.requiredKeys],
        targetDirectory: spec.targetDirectory,
        factoryTag: spec.factoryTag,
        inbound: spec.direction === "inbound",
        groups: spec.groups,
        fullSyncPending: false,
        createdDateTime: new Date().toISOString(),
      };
      s.sync.addJob(job);
      return created({ "@odata.context": odataContext(ctx, `servicePrincipals('${sp.id}')/synchronization/jobs/$entity`), ...jobEntity(job) });
    },
  });

  router.add({
    method: "GET", pattern: JOB, permission: SYNC_READ, identity: true,
    handler: (ctx) => ok({ "@odata.context": odataContext(ctx, "servicePrincipals('…')/synchronization/jobs/$entity"), ...jobEntity(jobOf(s, ctx)) }),
  });

  // No PATCH on a job: Graph documents no update method for synchronizationJob, and a PATCH
  // answers 404 UnknownError "No HTTP resource was found…" (graph-dispatch.ts, FIDELITY.md).

  router.add({
    method: "DELETE", pattern: JOB, permission: SYNC_WRITE, identity: true,
    handler: (ctx) => {
      s.sync.removeJob(jobOf(s, ctx));
      return noContent();
    },
  });

  const start = (job: JobRecord): void => {
    job.status.quarantine = null;
    if (job.status.code !== "Active") job.status.code = job.status.lastSuccessfulExecution ? "Active" : "NotRun";
    job.schedule = { expiration: null, interval: "PT40M", state: "Active" };
    s.runner.start(job);
    s.sync.onChange();
  };

  router.add({
    method: "POST", pattern: `${JOB}/start`, permission: SYNC_WRITE, identity: true,
    handler: (ctx) => {
      start(jobOf(s, ctx));
      return noContent();
    },
  });

  router.add({
    method: "POST", pattern: `${JOB}/pause`, permission: SYNC_WRITE, identity: true,
    handler: (ctx) => {
      const job = jobOf(s, ctx);
      s.runner.stop(job);
      job.status.code = "Paused";
      job.schedule = { ...job.schedule, state: "Paused" };
      s.sync.onChange();
      return noContent();
    },
  });

  router.add({
    method: "POST", pattern: `${JOB}/restart`, permission: SYNC_WRITE, identity: true,
    handler: (ctx) => {
      const job = jobOf(s, ctx);
      const body = ctx.body === undefined ? {} : asObject(ctx.body, "restart");
      assertKnownProperties(body, new Set(["criteria"]), "synchronizationJob.restart");
      let scopes = new Set<string>();
      if (body.criteria !== undefined && body.criteria !== null) {
        const criteria = asObject(body.criteria, "criteria");
        assertKnownProperties(criteria, new Set(["resetScope"]), "synchronizationJobRestartCriteria");
        if (typeof criteria.resetScope !== "string") throw badRequest("'criteria.resetScope' must be a comma-separated string of synchronizationJobRestartScope flags.");
        scopes = new Set(criteria.resetScope.split(",").map((x) => x.trim()).filter(Boolean));
        for (const sc of scopes) if (!RESET_SCOPES.has(sc)) throw badRequest(`The value '${sc}' is not a valid 'microsoft.graph.synchronizationJobRestartScope' member.`);
      }
      // Restart resets what resetScope names and forces the next cycle to re-evaluate every object;
      // it does not start a job: a paused (or never started) job stays so until `start`.
      const full = scopes.has("Full");
      if (full || scopes.has("ConnectorDataStore") || scopes.has("Watermark")) {
        job.provisioned = [];
        job.exported = {};
        job.skippedDeletions = [];
      }
      if (full || scopes.has("Escrows")) job.status.escrowsPruned = true;
      const quarantine = job.status.quarantine as { reason?: string } | null;
      if (scopes.has("ForceDeletes")) job.forceDeletes = true;
      if (quarantine && (full || scopes.has("QuarantineState") || (scopes.has("ForceDeletes") && quarantine.reason === "TooManyDeletes"))) {
        job.status.quarantine = null;
        job.status.countSuccessiveCompleteFailures = 0;
        if (job.status.code === "Quarantine") job.status.code = job.status.lastSuccessfulExecution ? "Active" : "NotRun";
      } else if (full || scopes.has("QuarantineState")) {
        job.status.countSuccessiveCompleteFailures = 0;
      }
      job.fullSyncPending = true;
      if (job.schedule.state === "Active") s.runner.start(job);
      s.sync.onChange();
      return noContent();
    },
  });

  router.add({
    method: "POST", pattern: `${JOB}/validateCredentials`, permission: SYNC_WRITE, identity: true,
    handler: (ctx) => {
      const job = jobOf(s, ctx);
      const body = asObject(ctx.body, "validateCredentials");
      assertKnownProperties(body, new Set(["useSavedCredentials", "credentials", "applicationIdentifier", "templateId"]), "synchronizationJob.validateCredentials");
      const useSaved = body.useSavedCredentials === true;
      if (body.useSavedCredentials !== undefined && typeof body.useSavedCredentials !== "boolean") throw badRequest("'useSavedCredentials' must be a Boolean.");
      // With useSavedCredentials the docs say `credentials` is ignored.
      const creds = useSaved ? s.sync.secrets.get(job.servicePrincipalId) ?? [] : parseKeyValues(body.credentials ?? [], "credentials");
      const problem = checkCredentials(job.requiredKeys, creds, connectorPrefix(job.factoryTag, job.targetDirectory));
      if (problem) throw new GraphError(400, problem.code, problem.message, {}, [{ code: problem.code, message: problem.message, target: problem.key }]);
      return noContent();
    },
  });

  router.add({
    method: "GET", pattern: `${JOB}/schema`, permission: SYNC_READ, identity: true,
    handler: (ctx) => ok({ "@odata.context": odataContext(ctx, "servicePrincipals('…')/synchronization/jobs('…')/schema/$entity"), ...jobOf(s, ctx).schema }),
  });

  router.add({
    method: "PUT", pattern: `${JOB}/schema`, permission: SYNC_WRITE, identity: true,
    handler: (ctx) => {
      const job = jobOf(s, ctx);
      job.schema = { ...validateSchema(asObject(ctx.body, "PUT schema")), id: job.templateId };
      s.sync.onChange();
      return noContent();
    },
  });

  router.add({
    method: "DELETE", pattern: `${JOB}/schema`, permission: SYNC_WRITE, identity: true,
    handler: (ctx) => {
      const job = jobOf(s, ctx);
      const sp = lookup(s, "servicePrincipal", ctx);
      job.schema = defaultSchema(findSpec(sp, job.templateId));
      s.sync.onChange();
      return noContent();
    },
  });

}
