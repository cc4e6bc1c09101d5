import { AppRoleAssignmentRecord, AppRoleAssignmentStore } from "./app-roles";
import { DirectoryGroup, DirectoryUser, seedDirectory } from "./directory";
import { DirectoryType, Entity } from "./entities";
import { Rng } from "./random";
import { ReplicatedTable, ReplicationModel } from "./replication";

export interface DeletedItem {
  type: DirectoryType;
  data: Entity;
}

/** Serialized form used by the state file. */
export interface DirectorySnapshot {
  applications: Entity[];
  servicePrincipals: Entity[];
  deletedItems: DeletedItem[];
  users: DirectoryUser[];
  groups: DirectoryGroup[];
  /** App role assignments (app-roles.ts); older state files held `[spId, principalIds][]` here. */
  assignments: AppRoleAssignmentRecord[];
}

const RETENTION_MS = 30 * 24 * 3600 * 1000; // deleted items are purged after 30 days (§2.3)

/**
 * Directory state: applications and service principals (replicated, see replication.ts), the
 * deletedItems container, the seeded users/groups, and app role assignments (app-roles.ts; a new
 * service principal has none).
 * Synchronization state lives in sync-store.ts; `onServicePrincipalGone` lets it drop jobs and
 * secrets when a service principal is deleted.
 */
export class DirectoryStore {
  readonly applications: ReplicatedTable<Entity>;
  readonly servicePrincipals: ReplicatedTable<Entity>;
  readonly deleted = new Map<string, DeletedItem>();
  users = new Map<string, DirectoryUser>();
  groups = new Map<string, DirectoryGroup>();
  readonly assignments: AppRoleAssignmentStore;
  /** The users and groups as seeded (or loaded): a reset brings back any deleted since. */
  private fixtures: { users: DirectoryUser[]; groups: DirectoryGroup[] } = { users: [], groups: [] };
  onServicePrincipalGone: (spId: string) => void = () => undefined;
  onChange: () => void = () => undefined;

  constructor(
    private readonly rng: Rng,
    readonly replication: ReplicationModel,
    private readonly userCount: number,
  ) {
    this.applications = this.table();
    this.servicePrincipals = this.table();
    this.assignments = new AppRoleAssignmentStore(replication);
    this.seed();
  }

  private table(): ReplicatedTable<Entity> {
    const t = new ReplicatedTable<Entity>(this.replication);
    t.addIndex("appId", (e) => [String(e.appId)]);
    t.addIndex("applicationTemplateId", (e) => (e.applicationTemplateId ? [String(e.applicationTemplateId)] : []));
    t.addIndex("tags/any", (e) => (Array.isArray(e.tags) ? (e.tags as string[]) : []));
    t.addIndex("displayName", (e) => [String(e.displayName ?? "")]);
    return t;
  }

  private seed(): void {
    this.fixtures = seedDirectory(this.rng, this.userCount);
    this.restoreFixtures();
  }

  private restoreFixtures(): void {
    this.users = new Map(this.fixtures.users.map((u) => [u.id, structuredClone(u)]));
    this.groups = new Map(this.fixtures.groups.map((g) => [g.id, structuredClone(g)]));
  }

  /** Deletes a user or group and its app role assignments; drops it from group memberships (routes/users-groups.ts). */
  deletePrincipal(id: string): boolean {
    const had = this.users.delete(id) || this.groups.delete(id);
    if (!had) return false;
    for (const g of this.groups.values()) g.members = g.members.filter((m) => m !== id);
    this.assignments.removeObject(id);
    this.onChange();
    return true;
  }

  reset(): void {
    this.applications.clear();
    this.servicePrincipals.clear();
    this.deleted.clear();
    this.assignments.clear();
    // Users and groups are tenant fixtures: a reset keeps their ids and brings back deleted ones.
    this.restoreFixtures();
    this.onChange();
  }

  tableOf(type: DirectoryType): ReplicatedTable<Entity> {
    return type === "application" ? this.applications : this.servicePrincipals;
  }

