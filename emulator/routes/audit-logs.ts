import { GraphError, tooManyRequests } from "../errors";
import { matches, orderByReport, page, readFilter, rejectUnsupportedOptions } from "../odata";
import { Router } from "../router";
import { AUDIT_READ, Services } from "../services";

/**
 * GET /auditLogs/provisioning (graph-api.md §4): newest first, $filter, $orderby (activityDateTime
 * asc|desc), $top and $skiptoken paging. Filters are case-sensitive except
 * provisioningStatusInfo/status (whose values are lower-case anyway). The reports limit — 5
 * requests per 10 s per app per tenant — always applies.
 */
const SORTABLE = new Set(["activityDateTime"]);
const FILTERABLE = new Set([
  "id", "tenantId", "jobId", "changeId", "cycleId", "provisioningAction", "activityDateTime", "durationInMilliseconds",
  "provisioningStatusInfo/status", "sourceSystem/displayName", "targetSystem/displayName", "sourceIdentity/identityType",
  "targetIdentity/identityType", "sourceIdentity/id", "targetIdentity/id", "sourceIdentity/displayName",
  "targetIdentity/displayName", "servicePrincipal/id", "servicePrincipal/displayName", "initiatedBy/displayName",
]);

export function registerAuditLogRoutes(router: Router, s: Services): void {
  router.add({
    method: "GET",
    pattern: "/auditLogs/provisioning",
    permission: AUDIT_READ,
    handler: (ctx) => {
      const wait = s.reportsLimiter.hit(`${ctx.claims.appid}:${ctx.claims.tid}`);
      if (wait) throw tooManyRequests(wait);
      rejectUnsupportedOptions(ctx, ["$filter", "$orderby", "$top", "$skiptoken"]);
      const filter = readFilter(ctx, FILTERABLE, "provisioningObjectSummary");
      const items = orderByReport(ctx, s.sync.allLogs().filter((l) => matches(filter, l, false)), SORTABLE);
      return page(ctx, items, { context: "auditLogs/provisioning", defaultTop: 50, map: (l) => l });
    },
  });

  router.add({
    method: "GET",
    pattern: "/auditLogs/provisioning/{id}",
    permission: AUDIT_READ,
    handler: (ctx) => {
      const wait = s.reportsLimiter.hit(`${ctx.claims.appid}:${ctx.claims.tid}`);
      if (wait) throw tooManyRequests(wait);
      const log = s.sync.allLogs().find((l) => l.id === ctx.params.id);
      if (!log) throw new GraphError(404, "ResourceNotFound", `Provisioning log '${ctx.params.id}' was not found.`);
      return { status: 200, body: log };
    },
  });
}
