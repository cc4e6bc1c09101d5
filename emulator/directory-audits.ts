import { appRolesOf, AppRoleAssignmentRecord, PrincipalType } from "./app-roles";
import { DEFAULT_CLIENT_NAME, grantedPermissions, IdentityClaims, isDelegated } from "./auth";
import { GraphResponse, odataContext, RequestContext } from "./context";
import { DirectoryType, Entity } from "./entities";
import { GraphError } from "./errors";
import { FilterNode, parseFilter } from "./odata-filter";
import { Rng } from "./random";
import { PRIMARY } from "./replication";
import { resolveGroup, resolveUser } from "./routes/users-groups";
import { Services } from "./services";
import { KeyValue } from "./sync-store";

/**
 * Directory audit logs (`GET /auditLogs/directoryAudits`): one record per write the emulator accepts,
 * as Microsoft Entra writes them for the same operations. Every rule and its source is in
 * FIDELITY.md, section "Directory audit logs". In short:
 *
 * - Shape: directoryAudit (contrib api-reference/v1.0/resources/directoryaudit.md) with the values
 *   live tenants show: ids `Directory_{correlationId}_{5 chars}_{digits}` (Core Directory) and
 *   `Sync_{5 chars}_{digits}` (Account Provisioning), `activityDateTime` with 7 fractional digits,
 *   `result` "success", `resultReason` "", modifiedProperties as JSON strings (`["new name"]`,
 *   `"\"value\""`) plus "Included Updated Properties", `additionalDetails` User-Agent and AppId.
 *   `userAgent` is a beta-only property.
 * - Initiator from the token: app-only tokens give `initiatedBy.app` with `displayName` and
 *   `servicePrincipalId` and a null `appId` (live records carry no appId for app-initiated Core
 *   Directory changes); delegated tokens give `initiatedBy.user`.
 * - Activities: the names of the Entra audit activity reference (Core Directory, Account Provisioning).
 * - Visibility: a record appears after a random delay in `[0, latencyMs]` (the docs: 2 min at the
 *   95th percentile, 5 min at the 99th; 0 by default, set with `PATCH /_emulator/directoryAudits`).
 * - Queries: `$filter` only on the documented properties and operators, else 400 "Invalid filter
 *   clause"; `$orderby=activityDateTime asc|desc` (newest first by default); `$top`, `$skiptoken`
 *   (a cursor: records written after the first page never shift later pages); `$select`.
 */

export interface ModifiedProperty {
  displayName: string;
  oldValue: string | null;
  newValue: string | null;
}

export interface TargetResource {
  id: string;
  displayName: string | null;
  type: string;
  userPrincipalName: string | null;
  groupType: string | null;
  modifiedProperties: ModifiedProperty[];
}

export interface AuditAppIdentity {
  appId: string | null;
  displayName: string | null;
  servicePrincipalId: string | null;
  servicePrincipalName: string | null;
}

export interface AuditUserIdentity {
  id: string | null;
  displayName: string | null;
  userPrincipalName: string | null;
  ipAddress: string | null;
  userType: string | null;
  homeTenantId: string | null;
  homeTenantName: string | null;
}

export interface DirectoryAudit {
  id: string;
  category: string;
  correlationId: string;
  result: "success";
  resultReason: string;
  activityDisplayName: string;
  activityDateTime: string;
  loggedByService: string;
  operationType: string;
  /** Beta only (contrib api-reference/beta/resources/directoryaudit.md); left out on v1.0. */
  userAgent: string | null;
  initiatedBy: { app: AuditAppIdentity | null; user: AuditUserIdentity | null };
  targetResources: TargetResource[];
  additionalDetails: KeyValue[];
}

export const CORE_DIRECTORY = "Core Directory";
export const ACCOUNT_PROVISIONING = "Account Provisioning";
/** Records kept in memory; the oldest go first (Entra keeps 7 or 30 days; emulator-defined bound). */
export const MAX_DIRECTORY_AUDITS = 10_000;

interface Stored {
  seq: number;
  visibleAt: number;
  record: DirectoryAudit;
}

type Draft = Omit<DirectoryAudit, "id" | "activityDateTime">;

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** The tenant's directory audit records, oldest first. */
export class DirectoryAuditLog {
  private items: Stored[] = [];
  private readonly byId = new Map<string, Stored>();
  private seq = 0;
  private lastTicks = 0;
  /** Upper bound of the random delay before a new record is visible to queries (ms). */
  latencyMs = 0;

  constructor(private readonly rng: Rng) {}

  /** ISO time with 7 fractional digits, strictly increasing, so "newest" is never a tie. */
  private timestamp(now: number): string {
    let ticks = now * 10_000;
    if (ticks <= this.lastTicks) ticks = this.lastTicks + 1;
    this.lastTicks = ticks;
    const ms = Math.floor(ticks / 10_000);
    return `${new Date(ms).toISOString().slice(0, 23)}${String(ticks % 10_000).padStart(4, "0")}Z`;
  }

