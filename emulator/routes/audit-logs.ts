import { assertDirectoryAuditRead, DirectoryAuditLog, getDirectoryAudit, listDirectoryAudits, permissionMissing } from "../directory-audits";
import { grantedPermissions } from "../auth";
import { RequestContext } from "../context";
import { GraphError, tooManyRequests } from "../errors";
import { matches, orderByReport, page, readFilter, rejectUnsupportedOptions } from "../odata";
import { Router } from "../router";
import { Services } from "../services";

/**
 * The reporting APIs under /auditLogs (https://learn.microsoft.com/graph/api/provisioningobjectsummary-list;
 * FIDELITY.md "Directory audit logs"):
 *
 * - GET /auditLogs/provisioning: newest first, $filter, $orderby (activityDateTime asc|desc), $top and
 *   $skiptoken paging. Filters are case-sensitive except provisioningStatusInfo/status (whose values
 *   are lower-case anyway).
 * - GET /auditLogs/directoryAudits and /{id}: records the emulator writes for every accepted write
 *   (directory-audits.ts).
 *
 * Both are "identity and access reports": one limit of 5 requests per 10 s per app per tenant covers
 * them together (throttling-limits), and a token without the permission gets the reporting
 * service's 403 Authentication_MSGraphPermissionMissing naming it.
 */
const SORTABLE = new Set(["activityDateTime"]);
const FILTERABLE = new Set([
  "id", "tenantId", "jobId", "changeId", "cycleId", "provisioningAction", "activityDateTime", "durationInMilliseconds",
  "provisioningStatusInfo/status", "sourceSystem/displayName", "targetSystem/displayName", "sourceIdentity/identityType",
  "targetIdentity/identityType", "sourceIdentity/id", "targetIdentity/id", "sourceIdentity/displayName",
  "targetIdentity/displayName", "servicePrincipal/id", "servicePrincipal/displayName", "initiatedBy/displayName",
]);

export function registerAuditLogRoutes(router: Router, s: Services, audits?: DirectoryAuditLog): void {
  const reportsLimit = (ctx: RequestContext): void => {
    const wait = s.reportsLimiter.hit(`${ctx.claims.appid}:${ctx.claims.tid}`);
    if (wait) throw tooManyRequests(wait);
  };
  // provisioningObjectSummary: AuditLog.Read.All (application permissions of provisioningobjectsummary-list).
  const provisioningRead = (ctx: RequestContext): void => {
    if (!grantedPermissions(ctx.claims).includes("AuditLog.Read.All")) throw permissionMissing("AuditLog.Read.All");
  };

  router.add({
    method: "GET",
    pattern: "/auditLogs/provisioning",
    permission: "anyToken",
    handler: (ctx) => {
      provisioningRead(ctx);
      reportsLimit(ctx);
      rejectUnsupportedOptions(ctx, ["$filter", "$orderby", "$top", "$skiptoken"]);
      const filter = readFilter(ctx, FILTERABLE, "provisioningObjectSummary");
      const items = orderByReport(ctx, s.sync.allLogs().filter((l) => matches(filter, l, false)), SORTABLE);
      return page(ctx, items, { context: "auditLogs/provisioning", defaultTop: 50, map: (l) => l });
    },
  });

  router.add({
    method: "GET",
    pattern: "/auditLogs/provisioning/{id}",
    permission: "anyToken",
    handler: (ctx) => {
      provisioningRead(ctx);
      reportsLimit(ctx);
      const log = s.sync.allLogs().find((l) => l.id === ctx.params.id);
      if (!log) throw new GraphError(404, "ResourceNotFound", `Provisioning log '${ctx.params.id}' was not found.`);
      return { status: 200, body: log };
    },
  });

  if (!audits) return;

  router.add({
    method: "GET",
    pattern: "/auditLogs/directoryAudits",
    permission: "anyToken",
    handler: (ctx) => {
      assertDirectoryAuditRead(ctx);
      reportsLimit(ctx);
      return listDirectoryAudits(ctx, audits);
    },
  });

  router.add({
    method: "GET",
    pattern: "/auditLogs/directoryAudits/{id}",
    permission: "anyToken",
    handler: (ctx) => {
      assertDirectoryAuditRead(ctx);
      reportsLimit(ctx);
      return getDirectoryAudit(ctx, audits);
    },
  });
}
