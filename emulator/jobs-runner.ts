import { checkCredentials, connectorPrefix } from "./credentials";
import { CONFLICT_USER_INDEX } from "./directory";
import { Outcome, Principal, provisioningLog } from "./provisioning-records";
import { Rng } from "./random";
import { planFor } from "./schema-mapping";
import { PRIMARY } from "./replication";
import { DirectoryStore } from "./store";
import { JobRecord, NEVER, ProvisioningLog, SyncStore } from "./sync-store";

/**
 * Simulated provisioning cycles for started jobs (graph-api.md §3.4 state machine).
 *
 * Each cycle first checks the saved credentials with the emulator's convention (credentials.ts):
 * bad credentials put the job in Quarantine (reason EncounteredQuarantineException) and later cycles
 * retry at a quarter of the frequency, leaving quarantine once the secrets are fixed. A good cycle
 * walks the users/groups assigned to the service principal and writes one provisioning log record
 * for each, honouring the job's schema (schema-mapping.ts): objects outside the scoping filter are
 * `skipped`; in-scope ones are `create`d the first time with their mapped attributes in
 * modifiedProperties, `update`d when a mapping change alters an exported value, and otherwise
 * `other`/skipped (already in sync). One seeded user always fails export with
 * `{Connector}EntryConflict` so failure records exist in every run.
 */