  private newId(loggedByService: string, correlationId: string): string {
    for (;;) {
      let code = "";
      for (let i = 0; i < 5; i++) code += ALNUM[this.rng.int(ALNUM.length)];
      const n = 10_000_000 + this.rng.int(90_000_000);
      const id = loggedByService === ACCOUNT_PROVISIONING ? `Sync_${code}_${n}` : `Directory_${correlationId}_${code}_${n}`;
      if (!this.byId.has(id)) return id;
    }
  }

  add(draft: Draft, now = Date.now()): DirectoryAudit {
    const { category, correlationId, result, resultReason, activityDisplayName, loggedByService, operationType, userAgent, initiatedBy, targetResources, additionalDetails } = draft;
    // Key order as in the documented responses.
    const record: DirectoryAudit = {
      id: this.newId(loggedByService, correlationId),
      category,
      correlationId,
      result,
      resultReason,
      activityDisplayName,
      activityDateTime: this.timestamp(now),
      loggedByService,
      operationType,
      userAgent,
      initiatedBy,
      targetResources,
      additionalDetails,
    };
    const stored: Stored = { seq: ++this.seq, visibleAt: now + (this.latencyMs > 0 ? this.rng.int(this.latencyMs + 1) : 0), record };
    this.items.push(stored);
    this.byId.set(record.id, stored);
    while (this.items.length > MAX_DIRECTORY_AUDITS) this.byId.delete(this.items.shift()!.record.id);
    return record;
  }

  /** Records visible at `now`, oldest first, with their sequence numbers (paging cursors). */
  visible(now = Date.now()): { seq: number; record: DirectoryAudit }[] {
    return this.items.filter((s) => s.visibleAt <= now);
  }

  get(id: string, now = Date.now()): DirectoryAudit | undefined {
    const s = this.byId.get(id);
    return s && s.visibleAt <= now ? s.record : undefined;
  }

  /** Every record, visible or not (admin state). */
  get size(): number {
    return this.items.length;
  }

  get lastSeq(): number {
    return this.seq;
  }

  clear(): void {
    this.items = [];
    this.byId.clear();
  }
}

// ---------------------------------------------------------------------------------------------
// Recording: which write produces which record.
// ---------------------------------------------------------------------------------------------

interface Entry {
  service: typeof CORE_DIRECTORY | typeof ACCOUNT_PROVISIONING;
  category: string;
  activity: string;
  operationType: string;
  targets: TargetResource[];
  details: KeyValue[];
}

/** Builds the records of one request once its outcome is known. */
type Plan = (status: number, body: unknown) => Entry[];

export interface PendingAudit {
  /** Called with the request's final status (and body); writes the records the outcome calls for. */
  commit(status: number, body?: unknown): void;
}

const ok = (status: number): boolean => status >= 200 && status < 300;

/** A directory value as the audit log writes it: a JSON array in a string (`["name"]`, `[true]`, `[]`). */
function listValue(v: unknown): string {
  if (v === undefined || v === null) return "[]";
  return JSON.stringify(Array.isArray(v) ? v : [v]);
}

/** A single value as the audit log writes it: a JSON-encoded string (`"\"value\""`). */
function jsonValue(v: unknown): string {
  return JSON.stringify(v ?? "");
}

const pascal = (name: string): string => name.charAt(0).toUpperCase() + name.slice(1);

function included(names: string[]): ModifiedProperty {
  return { displayName: "Included Updated Properties", oldValue: null, newValue: JSON.stringify(names.join(", ")) };
}

function target(id: string, displayName: unknown, type: string, modifiedProperties: ModifiedProperty[] = [], extra: Partial<TargetResource> = {}): TargetResource {
  return {
    id,
    displayName: typeof displayName === "string" ? displayName : null,
    type,
    userPrincipalName: null,
    groupType: null,
    modifiedProperties,
    ...extra,
  };
}

const TYPE_NAME: Record<DirectoryType, string> = { application: "Application", servicePrincipal: "ServicePrincipal" };

function objectTarget(type: DirectoryType, e: Entity, modifiedProperties: ModifiedProperty[] = []): TargetResource {
  const mp = type === "servicePrincipal" && modifiedProperties.length
    ? [...modifiedProperties, { displayName: "TargetId.ServicePrincipalNames", oldValue: null, newValue: jsonValue(String(e.appId ?? "")) }]
    : modifiedProperties;
  return target(e.id, e.displayName, TYPE_NAME[type], mp);
}

const appIdDetail = (e: Entity | undefined): KeyValue[] => (e?.appId ? [{ key: "AppId", value: String(e.appId) }] : []);

