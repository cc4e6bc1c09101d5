// Provisioning logs (GET /auditLogs/provisioning, https://learn.microsoft.com/graph/api/provisioningobjectsummary-list):
// filtered on the server, paged through @odata.nextLink, every page paced under the reports limit (5 per 10 s).
import { endpoints, odataString, type GraphClient } from "../graph";
import { InputError } from "../errors";
import { reportsPacer } from "./pace";

export type ProvisioningStatus = "success" | "failure" | "skipped" | "warning";
export const PROVISIONING_STATUSES: readonly ProvisioningStatus[] = ["success", "failure", "skipped", "warning"];

export interface ProvisioningLogQuery {
  jobId?: string;
  servicePrincipalId?: string;
  status?: ProvisioningStatus;
  /** provisioningAction: create, update, delete, disable, stagedDelete, other. */
  action?: string;
  /** Only records after this moment (a Date or an ISO 8601 date-time). */
  since?: Date | string;
  /** Stop after this many records (default 1000). */
  max?: number;
  /** Page size ($top, default 100). */
  pageSize?: number;
}

export interface ProvisioningLogEntry {
  id: string;
  activityDateTime: string;
  jobId: string;
  cycleId?: string;
  changeId?: string;
  servicePrincipalId: string;
  servicePrincipalDisplayName: string;
  action: string;
  status: string;
  errorCode?: string;
  errorCategory?: string;
  reason?: string;
  recommendedAction?: string;
  sourceIdentity: { id?: string; displayName?: string; identityType?: string };
  targetIdentity: { id?: string; displayName?: string; identityType?: string };
  sourceSystem?: string;
  targetSystem?: string;
  initiatedBy?: string;
  durationInMilliseconds?: number;
  steps: { name: string; type: string; status: string; description: string }[];
}

/** provisioningObjectSummary as Graph returns it (CSDL names). */
interface RawLog {
  id: string;
  activityDateTime: string;
  jobId: string;
  cycleId?: string;
  changeId?: string;
  durationInMilliseconds?: number;
  initiatedBy?: { displayName?: string };
  provisioningAction?: string;
  provisioningStatusInfo?: {
    status?: string;
    errorInformation?: { errorCode?: string | null; errorCategory?: string | null; reason?: string | null; recommendedAction?: string | null } | null;
  };
  provisioningSteps?: { name: string; provisioningStepType?: string; status?: string; description?: string }[];
  servicePrincipal?: { id?: string; displayName?: string };
  sourceIdentity?: { id?: string; displayName?: string; identityType?: string };
  targetIdentity?: { id?: string; displayName?: string; identityType?: string };
  sourceSystem?: { displayName?: string };
  targetSystem?: { displayName?: string };
}

const str = (s: string | null | undefined) => (s ? s : undefined);

export function normalizeLog(l: RawLog): ProvisioningLogEntry {
  const info = l.provisioningStatusInfo ?? {};
  const err = info.errorInformation ?? undefined;
  return {
    id: l.id,
    activityDateTime: l.activityDateTime,
    jobId: l.jobId,
    cycleId: str(l.cycleId),
    changeId: str(l.changeId),
    servicePrincipalId: l.servicePrincipal?.id ?? "",
    servicePrincipalDisplayName: l.servicePrincipal?.displayName ?? "",
    action: l.provisioningAction ?? "other",
    status: info.status ?? "unknown",
    errorCode: str(err?.errorCode),
    errorCategory: str(err?.errorCategory),
    reason: str(err?.reason),
    recommendedAction: str(err?.recommendedAction),
    sourceIdentity: { id: str(l.sourceIdentity?.id), displayName: str(l.sourceIdentity?.displayName), identityType: str(l.sourceIdentity?.identityType) },
    targetIdentity: { id: str(l.targetIdentity?.id), displayName: str(l.targetIdentity?.displayName), identityType: str(l.targetIdentity?.identityType) },
    sourceSystem: str(l.sourceSystem?.displayName),
    targetSystem: str(l.targetSystem?.displayName),
    initiatedBy: str(l.initiatedBy?.displayName),
    durationInMilliseconds: l.durationInMilliseconds,
    steps: (l.provisioningSteps ?? []).map((s) => ({
      name: s.name,
      type: s.provisioningStepType ?? "",
      status: s.status ?? "",
      description: s.description ?? "",
    })),
  };
}

/** The $filter for a query; undefined when nothing is filtered. */
export function logFilter(q: ProvisioningLogQuery): string | undefined {
  const clauses: string[] = [];
  if (q.jobId) clauses.push(`jobId eq ${odataString(q.jobId)}`);
  if (q.servicePrincipalId) clauses.push(`servicePrincipal/id eq ${odataString(q.servicePrincipalId)}`);
  if (q.status) clauses.push(`provisioningStatusInfo/status eq ${odataString(q.status)}`);
  if (q.action) clauses.push(`provisioningAction eq ${odataString(q.action)}`);
  if (q.since !== undefined) {
    const since = q.since instanceof Date ? q.since : new Date(q.since);
    if (Number.isNaN(since.getTime())) throw new InputError(`since: "${String(q.since)}" is not a date-time; use ISO 8601, e.g. 2024-05-01T00:00:00Z.`);
    clauses.push(`activityDateTime gt ${since.toISOString()}`);
  }
  return clauses.length ? clauses.join(" and ") : undefined;
}

/** Newest first, following paging until `max` records. Each page waits for a reports-limit slot. */
export async function queryProvisioningLogs(
  client: GraphClient,
  q: ProvisioningLogQuery,
  onPage?: (pageNumber: number, records: number) => void,
): Promise<ProvisioningLogEntry[]> {
  if (q.status !== undefined && !PROVISIONING_STATUSES.includes(q.status)) {
    throw new InputError(`status: "${q.status}" is not a provisioning status; use one of ${PROVISIONING_STATUSES.join(", ")}.`);
  }
  const max = q.max ?? 1000;
  const filter = logFilter(q);
  const pages = client.pages<RawLog>({
    endpoint: endpoints.provisioningLogs,
    // Graph documents no default order for provisioning logs: ask for newest first.
    query: { ...(filter ? { $filter: filter } : {}), $orderby: "activityDateTime desc", $top: Math.min(q.pageSize ?? 100, max) },
  });
  // Reports are limited per app and tenant: one pacing key per client identity.
  const key = `${client.settings.tenantId ?? ""}:${client.settings.clientId ?? ""}`;
  const out: ProvisioningLogEntry[] = [];
  let n = 0;
  try {
    for (;;) {
      const next = await reportsPacer.run(key, () => pages.next());
      if (next.done) break;
      n++;
      for (const l of next.value.value) {
        if (out.length >= max) break;
        out.push(normalizeLog(l));
      }
      onPage?.(n, out.length);
      if (out.length >= max) break;
    }
  } finally {
    await pages.return(undefined);
  }
  return out;
}