export class JobsRunner {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly rng: Rng,
    private readonly tenantId: string,
    private readonly dir: DirectoryStore,
    private readonly sync: SyncStore,
    public intervalMs: number,
  ) {
    sync.onJobRemoved = (job) => this.stop(job);
  }

  isRunning(job: JobRecord): boolean {
    return this.timers.has(job.id);
  }

  start(job: JobRecord): void {
    this.stop(job);
    this.schedule(job, this.intervalMs);
  }

  stop(job: JobRecord): void {
    const t = this.timers.get(job.id);
    if (t) clearTimeout(t);
    this.timers.delete(job.id);
  }

  stopAll(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private schedule(job: JobRecord, delay: number): void {
    const t = setTimeout(() => {
      this.timers.delete(job.id);
      // The job may have been deleted or paused meanwhile.
      if (this.sync.job(job.servicePrincipalId, job.id) !== job || job.schedule.state !== "Active") return;
      const next = this.runCycle(job);
      this.schedule(job, next);
    }, delay);
    t.unref();
    this.timers.set(job.id, t);
  }

  principals(spId: string, groups: boolean): Principal[] {
    const out: Principal[] = [];
    for (const id of this.dir.assignments.get(spId) ?? []) {
      const user = this.dir.users.get(id);
      if (user) out.push({ kind: "User", user });
      const group = groups ? this.dir.groups.get(id) : undefined;
      if (group) out.push({ kind: "Group", group });
    }
    return out;
  }

  isConflictUser(p: Principal): boolean {
    return p.kind === "User" && [...this.dir.users.keys()][CONFLICT_USER_INDEX] === p.user.id;
  }

  /**
   * Outcome of exporting one object under the job's schema, shared with provisionOnDemand.
   * Mutates job.provisioned/job.exported. Order: object mapping enabled → scoping filter →
   * export (create with every mapped attribute, update with the changed ones, or redundant).
   */
  export(job: JobRecord, p: Principal): Outcome {
    const id = p.kind === "User" ? p.user.id : p.group.id;
    const prefix = connectorPrefix(job.factoryTag, job.targetDirectory);
    const plan = planFor(job.schema, p);
    if (!plan || !plan.enabled) {
      return { action: "other", status: "skipped", errorCode: "ObjectMappingDisabled", reason: `No enabled object mapping of the job's schema provisions ${p.kind} objects.`, noRecord: true };
    }
    if (!plan.inScope) {
      return {
        action: "other",
        status: "skipped",
        errorCode: "NotEffectivelyEntitled",
        reason: `The ${p.kind.toLowerCase()} is out of scope: it does not satisfy the scoping filter of the object mapping '${plan.mappingName}'.`,
        outOfScope: true,
      };
    }
    if (this.isConflictUser(p)) {
      return {
        action: "create",
        status: "failure",
        errorCode: `${prefix}EntryConflict`,
        reason: `${job.targetDirectory} returned an error response with the HTTP status code 409. This response indicates that a user or a group already exists with the same name.`,
      };
    }
    const exported = (job.exported ??= {});
    const before = exported[id];
    const modified = Object.entries(plan.values)
      .filter(([k, v]) => before?.[k] !== v)
      .map(([displayName, newValue]) => ({ displayName, oldValue: before?.[displayName] ?? null, newValue }));
    exported[id] = plan.values;
    if (!job.provisioned.includes(id)) {
      job.provisioned.push(id);
      return { action: "create", status: "success", modified };
    }
    if (before && modified.length > 0) return { action: "update", status: "success", modified };
    return { action: "other", status: "skipped", errorCode: "RedundantExport", reason: "The state of the user in both the source and target systems already match." };
  }

  /** Runs one cycle now; returns the delay before the next one. Public so tests/admin can force cycles. */
  runCycle(job: JobRecord): number {
    const began = new Date();
    const cycleId = this.rng.guid();
    const status = job.status;
    const problem = checkCredentials(job.requiredKeys, this.sync.secrets.get(job.servicePrincipalId) ?? [], connectorPrefix(job.factoryTag, job.targetDirectory));
    const nowIso = new Date().toISOString();
    if (problem) {
      const error = { code: problem.code, message: problem.message, tenantActionable: true };
      const previous = status.quarantine as { seriesBegan: string; seriesCount: number } | null;
      status.code = "Quarantine";
      status.quarantine = {
        currentBegan: nowIso,
        nextAttempt: new Date(Date.now() + this.intervalMs * 4).toISOString(),
        reason: "EncounteredQuarantineException",
        seriesBegan: previous?.seriesBegan ?? nowIso,
        seriesCount: (previous?.seriesCount ?? 0) + 1,
        error,
      };
      status.countSuccessiveCompleteFailures = Number(status.countSuccessiveCompleteFailures) + 1;
      status.lastExecution = this.execution(cycleId, began, { imported: 0, exported: 0, escrowed: 0, entitled: 0, initial: false }, "Failed", error);
      this.sync.onChange();
      return this.intervalMs * 4;
    }

    const sp = this.dir.servicePrincipals.get(job.servicePrincipalId, PRIMARY);
    const principals = this.principals(job.servicePrincipalId, job.groups);
    const initial = job.fullSyncPending || status.lastSuccessfulExecution === null;
    job.fullSyncPending = false;
    const logs: ProvisioningLog[] = [];
    let exported = 0;
    let escrowed = 0;
    for (const p of principals) {
      const outcome = this.export(job, p);
      if (outcome.noRecord) continue;
      if (outcome.status === "success") exported++;
      if (outcome.status === "failure") escrowed++;
      logs.push(provisioningLog(this.rng, this.tenantId, job, sp, p, outcome, cycleId, "system"));
    }
    this.sync.appendLogs(job.id, logs);

    const exec = this.execution(cycleId, began, { imported: principals.length, exported, escrowed, entitled: principals.length, initial }, escrowed ? "EntryLevelErrors" : "Succeeded", null);
    status.code = "Active";
    status.quarantine = null;
    status.countSuccessiveCompleteFailures = 0;
    status.lastExecution = exec;
    status.lastSuccessfulExecution = exec;
    if (exported > 0) status.lastSuccessfulExecutionWithExports = exec;
    status.progress = [{ completedUnits: principals.length, totalUnits: principals.length, units: "Entries", progressObservationDateTime: nowIso }];
    const provisioned = new Set(job.provisioned);
    const users = principals.filter((p) => p.kind === "User" && provisioned.has(p.user.id)).length;
    const groups = principals.filter((p) => p.kind === "Group" && provisioned.has(p.group.id)).length;
    status.synchronizedEntryCountByType = job.groups
      ? [{ key: "group to Group", value: groups }, { key: "user to User", value: users }]
      : [{ key: "user to User", value: users }];
    if (status.steadyStateFirstAchievedTime === NEVER) status.steadyStateFirstAchievedTime = nowIso;
    status.steadyStateLastAchievedTime = nowIso;
    this.sync.onChange();
    return this.intervalMs;
  }

  private execution(
    cycleId: string,
    began: Date,
    c: { imported: number; exported: number; escrowed: number; entitled: number; initial: boolean },
    state: "Succeeded" | "Failed" | "EntryLevelErrors",
    error: { code: string; message: string; tenantActionable: boolean } | null,
  ): Record<string, unknown> {
    return {
      activityIdentifier: cycleId,
      countEntitled: c.entitled,
      countEntitledForProvisioning: c.entitled,
      countEscrowed: c.escrowed,
      countEscrowedRaw: c.escrowed,
      countExported: c.exported,
      countExports: c.exported,
      countImported: c.imported,
      countImportedDeltas: c.initial ? c.imported : 0,
      countImportedReferenceDeltas: 0,
      error,
      state,
      timeBegan: began.toISOString(),
      timeEnded: new Date().toISOString(),
    };
  }
}