const SP_PATH = String.raw`\/servicePrincipals(?:\/\{id\}|\(appId='\{id\}'\))`;
const RE = {
  instantiate: /^\/applicationTemplates\/\{id\}\/instantiate$/,
  object: /^\/(applications|servicePrincipals)(?:\/\{id\}|\(appId='\{id\}'\))$/,
  restore: /^\/directory\/deletedItems\/\{id\}\/restore$/,
  deletedItem: /^\/directory\/deletedItems\/\{id\}$/,
  assignments: new RegExp(`^${SP_PATH}\\/appRoleAssignedTo$`),
  assignment: new RegExp(`^${SP_PATH}\\/appRoleAssignedTo\\/\\{id\\}$`),
  principal: /^\/(users|groups)\/\{id\}$/,
  jobs: new RegExp(`^${SP_PATH}\\/synchronization\\/jobs$`),
  job: new RegExp(`^${SP_PATH}\\/synchronization\\/jobs\\/\\{id\\}$`),
  jobAction: new RegExp(`^${SP_PATH}\\/synchronization\\/jobs\\/\\{id\\}\\/(start|pause|restart)$`),
  schema: new RegExp(`^${SP_PATH}\\/synchronization\\/jobs\\/\\{id\\}\\/schema$`),
  secrets: new RegExp(`^${SP_PATH}\\/synchronization\\/secrets$`),
};

/** Entra audit activity names (reference-audit-activities: "Account provisioning"). */
const JOB_ACTIVITY: Record<string, string> = {
  start: "Enable/start provisioning configuration",
  pause: "Disable/pause provisioning configuration",
  restart: "Enable/restart provisioning configuration",
};

/** App role assignment activities by principal type: [category, add, remove]. */
const ASSIGNMENT_ACTIVITY: Record<PrincipalType, [string, string, string]> = {
  User: ["UserManagement", "Add app role assignment grant to user", "Remove app role assignment from user"],
  Group: ["GroupManagement", "Add app role assignment to group", "Remove app role assignment from group"],
  ServicePrincipal: ["ApplicationManagement", "Add app role assignment to service principal", "Remove app role assignment from service principal"],
};

/**
 * Writes directory audit records for accepted writes. The dispatcher calls {@link prepare} before a
 * handler runs (to capture the state the record needs, e.g. the old values of a PATCH) and
 * `commit` with the outcome. Writes through `$batch` are dispatched one by one, so each item is
 * audited on its own; the `$batch` request itself is not a write.
 */
export class AuditRecorder {
  constructor(
    private readonly s: Services,
    readonly log: DirectoryAuditLog,
  ) {}

  /** `correlationId`: the request's client-request-id (Graph echoes it; it defaults to the request-id). */
  prepare(ctx: RequestContext, template: string, correlationId: string): PendingAudit | undefined {
    if (ctx.method === "GET" || ctx.method === "HEAD") return undefined;
    let plan: Plan | undefined;
    try {
      plan = this.plan(ctx, template);
    } catch (err) {
      // Auditing never fails a request.
      console.error("graph emulator: directory audit failed", err);
    }
    if (!plan) return undefined;
    const decided = plan;
    return {
      commit: (status, body) => {
        try {
          for (const e of decided(status, body)) this.write(ctx, e, correlationId);
        } catch (err) {
          console.error("graph emulator: directory audit failed", err);
        }
      },
    };
  }

  private write(ctx: RequestContext, e: Entry, correlationId: string): void {
    const userAgent = ctx.headers["user-agent"] ?? null;
    const details = e.service === CORE_DIRECTORY && userAgent ? [{ key: "User-Agent", value: userAgent }, ...e.details] : e.details;
    this.log.add({
      category: e.category,
      correlationId,
      result: "success",
      resultReason: "",
      activityDisplayName: e.activity,
      loggedByService: e.service,
      operationType: e.operationType,
      userAgent,
      initiatedBy: this.initiator(ctx),
      targetResources: e.targets,
      additionalDetails: details,
    });
  }

  /** Who made the request, from the token: the signed-in user (delegated) or the app. */
  private initiator(ctx: RequestContext): DirectoryAudit["initiatedBy"] {
    const c = ctx.claims as IdentityClaims;
    if (isDelegated(c)) {
      const user = c.oid ? this.s.dir.users.get(c.oid) : undefined;
      const forwarded = ctx.headers["x-forwarded-for"]?.split(",")[0]?.trim();
      return {
        app: null,
        user: {
          id: c.oid ?? null,
          displayName: c.name ?? user?.displayName ?? null,
          userPrincipalName: c.upn ?? user?.userPrincipalName ?? null,
          ipAddress: forwarded || null,
          userType: "Member",
          homeTenantId: null,
          homeTenantName: null,
        },
      };
    }
    const reg = this.s.auth.clients.get(String(c.appid).toLowerCase());
    return {
      app: {
        // Live app-initiated Core Directory records carry no appId; servicePrincipalId is the caller's
        // service principal (the token's oid).
        appId: null,
        displayName: c.app_displayname ?? reg?.displayName ?? DEFAULT_CLIENT_NAME,
        servicePrincipalId: c.oid ?? c.appid,
        servicePrincipalName: null,
      },
      user: null,
    };
  }

