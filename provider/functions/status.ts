// Job status: the synchronizationStatus of provisioning jobs
// (https://learn.microsoft.com/graph/api/resources/synchronization-synchronizationstatus) flattened into
// one row per job, and the health classification `status` and `wait` use.
import { endpoints, isGraphError, type GraphClient } from "../graph";

const NEVER = "0001-01-01T00:00:00Z";

/**
 * healthy: running and has reached steady state; quarantined: Graph quarantined it; pending: started
 * but not yet steady; stopped: paused or never started (it will not progress on its own);
 * missing: the service principal or job does not exist.
 */
export type JobHealth = "healthy" | "quarantined" | "pending" | "stopped" | "missing";

export interface ProvisioningJobStatus {
  displayName: string;
  servicePrincipalId: string;
  jobId: string;
  templateId?: string;
  health: JobHealth;
  /** synchronizationStatusCode: NotConfigured, NotRun, Active, Paused, Quarantine (or NotFound). */
  code: string;
  scheduleState?: string;
  quarantineReason?: string;
  quarantineErrorCode?: string;
  quarantineErrorMessage?: string;
  quarantineSince?: string;
  quarantineNextAttempt?: string;
  lastExecutionState?: string;
  lastExecutionTime?: string;
  lastExecutionErrorCode?: string;
  lastSuccessfulExecutionTime?: string;
  steadyStateLastAchievedTime?: string;
  countSuccessiveCompleteFailures: number;
  countImported: number;
  countExported: number;
  countEscrowed: number;
  /** synchronizedEntryCountByType, e.g. { "user to User": 12 }. */
  synchronizedEntries: Record<string, number>;
  troubleshootingUrl?: string;
}

interface Execution {
  state?: string;
  timeEnded?: string;
  countImported?: number;
  countExported?: number;
  countEscrowed?: number;
  error?: { code?: string; message?: string } | null;
}

export interface GraphJobWithStatus {
  id: string;
  templateId?: string;
  schedule?: { state?: string };
  status?: {
    code?: string;
    countSuccessiveCompleteFailures?: number | string;
    quarantine?: { reason?: string; seriesBegan?: string; nextAttempt?: string; error?: { code?: string; message?: string } | null } | null;
    lastExecution?: Execution | null;
    lastSuccessfulExecution?: Execution | null;
    steadyStateLastAchievedTime?: string;
    synchronizedEntryCountByType?: { key: string; value: number | string }[];
    troubleshootingUrl?: string | null;
  };
}

const orUndefined = (s: string | null | undefined) => (s ? s : undefined);

export function healthOf(job: GraphJobWithStatus): JobHealth {
  const code = job.status?.code ?? "NotConfigured";
  if (code === "Quarantine") return "quarantined";
  const schedule = job.schedule?.state;
  if (code === "Paused" || code === "NotConfigured" || schedule === "Paused" || schedule === "Disabled") return "stopped";
  const steady = job.status?.steadyStateLastAchievedTime;
  const last = job.status?.lastExecution?.state;
  if (code === "Active" && steady && steady !== NEVER && (last === "Succeeded" || last === "EntryLevelErrors")) return "healthy";
  return "pending";
}

export function summarizeJob(job: GraphJobWithStatus, servicePrincipalId: string, displayName: string): ProvisioningJobStatus {
  const s = job.status ?? {};
  const last = s.lastExecution ?? undefined;
  const entries: Record<string, number> = {};
  for (const e of s.synchronizedEntryCountByType ?? []) entries[e.key] = Number(e.value);
  return {
    displayName,
    servicePrincipalId,
    jobId: job.id,
    templateId: job.templateId,
    health: healthOf(job),
    code: s.code ?? "NotConfigured",
    scheduleState: job.schedule?.state,
    quarantineReason: orUndefined(s.quarantine?.reason),
    quarantineErrorCode: orUndefined(s.quarantine?.error?.code),
    quarantineErrorMessage: orUndefined(s.quarantine?.error?.message),
    quarantineSince: orUndefined(s.quarantine?.seriesBegan),
    quarantineNextAttempt: orUndefined(s.quarantine?.nextAttempt),
    lastExecutionState: orUndefined(last?.state),
    lastExecutionTime: orUndefined(last?.timeEnded),
    lastExecutionErrorCode: orUndefined(last?.error?.code),
    lastSuccessfulExecutionTime: orUndefined(s.lastSuccessfulExecution?.timeEnded),
    steadyStateLastAchievedTime: s.steadyStateLastAchievedTime && s.steadyStateLastAchievedTime !== NEVER ? s.steadyStateLastAchievedTime : undefined,
    countSuccessiveCompleteFailures: Number(s.countSuccessiveCompleteFailures ?? 0),
    countImported: Number(last?.countImported ?? 0),
    countExported: Number(last?.countExported ?? 0),
    countEscrowed: Number(last?.countEscrowed ?? 0),
    synchronizedEntries: entries,
    troubleshootingUrl: orUndefined(s.troubleshootingUrl),
  };
}

function missing(servicePrincipalId: string, jobId: string, displayName: string): ProvisioningJobStatus {
  return {
    displayName,
    servicePrincipalId,
    jobId,
    health: "missing",
    code: "NotFound",
    countSuccessiveCompleteFailures: 0,
    countImported: 0,
    countExported: 0,
    countEscrowed: 0,
    synchronizedEntries: {},
  };
}

/** A job to look at: a service principal, optionally one job of it, optionally its known name. */
export interface JobTarget {
  servicePrincipalId: string;
  jobId?: string;
  displayName?: string;
}

async function displayNameOf(client: GraphClient, spId: string): Promise<string> {
  try {
    const sp = await client.get<{ displayName?: string }>({ endpoint: endpoints.servicePrincipal, params: { spId }, query: { $select: "id,displayName" } });
    return sp.body.displayName ?? spId;
  } catch (e) {
    if (isGraphError(e, "GRAPH_NOT_FOUND")) return spId;
    throw e;
  }
}

/**
 * Status rows for the targets: one per job (every job of a service principal when no job id is
 * given). A service principal or job that does not exist gives a `missing` row instead of an error.
 */
export async function jobStatuses(client: GraphClient, targets: readonly JobTarget[]): Promise<ProvisioningJobStatus[]> {
  const rows = await Promise.all(
    targets.map(async (t): Promise<ProvisioningJobStatus[]> => {
      const spId = t.servicePrincipalId;
      const name = t.displayName ?? (await displayNameOf(client, spId));
      try {
        if (t.jobId) {
          const job = await client.get<GraphJobWithStatus>({ endpoint: endpoints.job, params: { spId, jobId: t.jobId } });
          return [summarizeJob(job.body, spId, name)];
        }
        const jobs = await client.list<GraphJobWithStatus>({ endpoint: endpoints.jobs, params: { spId } });
        return jobs.length ? jobs.map((j) => summarizeJob(j, spId, name)) : [missing(spId, "", name)];
      } catch (e) {
        if (isGraphError(e, "GRAPH_NOT_FOUND")) return [missing(spId, t.jobId ?? "", name)];
        throw e;
      }
    }),
  );
  return rows.flat();
}
