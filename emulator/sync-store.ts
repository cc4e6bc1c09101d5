/**
 * Synchronization state per service principal: jobs (with their schema copy and runtime
 * bookkeeping), the saved secrets, and the provisioning logs the job runner writes. Unlike
 * directory objects this state is not replicated: the synchronization service answers from one
 * store, so only the service-principal lookup in front of it is eventually consistent.
 */
export interface KeyValue {
  key: string;
  value: string;
}

export interface JobRecord {
  id: string;
  templateId: string;
  servicePrincipalId: string;
  schedule: { expiration: string | null; interval: string; state: "Active" | "Disabled" | "Paused" };
  status: Record<string, unknown> & { code: string };
  synchronizationJobSettings: { name: string; value: string }[];
  schema: Record<string, unknown>;
  /** Principal ids already exported to the target (drives create vs. redundant-export records). */
  provisioned: string[];
  /** Target attribute values last exported per principal id (drives update records after a mapping change). */
  exported?: Record<string, Record<string, string>>;
  requiredKeys: string[];
  targetDirectory: string;
  factoryTag: string;
  inbound: boolean;
  groups: boolean;
  /** Set by restart: the next cycle re-evaluates every object, like an initial cycle. */
  fullSyncPending: boolean;
  /** Set by restart with ForceDeletes: the next cycle applies its deletions whatever the threshold. */
  forceDeletes?: boolean;
  /** Out-of-scope ids left in the target because SkipOutOfScopeDeletions is "True" (logged once). */
  skippedDeletions?: string[];
  createdDateTime: string;
}

export type ProvisioningLog = Record<string, unknown> & { id: string; jobId: string; activityDateTime: string };

export interface SyncSnapshot {
  jobs: JobRecord[];
  secrets: [string, KeyValue[]][];
  logs: ProvisioningLog[];
}

/** Logs kept per job; older records are dropped so a long-running emulator stays bounded. */
export const MAX_LOGS_PER_JOB = 500;

export const NEVER = "0001-01-01T00:00:00Z";
export const NO_SCHEDULE = "P10675199DT2H48M5.4775807S"; // .NET TimeSpan.MaxValue = "no schedule"

export class SyncStore {
  readonly jobs = new Map<string, Map<string, JobRecord>>();
  readonly secrets = new Map<string, KeyValue[]>();
  readonly logs = new Map<string, ProvisioningLog[]>();
  onChange: () => void = () => undefined;
  onJobRemoved: (job: JobRecord) => void = () => undefined;

  jobsOf(spId: string): Map<string, JobRecord> {
    let m = this.jobs.get(spId);
    if (!m) this.jobs.set(spId, (m = new Map()));
    return m;
  }

  job(spId: string, jobId: string): JobRecord | undefined {
    return this.jobs.get(spId)?.get(jobId);
  }

  *allJobs(): Generator<JobRecord> {
    for (const m of this.jobs.values()) yield* m.values();
  }

  addJob(job: JobRecord): void {
    this.jobsOf(job.servicePrincipalId).set(job.id, job);
    this.onChange();
  }

  removeJob(job: JobRecord): void {
    this.jobs.get(job.servicePrincipalId)?.delete(job.id);
    this.onJobRemoved(job);
    this.onChange();
  }

  /** Called when the service principal is deleted: jobs and secrets go with it. */
  dropServicePrincipal(spId: string): void {
    for (const job of [...(this.jobs.get(spId)?.values() ?? [])]) this.removeJob(job);
    this.jobs.delete(spId);
    this.secrets.delete(spId);
    this.onChange();
  }

  appendLogs(jobId: string, records: ProvisioningLog[]): void {
    let list = this.logs.get(jobId);
    if (!list) this.logs.set(jobId, (list = []));
    list.push(...records);
    if (list.length > MAX_LOGS_PER_JOB) list.splice(0, list.length - MAX_LOGS_PER_JOB);
  }

  /** Newest first, as the provisioning-logs API returns them. */
  allLogs(): ProvisioningLog[] {
    const out: ProvisioningLog[] = [];
    for (const list of this.logs.values()) out.push(...list);
    return out.sort((a, b) => (a.activityDateTime < b.activityDateTime ? 1 : a.activityDateTime > b.activityDateTime ? -1 : 0));
  }

  reset(): void {
    for (const job of [...this.allJobs()]) this.onJobRemoved(job);
    this.jobs.clear();
    this.secrets.clear();
    this.logs.clear();
    this.onChange();
  }

  snapshot(): SyncSnapshot {
    return { jobs: [...this.allJobs()], secrets: [...this.secrets], logs: [...this.logs.values()].flat() };
  }

  load(s: SyncSnapshot): void {
    this.jobs.clear();
    this.secrets.clear();
    this.logs.clear();
    for (const j of s.jobs) this.jobsOf(j.servicePrincipalId).set(j.id, j);
    for (const [k, v] of s.secrets) this.secrets.set(k, v);
    for (const l of s.logs) this.appendLogs(l.jobId, [l]);
  }
}

export function newJobStatus(): JobRecord["status"] {
  return {
    code: "NotConfigured",
    countSuccessiveCompleteFailures: 0,
    escrowsPruned: false,
    lastExecution: null,
    lastSuccessfulExecution: null,
    lastSuccessfulExecutionWithExports: null,
    progress: [],
    quarantine: null,
    steadyStateFirstAchievedTime: NEVER,
    steadyStateLastAchievedTime: NEVER,
    synchronizedEntryCountByType: [],
    troubleshootingUrl: null,
  };
}

/** The synchronizationJob entity as Graph returns it (schema is a navigation, not inline). */
export function jobEntity(job: JobRecord): Record<string, unknown> {
  return {
    id: job.id,
    templateId: job.templateId,
    schedule: job.schedule,
    status: job.status,
    synchronizationJobSettings: job.synchronizationJobSettings,
  };
}