  private entity(type: DirectoryType, params: Record<string, string>): Entity | undefined {
    if (params.appId !== undefined) return this.s.dir.find(type, { appId: params.appId }, PRIMARY);
    return params.id !== undefined ? this.s.dir.tableOf(type).primary(params.id) : undefined;
  }

  private plan(ctx: RequestContext, template: string): Plan | undefined {
    const m = ctx.method;
    const p = ctx.params;
    let match: RegExpExecArray | null;

    if (m === "POST" && RE.instantiate.test(template)) return this.planInstantiate();

    if ((match = RE.object.exec(template)) && (m === "PATCH" || m === "DELETE")) {
      const type: DirectoryType = match[1] === "applications" ? "application" : "servicePrincipal";
      const before = this.entity(type, p);
      if (!before) return undefined;
      const snapshot = structuredClone(before);
      const noun = type === "application" ? "application" : "service principal";
      if (m === "DELETE") {
        return (status) => ok(status)
          ? [{ service: CORE_DIRECTORY, category: "ApplicationManagement", activity: type === "application" ? "Delete application" : "Remove service principal", operationType: "Delete", targets: [objectTarget(type, snapshot)], details: appIdDetail(snapshot) }]
          : [];
      }
      const body = (ctx.body ?? {}) as Record<string, unknown>;
      return (status) => {
        if (!ok(status)) return [];
        const after = this.s.dir.tableOf(type).primary(snapshot.id) ?? snapshot;
        const mp: ModifiedProperty[] = [];
        for (const key of Object.keys(body)) {
          if (key.startsWith("@odata.")) continue;
          // Beta's publishedPermissionScopes is stored as oauth2PermissionScopes (directory-objects.ts).
          const stored = key === "publishedPermissionScopes" && !(key in after) ? "oauth2PermissionScopes" : key;
          const oldV = snapshot[stored];
          const newV = after[stored];
          if (JSON.stringify(oldV ?? null) === JSON.stringify(newV ?? null)) continue;
          mp.push({ displayName: pascal(key), oldValue: listValue(oldV), newValue: listValue(newV) });
        }
        if (mp.length) mp.push(included(mp.map((x) => x.displayName)));
        return [{ service: CORE_DIRECTORY, category: "ApplicationManagement", activity: `Update ${noun}`, operationType: "Update", targets: [objectTarget(type, after, mp)], details: appIdDetail(after) }];
      };
    }

    if (m === "POST" && RE.restore.test(template)) {
      const item = this.s.dir.deletedItem(p.id);
      if (!item) return undefined;
      const data = structuredClone(item.data);
      return (status) => ok(status)
        ? [{ service: CORE_DIRECTORY, category: "ApplicationManagement", activity: item.type === "application" ? "Restore application" : "Restore service principal", operationType: "Restore", targets: [objectTarget(item.type, data)], details: appIdDetail(data) }]
        : [];
    }

    if (m === "DELETE" && RE.deletedItem.test(template)) {
      const item = this.s.dir.deletedItem(p.id);
      if (!item) return undefined;
      const data = structuredClone(item.data);
      return (status) => ok(status)
        ? [{ service: CORE_DIRECTORY, category: "ApplicationManagement", activity: item.type === "application" ? "Hard Delete application" : "Hard delete service principal", operationType: "Delete", targets: [objectTarget(item.type, data)], details: appIdDetail(data) }]
        : [];
    }

    if (m === "POST" && RE.assignments.test(template)) {
      const sp = this.entity("servicePrincipal", p);
      if (!sp) return undefined;
      return (status, body) => {
        const rec = body as Partial<AppRoleAssignmentRecord> | undefined;
        if (!ok(status) || !rec?.id || !rec.principalId || !rec.principalType) return [];
        return [this.assignmentEntry(sp, rec as AppRoleAssignmentRecord, "add")];
      };
    }

    if (m === "DELETE" && RE.assignment.test(template)) {
      const sp = this.entity("servicePrincipal", p);
      const rec = this.s.dir.assignments.get(p.assignmentId, PRIMARY);
      if (!sp || !rec) return undefined;
      const snapshot = { ...rec };
      return (status) => (ok(status) ? [this.assignmentEntry(sp, snapshot, "remove")] : []);
    }

    if (m === "DELETE" && (match = RE.principal.exec(template))) {
      if (match[1] === "users") {
        const u = resolveUser(this.s, p.id);
        if (!u) return undefined;
        const t = target(u.id, u.displayName, "User", [], { userPrincipalName: u.userPrincipalName });
        return (status) => (ok(status) ? [{ service: CORE_DIRECTORY, category: "UserManagement", activity: "Delete user", operationType: "Delete", targets: [t], details: [] }] : []);
      }
      const g = resolveGroup(this.s, p.id);
      if (!g) return undefined;
      const t = target(g.id, g.displayName, "Group");
      return (status) => (ok(status) ? [{ service: CORE_DIRECTORY, category: "GroupManagement", activity: "Delete group", operationType: "Delete", targets: [t], details: [] }] : []);
    }

    return this.planSynchronization(ctx, template);
  }