  /** Resolves `{id}` or `(appId='…')` against a replica. */
  find(type: DirectoryType, key: { id?: string; appId?: string }, replica: number): Entity | undefined {
    const table = this.tableOf(type);
    if (key.id !== undefined) return table.get(key.id, replica);
    for (const id of table.candidates("appId", key.appId ?? "") ?? []) {
      const e = table.get(id, replica);
      if (e && String(e.appId).toLowerCase() === key.appId?.toLowerCase()) return e;
    }
    return undefined;
  }

  createPair(application: Entity, servicePrincipal: Entity): void {
    this.applications.put(application);
    this.servicePrincipals.put(servicePrincipal);
    this.onChange();
  }

  update(type: DirectoryType, entity: Entity): void {
    this.tableOf(type).put(entity);
    if (type === "application") {
      // A service principal mirrors its application's name as appDisplayName.
      for (const spId of this.servicePrincipals.candidates("appId", String(entity.appId)) ?? []) {
        const sp = this.servicePrincipals.primary(spId);
        if (sp && sp.appId === entity.appId && sp.appDisplayName !== entity.displayName) {
          this.servicePrincipals.put({ ...sp, appDisplayName: entity.displayName });
        }
      }
    }
    this.onChange();
  }

  /** Soft delete. Deleting an application also soft-deletes its service principals (Entra behaviour). */
  softDelete(type: DirectoryType, id: string): void {
    const table = this.tableOf(type);
    const entity = table.primary(id);
    if (!entity) return;
    const now = new Date().toISOString();
    table.remove(id);
    this.deleted.set(id, { type, data: { ...entity, deletedDateTime: now } });
    if (type === "servicePrincipal") {
      this.onServicePrincipalGone(id);
    } else {
      for (const spId of this.servicePrincipals.candidates("appId", String(entity.appId)) ?? []) {
        const sp = this.servicePrincipals.primary(spId);
        if (sp && sp.appId === entity.appId) this.softDelete("servicePrincipal", spId);
      }
    }
    this.onChange();
  }

  deletedItem(id: string): DeletedItem | undefined {
    this.purgeExpired();
    return this.deleted.get(id);
  }

  deletedOfType(type: DirectoryType): DeletedItem[] {
    this.purgeExpired();
    return [...this.deleted.values()].filter((d) => d.type === type);
  }

  restore(id: string): Entity | undefined {
    const item = this.deleted.get(id);
    if (!item) return undefined;
    this.deleted.delete(id);
    const restored = { ...item.data, deletedDateTime: null };
    this.tableOf(item.type).put(restored);
    this.onChange();
    return restored;
  }

  purge(id: string): boolean {
    const had = this.deleted.delete(id);
    if (had) {
      this.assignments.removeObject(id);
      this.onChange();
    }
    return had;
  }

  private purgeExpired(): void {
    const cutoff = Date.now() - RETENTION_MS;
    for (const [id, item] of this.deleted) {
      if (Date.parse(String(item.data.deletedDateTime)) < cutoff) this.purge(id);
    }
  }

  snapshot(): DirectorySnapshot {
    return {
      applications: [...this.applications.primaries()],
      servicePrincipals: [...this.servicePrincipals.primaries()],
      deletedItems: [...this.deleted.values()],
      users: [...this.users.values()],
      groups: [...this.groups.values()],
      assignments: this.assignments.snapshot(),
    };
  }

  /** Loaded state is fully replicated: a restart is not a fresh write. */
  load(s: DirectorySnapshot): void {
    this.applications.clear();
    this.servicePrincipals.clear();
    const lag = this.replication.lagMs;
    this.replication.lagMs = 0;
    for (const a of s.applications) this.applications.put(a);
    for (const sp of s.servicePrincipals) this.servicePrincipals.put(sp);
    this.assignments.load(s.assignments);
    this.replication.lagMs = lag;
    this.deleted.clear();
    for (const d of s.deletedItems) this.deleted.set(d.data.id, d);
    this.fixtures = { users: s.users, groups: s.groups };
    this.restoreFixtures();
  }
}
