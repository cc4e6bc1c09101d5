import { assignedScope } from "./app-roles";
import { checkCredentials, connectorPrefix, SyncSettings, syncSettings } from "./credentials";
import { CONFLICT_USER_INDEX, DirectoryUser } from "./directory";
import { Outcome, Principal, provisioningLog } from "./provisioning-records";
import { Rng } from "./random";
import { planFor } from "./schema-mapping";
import { PRIMARY } from "./replication";
import { DirectoryStore } from "./store";
import { JobRecord, NEVER, ProvisioningLog, SyncStore } from "./sync-store";

/**
 * Simulated provisioning cycles for started jobs (state machine of
 * https://learn.microsoft.com/graph/api/resources/synchronization-synchronizationstatus; sources in
 * FIDELITY.md, "Job runner").
 *
 * Each cycle first checks the saved credentials with the emulator's convention (credentials.ts):
 * bad credentials put the job in Quarantine (reason EncounteredQuarantineException) and later cycles
 * retry at a quarter of the frequency, leaving quarantine once the secrets are fixed. A good cycle
 * reads the settings in the secrets (SyncAll, SkipOutOfScopeDeletions, SyncNotificationSettings) and
 * walks the users/groups in scope — every user and group with SyncAll "true", else those assigned
 * to the service principal — writing one provisioning log record for each, honouring the job's
 * schema (schema-mapping.ts): objects outside the scoping filter are `skipped`; in-scope ones are
 * `create`d the first time with their mapped attributes in modifiedProperties, `update`d when a
 * mapping change alters an exported value, and otherwise `other`/skipped (already in sync). One
 * seeded user always fails export with `{Connector}EntryConflict` so failure records exist in every run.
 *
 * Objects provisioned earlier that have left scope (unassigned, SyncAll turned off, or outside the
 * scoping filter now) are deprovisioned: users `disable`d, groups `delete`d ("the service disables
 * the user in the target system via an update", how-provisioning-works). With
 * SkipOutOfScopeDeletions "True" they are left as they are (one `skipped` record each). If the
 * deprovisions of one cycle reach DeleteThresholdValue while DeleteThresholdEnabled is true
 * ("if the value is set to 500, the maximum number of deletes allowed is 499 in each execution"),
 * none is applied: each is logged as `stagedDelete` and the job goes to Quarantine with reason
 * TooManyDeletes, until a restart with resetScope ForceDeletes lets the next cycle apply them.
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

  /**
   * Users (and, for group-provisioning jobs, groups) in the job's scope: all of them with SyncAll,
   * else those assigned to the service principal (app role assignments, app-roles.ts) plus the
   * direct members of assigned security groups. Members of nested groups are not in scope ("The
   * service can only read and provision users that are immediate members of an explicitly assigned
   * group", how-provisioning-works; sources in FIDELITY.md, "App role assignments").
   */
  principals(spId: string, groups: boolean, syncAll = false): Principal[] {
    const out: Principal[] = [];
    if (syncAll) {
      for (const user of this.dir.users.values()) out.push({ kind: "User", user });
      if (groups) for (const group of this.dir.groups.values()) out.push({ kind: "Group", group });
      return out;
    }
    const { users, groups: assignedGroups } = assignedScope(this.dir, spId, PRIMARY);
    for (const user of this.dir.users.values()) if (users.has(user.id)) out.push({ kind: "User", user });
    if (groups) for (const group of this.dir.groups.values()) if (assignedGroups.has(group.id)) out.push({ kind: "Group", group });
    return out;
  }

  /**
   * Whether the job's scope (SyncAll or assignment) includes the object; for provisionOnDemand's
   * scoping step. `replica` is the directory view the caller reads: assignments reach on-demand
   * provisioning with a replication delay ("There's a replication delay of up to a few minutes
   * between when an object is assigned to an application and when that assignment is honored in
   * on-demand provisioning", provision-on-demand). A group must be assigned itself: "On-demand
   * provisioning doesn't support nested groups that aren't directly assigned to the application."
   */
  entitled(job: JobRecord, objectId: string, replica = PRIMARY): boolean {
    if (this.settingsOf(job).syncAll) return this.dir.users.has(objectId) || (job.groups && this.dir.groups.has(objectId));
    const scope = assignedScope(this.dir, job.servicePrincipalId, replica);
    return scope.users.has(objectId) || scope.groups.has(objectId);
  }

  settingsOf(job: JobRecord): SyncSettings {
    const threshold = job.synchronizationJobSettings.find((kv) => kv.name === "QuarantineTooManyDeletesThreshold")?.value;
    return syncSettings(this.sync.secrets.get(job.servicePrincipalId) ?? [], threshold);
  }

  /** The directory object behind an id the job provisioned, or a stand-in when it no longer exists. */
  private principalOf(id: string): Principal {
    const user = this.dir.users.get(id);
    if (user) return { kind: "User", user };
    const group = this.dir.groups.get(id);
    if (group) return { kind: "Group", group };
    const gone: DirectoryUser = { id, displayName: id, givenName: "", surname: "", userPrincipalName: id, mail: "", mailNickname: "", jobTitle: "", accountEnabled: false };
    return { kind: "User", user: gone };
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

  private quarantine(job: JobRecord, reason: string, error: { code: string; message: string; tenantActionable: boolean }, nowIso: string): void {
    const previous = job.status.quarantine as { seriesBegan: string; seriesCount: number } | null;
    job.status.code = "Quarantine";
    job.status.quarantine = {
      currentBegan: nowIso,
      nextAttempt: new Date(Date.now() + this.intervalMs * 4).toISOString(),
      reason,
      seriesBegan: previous?.seriesBegan ?? nowIso,
      seriesCount: (previous?.seriesCount ?? 0) + 1,
      error,
    };
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
      this.quarantine(job, "EncounteredQuarantineException", error, nowIso);
      status.countSuccessiveCompleteFailures = Number(status.countSuccessiveCompleteFailures) + 1;
      status.lastExecution = this.execution(cycleId, began, { imported: 0, exported: 0, escrowed: 0, entitled: 0, initial: false }, "Failed", error);
      this.sync.onChange();
      return this.intervalMs * 4;
    }

    const settings = this.settingsOf(job);
    const sp = this.dir.servicePrincipals.get(job.servicePrincipalId, PRIMARY);
    const principals = this.principals(job.servicePrincipalId, job.groups, settings.syncAll);
    const initial = job.fullSyncPending || status.lastSuccessfulExecution === null;
    job.fullSyncPending = false;
    const logs: ProvisioningLog[] = [];
    const record = (p: Principal, o: Outcome, overrides: Record<string, unknown> = {}) =>
      logs.push({ ...provisioningLog(this.rng, this.tenantId, job, sp, p, o, cycleId, "system"), ...overrides } as ProvisioningLog);
    let exported = 0;
    let escrowed = 0;
    const stay = new Set<string>();
    const wasProvisioned = new Set(job.provisioned);
    for (const p of principals) {
      const id = p.kind === "User" ? p.user.id : p.group.id;
      const outcome = this.export(job, p);
      if (!outcome.outOfScope) stay.add(id);
      // A provisioned object that fails the scoping filter now is deprovisioned below, not skipped.
      if (outcome.noRecord || (outcome.outOfScope && wasProvisioned.has(id))) continue;
      if (outcome.status === "success") exported++;
      if (outcome.status === "failure") escrowed++;
      record(p, outcome);
    }

    // Deprovisioning: provisioned objects that have left scope.
    const skipped = new Set((job.skippedDeletions ?? []).filter((id) => !stay.has(id)));
    const leaving = job.provisioned.filter((id) => !stay.has(id));
    const toRemove: string[] = [];
    for (const id of leaving) {
      if (!settings.skipOutOfScopeDeletions) {
        toRemove.push(id);
        continue;
      }
      if (skipped.has(id)) continue;
      skipped.add(id);
      const p = this.principalOf(id);
      record(p, {
        action: "other",
        status: "skipped",
        errorCode: "SkipOutOfScopeDeletions",
        reason: `The ${p.kind.toLowerCase()} went out of scope; SkipOutOfScopeDeletions is set, so it is left as it is in ${job.targetDirectory}.`,
        outOfScope: true,
      });
    }
    job.skippedDeletions = [...skipped];

    let tooManyDeletes = false;
    if (toRemove.length > 0) {
      const held = settings.deleteThresholdEnabled && toRemove.length >= settings.deleteThresholdValue && !job.forceDeletes;
      const alreadyHeld = (status.quarantine as { reason?: string } | null)?.reason === "TooManyDeletes";
      for (const id of toRemove) {
        const p = this.principalOf(id);
        const action = p.kind === "User" ? "disable" : "delete";
        if (held) {
          if (alreadyHeld) continue; // staged once, when the job entered quarantine
          record(p, {
            action: "other",
            status: "skipped",
            errorCode: "TooManyDeletes",
            reason: `The ${p.kind.toLowerCase()} left scope, but this cycle's ${toRemove.length} deletions reach the accidental-deletions threshold (${settings.deleteThresholdValue}); the ${action} is staged until the deletions are allowed.`,
            outOfScope: true,
          }, { provisioningAction: "stagedDelete" });
          continue;
        }
        job.provisioned = job.provisioned.filter((x) => x !== id);
        if (job.exported) delete job.exported[id];
        exported++;
        const modified = action === "disable" ? [{ displayName: "active", oldValue: "True", newValue: "False" }] : [];
        const base = provisioningLog(this.rng, this.tenantId, job, sp, p, { action: "other", status: "success", modified, outOfScope: true }, cycleId, "system");
        const steps = (base.provisioningSteps as Record<string, unknown>[]).slice(0, 3);
        const name = p.kind === "User" ? p.user.userPrincipalName : p.group.displayName;
        steps.push({
          name: action === "disable" ? "EntryExportUpdateSoftDelete" : "EntryExportDelete",
          provisioningStepType: "export",
          status: "success",
          description: `${p.kind} '${name}' left scope and was ${action === "disable" ? "disabled" : "deleted"} in ${job.targetDirectory}`,
          details: { ReportableIdentifier: name },
        });
        logs.push({ ...base, provisioningAction: action, provisioningSteps: steps });
      }
      tooManyDeletes = held;
      if (!held) job.forceDeletes = false;
    } else {
      job.forceDeletes = false;
    }
    this.sync.appendLogs(job.id, logs);

    const exec = this.execution(cycleId, began, { imported: principals.length, exported, escrowed, entitled: principals.length, initial }, escrowed ? "EntryLevelErrors" : "Succeeded", null);
    status.lastExecution = exec;
    status.progress = [{ completedUnits: principals.length, totalUnits: principals.length, units: "Entries", progressObservationDateTime: nowIso }];
    const provisioned = new Set(job.provisioned);
    const users = [...provisioned].filter((id) => this.principalOf(id).kind === "User").length;
    const groups = provisioned.size - users;
    status.synchronizedEntryCountByType = job.groups
      ? [{ key: "group to Group", value: groups }, { key: "user to User", value: users }]
      : [{ key: "user to User", value: users }];
    if (tooManyDeletes) {
      this.quarantine(job, "TooManyDeletes", {
        code: "TooManyDeletes",
        message: `This cycle would delete or disable ${toRemove.length} objects, which reaches the accidental-deletions threshold (DeleteThresholdValue ${settings.deleteThresholdValue}). ` +
          "No deletion was applied. Allow them by restarting the job with resetScope ForceDeletes, or bring the objects back into scope and restart.",
        tenantActionable: true,
      }, nowIso);
      this.sync.onChange();
      return this.intervalMs * 4;
    }
    // A cycle forced through the admin API does not unpause a paused job.
    status.code = job.schedule.state === "Paused" ? "Paused" : "Active";
    status.quarantine = null;
    status.countSuccessiveCompleteFailures = 0;
    status.lastSuccessfulExecution = exec;
    if (exported > 0) status.lastSuccessfulExecutionWithExports = exec;
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