  /**
   * Instantiate creates an application and its service principal: "Add application" and "Add service
   * principal". The documented instantiate fault (objects created, 404 answered) still writes them:
   * the directory made the objects whatever the caller was told.
   */
  private planInstantiate(): Plan {
    // Only the fault path needs the applications that existed before (to find the ones it made).
    const before = this.s.faults.instantiate404Rate > 0 ? new Set([...this.s.dir.applications.primaries()].map((a) => a.id)) : undefined;
    return (status, body) => {
      let apps: Entity[] = [];
      if (ok(status)) {
        const id = (body as { application?: { id?: string } } | undefined)?.application?.id;
        const app = id ? this.s.dir.applications.primary(id) : undefined;
        if (app) apps = [app];
      } else if (status === 404 && before) {
        apps = [...this.s.dir.applications.primaries()].filter((a) => !before.has(a.id));
      }
      const out: Entry[] = [];
      for (const app of apps) {
        const appProps = [
          { displayName: "AppId", oldValue: "[]", newValue: listValue(app.appId) },
          { displayName: "DisplayName", oldValue: "[]", newValue: listValue(app.displayName) },
        ];
        out.push({ service: CORE_DIRECTORY, category: "ApplicationManagement", activity: "Add application", operationType: "Add", targets: [objectTarget("application", app, [...appProps, included(["AppId", "DisplayName"])])], details: appIdDetail(app) });
        for (const spId of this.s.dir.servicePrincipals.candidates("appId", String(app.appId)) ?? []) {
          const sp = this.s.dir.servicePrincipals.primary(spId);
          if (!sp || sp.appId !== app.appId) continue;
          const spProps = [
            { displayName: "AccountEnabled", oldValue: "[]", newValue: listValue(sp.accountEnabled ?? true) },
            { displayName: "AppPrincipalId", oldValue: "[]", newValue: listValue(sp.appId) },
            { displayName: "DisplayName", oldValue: "[]", newValue: listValue(sp.displayName) },
            { displayName: "ServicePrincipalName", oldValue: "[]", newValue: listValue(sp.servicePrincipalNames ?? [sp.appId]) },
          ];
          out.push({ service: CORE_DIRECTORY, category: "ApplicationManagement", activity: "Add service principal", operationType: "Add", targets: [objectTarget("servicePrincipal", sp, [...spProps, included(spProps.map((x) => x.displayName))])], details: appIdDetail(sp) });
        }
      }
      return out;
    };
  }

  /**
   * An app role assignment granted or removed: the resource service principal is the first target
   * (with the role and the principal in modifiedProperties, as live records show them), the user or
   * group the second.
   */
  private assignmentEntry(sp: Entity, rec: AppRoleAssignmentRecord, change: "add" | "remove"): Entry {
    const [category, addName, removeName] = ASSIGNMENT_ACTIVITY[rec.principalType];
    const role = appRolesOf(sp).find((r) => String(r.id).toLowerCase() === rec.appRoleId.toLowerCase());
    const prop = (displayName: string, v: unknown): ModifiedProperty =>
      change === "add" ? { displayName, oldValue: null, newValue: jsonValue(v) } : { displayName, oldValue: jsonValue(v), newValue: null };
    const mp: ModifiedProperty[] = [
      prop("AppRole.Id", rec.appRoleId),
      prop("AppRole.Value", role?.value ?? ""),
      prop("AppRole.DisplayName", role?.displayName ?? ""),
    ];
    if (change === "add") mp.push(prop("AppRoleAssignment.CreatedDateTime", rec.createdDateTime));
    const targets: TargetResource[] = [];
    if (rec.principalType === "User") {
      const u = this.s.dir.users.get(rec.principalId);
      mp.push(prop("User.ObjectID", rec.principalId), prop("User.UPN", u?.userPrincipalName ?? ""));
      targets.push(target(rec.principalId, u?.displayName ?? null, "User", [], { userPrincipalName: u?.userPrincipalName ?? null }));
    } else if (rec.principalType === "Group") {
      const g = this.s.dir.groups.get(rec.principalId);
      mp.push(prop("Group.ObjectID", rec.principalId), prop("Group.DisplayName", g?.displayName ?? ""));
      targets.push(target(rec.principalId, g?.displayName ?? null, "Group"));
    } else {
      const client = this.s.dir.servicePrincipals.primary(rec.principalId);
      mp.push(prop("ServicePrincipal.ObjectID", rec.principalId), prop("ServicePrincipal.DisplayName", client?.displayName ?? ""), prop("ServicePrincipal.AppId", client?.appId ?? ""));
    }
    mp.push({ displayName: "TargetId.ServicePrincipalNames", oldValue: null, newValue: jsonValue(String(sp.appId ?? "")) });
    return {
      service: CORE_DIRECTORY,
      category,
      activity: change === "add" ? addName : removeName,
      operationType: change === "add" ? "Assign" : "Unassign",
      targets: [target(sp.id, sp.displayName, "ServicePrincipal", mp), ...targets],
      details: appIdDetail(sp),
    };
  }

  /**
   * Synchronization writes, logged by "Account Provisioning" (category ProvisioningManagement) with
   * the service principal as target and the job id in additionalDetails. validateCredentials and
   * provisionOnDemand change no configuration and write none (provisionOnDemand writes a
   * provisioning log instead).
   */
  private planSynchronization(ctx: RequestContext, template: string): Plan | undefined {
    const m = ctx.method;
    const p = ctx.params;
    const sync = (activity: string, operationType: string, sp: Entity, jobId: string | undefined, mp: ModifiedProperty[] = []): Entry => ({
      service: ACCOUNT_PROVISIONING,
      category: "ProvisioningManagement",
      activity,
      operationType,
      targets: [target(sp.id, sp.displayName, "ServicePrincipal", mp)],
      details: [...(jobId ? [{ key: "JobId", value: jobId }] : []), ...appIdDetail(sp)],
    });
    let match: RegExpExecArray | null;
    const sp = (): Entity | undefined => this.entity("servicePrincipal", p);

    if (m === "POST" && RE.jobs.test(template)) {
      const owner = sp();
      if (!owner) return undefined;
      return (status, body) => {
        const jobId = (body as { id?: string } | undefined)?.id;
        return ok(status) ? [sync("Add provisioning configuration", "Add", owner, jobId)] : [];
      };
    }
    if (m === "DELETE" && RE.job.test(template)) {
      const owner = sp();
      if (!owner) return undefined;
      return (status) => (ok(status) ? [sync("Delete provisioning configuration", "Delete", owner, p.jobId)] : []);
    }
    if (m === "POST" && (match = RE.jobAction.exec(template))) {
      const owner = sp();
      const activity = JOB_ACTIVITY[match[1]];
      if (!owner || !activity) return undefined;
      return (status) => (ok(status) ? [sync(activity, "Update", owner, p.jobId)] : []);
    }
    if ((m === "PUT" || m === "DELETE") && RE.schema.test(template)) {
      const owner = sp();
      if (!owner) return undefined;
      return (status) => (ok(status) ? [sync("Update attribute mappings or scope", "Update", owner, p.jobId)] : []);
    }
    if (m === "PUT" && RE.secrets.test(template)) {
      const owner = sp();
      if (!owner) return undefined;
      const before = this.s.sync.secrets.get(owner.id);
      return (status) => {
        const after = this.s.sync.secrets.get(owner.id);
        // A PUT Graph drops while answering 204 (no SyncAll/SyncNotificationSettings) changed nothing.
        if (!ok(status) || after === before || !after) return [];
        // Names of the keys that changed, never their values (they can be secrets).
        const old = new Map((before ?? []).map((kv) => [kv.key, kv.value]));
        const now = new Map(after.map((kv) => [kv.key, kv.value]));
        const changed = [...new Set([...old.keys(), ...now.keys()])].filter((k) => old.get(k) !== now.get(k));
        return [sync("Update provisioning setting or credentials", "Update", owner, undefined, changed.length ? [included(changed)] : [])];
      };
    }
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Queries: GET /auditLogs/directoryAudits and /auditLogs/directoryAudits/{id}.
// ---------------------------------------------------------------------------------------------

const AUDIT_LOG_READ = "AuditLog.Read.All";
const DIRECTORY_READS = ["Directory.Read.All", "Directory.ReadWrite.All"];

/** The reporting service's 403 for a missing permission (names the permission it wanted). */
export function permissionMissing(permission: string): GraphError {
  return new GraphError(403, "Authentication_MSGraphPermissionMissing", `Calling principal does not have required MSGraph permissions ${permission}`);
}

/** directoryAudit list/get: AuditLog.Read.All and Directory.Read.All (the stricter documented table). */
export function assertDirectoryAuditRead(ctx: RequestContext): void {
  const held = grantedPermissions(ctx.claims);
  if (!held.includes(AUDIT_LOG_READ)) throw permissionMissing(AUDIT_LOG_READ);
  if (!held.some((p) => DIRECTORY_READS.includes(p))) throw permissionMissing("Directory.Read.All");
}

const invalidFilter = (): GraphError => new GraphError(400, "BadRequest", "Invalid filter clause");

type Op = "eq" | "ge" | "le" | "startswith";
/** $filter properties and operators the docs list (directoryaudit resource page and the list page's former table). */
const FILTERABLE: Record<string, Op[]> = {
  id: ["eq"],
  category: ["eq"],
  correlationId: ["eq"],
  activityDisplayName: ["eq", "startswith"],
  activityDateTime: ["eq", "ge", "le"],
  loggedByService: ["eq"],
  "initiatedBy/user/id": ["eq"],
  "initiatedBy/user/displayName": ["eq"],
  "initiatedBy/user/userPrincipalName": ["eq", "startswith"],
  "initiatedBy/app/appId": ["eq"],
  "initiatedBy/app/displayName": ["eq"],
};
const TARGET_FILTERABLE: Record<string, Op[]> = { id: ["eq"], displayName: ["eq", "startswith"] };

function checkClause(node: FilterNode, allowed: Record<string, Op[]>, path: (p: string[]) => string | undefined): void {
  if (node.t === "cmp") {
    const key = path(node.path);
    const ops = key === undefined ? undefined : allowed[key];
    if (!ops || !ops.includes(node.op as Op)) throw invalidFilter();
    const isDate = key === "activityDateTime";
    const literalIsDate = node.value !== null && typeof node.value === "object";
    if (isDate !== literalIsDate || (!isDate && typeof node.value !== "string")) throw invalidFilter();
    return;
  }
  if (node.t === "fn") {
    const key = path(node.path);
    if (node.fn !== "startswith" || key === undefined || !allowed[key]?.includes("startswith")) throw invalidFilter();
    return;
  }
  throw invalidFilter();
}

/** Throws 400 "Invalid filter clause" unless every clause is one the docs list. */
export function assertAuditFilter(node: FilterNode): void {
  switch (node.t) {
    case "and":
    case "or":
      assertAuditFilter(node.a);
      assertAuditFilter(node.b);
      return;
    case "not":
      throw invalidFilter();
    case "any":
      if (node.path.join("/") !== "targetResources") throw invalidFilter();
      checkClause(node.e, TARGET_FILTERABLE, (p) => (p.length === 2 && p[0] === node.v ? p[1] : undefined));
      return;
    default:
      checkClause(node, FILTERABLE, (p) => p.join("/"));
  }
}

/** 100-ns ticks of an activityDateTime (7 fractional digits), or of a filter literal (milliseconds). */
function ticksOf(iso: string): number {
  const ms = Date.parse(iso);
  const frac = /\.(\d+)Z$/.exec(iso)?.[1] ?? "";
  return ms * 10_000 + Number((frac.slice(3) + "0000").slice(0, 4));
}

function resolve(obj: unknown, path: string[]): unknown {
  let cur = obj;
  for (const p of path) cur = cur === null || cur === undefined ? undefined : (cur as Record<string, unknown>)[p];
  return cur;
}

/**
 * Evaluates a filter {@link assertAuditFilter} accepted. Strings compare case-sensitively (the
 * portal's audit filters are); activityDateTime compares at the records' full precision.
 */
export function matchesAudit(node: FilterNode, record: unknown, scope?: { v: string; item: unknown }): boolean {
  const at = (path: string[]): unknown => (scope && path[0] === scope.v ? resolve(scope.item, path.slice(1)) : resolve(record, path));
  switch (node.t) {
    case "and":
      return matchesAudit(node.a, record, scope) && matchesAudit(node.b, record, scope);
    case "or":
      return matchesAudit(node.a, record, scope) || matchesAudit(node.b, record, scope);
    case "any": {
      const items = resolve(record, node.path);
      return Array.isArray(items) && items.some((item) => matchesAudit(node.e, record, { v: node.v, item }));
    }
    case "fn": {
      const v = at(node.path);
      return typeof v === "string" && v.startsWith(node.value);
    }
    case "cmp": {
      const v = at(node.path);
      if (node.value !== null && typeof node.value === "object") {
        if (typeof v !== "string") return false;
        const a = ticksOf(v);
        const b = node.value.date * 10_000;
        return node.op === "eq" ? a === b : node.op === "ge" ? a >= b : a <= b;
      }
      return v === node.value;
    }
    default:
      return false;
  }
}

function readAuditFilter(ctx: RequestContext): FilterNode | undefined {
  const raw = ctx.query.get("$filter");
  if (raw === null || raw.trim() === "") return undefined;
  let node: FilterNode;
  try {
    node = parseFilter(raw);
  } catch (e) {
    if (e instanceof GraphError) throw invalidFilter();
    throw e;
  }
  assertAuditFilter(node);
  return node;
}

const SUPPORTED_OPTIONS = new Set(["$filter", "$orderby", "$top", "$skiptoken", "$select"]);
const PROPERTIES = ["id", "category", "correlationId", "result", "resultReason", "activityDisplayName", "activityDateTime", "loggedByService", "operationType", "userAgent", "initiatedBy", "targetResources", "additionalDetails"];

function propertiesFor(ctx: RequestContext): string[] {
  return ctx.version === "beta" ? PROPERTIES : PROPERTIES.filter((p) => p !== "userAgent");
}

function rejectOptions(ctx: RequestContext): void {
  for (const key of ctx.query.keys()) {
    if (key.startsWith("$") && !SUPPORTED_OPTIONS.has(key)) {
      throw new GraphError(400, "BadRequest", `Query option '${key.slice(1)}' is not allowed. Supported: $filter, $orderby, $top, $skiptoken, $select.`);
    }
  }
}

function readSelect(ctx: RequestContext): string[] | undefined {
  const raw = ctx.query.get("$select");
  if (raw === null || raw.trim() === "") return undefined;
  const known = propertiesFor(ctx);
  const props = raw.split(",").map((x) => x.trim()).filter(Boolean);
  for (const p of props) {
    if (!known.includes(p)) throw new GraphError(400, "BadRequest", `Could not find a property named '${p}' on type 'microsoft.graph.directoryAudit'.`);
  }
  return props;
}

function readOrder(ctx: RequestContext): "asc" | "desc" {
  const raw = ctx.query.get("$orderby");
  if (raw === null) return "desc";
  const m = /^\s*activityDateTime(?:\s+(asc|desc))?\s*$/i.exec(raw);
  if (!m) throw new GraphError(400, "BadRequest", `Order by '${raw.trim()}' is not allowed. Supported: activityDateTime asc|desc.`);
  return (m[1]?.toLowerCase() ?? "asc") as "asc" | "desc";
}

function readTop(ctx: RequestContext): number {
  const raw = ctx.query.get("$top");
  if (raw === null) return DEFAULT_PAGE;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 999) throw new GraphError(400, "BadRequest", `Invalid page size specified: '${raw}'. Must be between 1 and 999 inclusive.`);
  return n;
}

/** Page size without $top (emulator-defined; Graph does not document the default for this API). */
export const DEFAULT_PAGE = 100;

interface Cursor {
  /** Last sequence number served; the next page continues after it. */
  after: number;
  /** Newest sequence number when the first page was served: later records are not paged in. */
  max: number;
}

function readCursor(ctx: RequestContext): Cursor | undefined {
  const token = ctx.query.get("$skiptoken");
  if (token === null) return undefined;
  try {
    const c = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as Cursor;
    if (Number.isInteger(c.after) && Number.isInteger(c.max)) return c;
  } catch {
    // fall through
  }
  throw new GraphError(400, "BadRequest", "Invalid $skiptoken.");
}

function render(ctx: RequestContext, r: DirectoryAudit, select: string[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of select ?? propertiesFor(ctx)) out[p] = (r as unknown as Record<string, unknown>)[p] ?? null;
  return out;
}

/** GET /auditLogs/directoryAudits (permission and rate limit checked by the caller). */
export function listDirectoryAudits(ctx: RequestContext, log: DirectoryAuditLog): GraphResponse {
  rejectOptions(ctx);
  const filter = readAuditFilter(ctx);
  const dir = readOrder(ctx);
  const top = readTop(ctx);
  const select = readSelect(ctx);
  const cursor = readCursor(ctx);
  const max = cursor?.max ?? log.lastSeq;
  let items = log.visible().filter((s) => s.seq <= max && (!filter || matchesAudit(filter, s.record)));
  if (dir === "desc") items.reverse();
  if (cursor) items = items.filter((s) => (dir === "desc" ? s.seq < cursor.after : s.seq > cursor.after));
  const pageItems = items.slice(0, top);
  const body: Record<string, unknown> = {
    "@odata.context": odataContext(ctx, select ? `auditLogs/directoryAudits(${select.join(",")})` : "auditLogs/directoryAudits"),
  };
  if (items.length > top) {
    const q = new URLSearchParams(ctx.query);
    q.set("$top", String(top));
    const next: Cursor = { after: pageItems[pageItems.length - 1].seq, max };
    q.set("$skiptoken", Buffer.from(JSON.stringify(next)).toString("base64url"));
    body["@odata.nextLink"] = `${ctx.baseUrl}/${ctx.version}${ctx.path}?${q.toString().replace(/%24/g, "$")}`;
  }
  body.value = pageItems.map((s) => render(ctx, s.record, select));
  return { status: 200, body };
}

/** GET /auditLogs/directoryAudits/{id}. */
export function getDirectoryAudit(ctx: RequestContext, log: DirectoryAuditLog): GraphResponse {
  for (const key of ctx.query.keys()) {
    if (key.startsWith("$") && key !== "$select") throw new GraphError(400, "BadRequest", `Query option '${key.slice(1)}' is not allowed. Supported: $select.`);
  }
  const select = readSelect(ctx);
  const r = log.get(ctx.params.id);
  if (!r) throw new GraphError(404, "ResourceNotFound", `Directory audit '${ctx.params.id}' was not found.`);
  return { status: 200, body: { "@odata.context": odataContext(ctx, "auditLogs/directoryAudits/$entity"), ...render(ctx, r, select) } };
}
