import type { DirectoryGroup, DirectoryUser } from "./directory";
import { Entity } from "./entities";
import { Rng } from "./random";
import { PRIMARY, ReplicatedTable, ReplicationModel, View } from "./replication";

/**
 * App role assignments: who is assigned to an application (users, groups, client service
 * principals) and with which app role. Sources for every rule are in FIDELITY.md, "App role
 * assignments".
 *
 * - Stored like Graph's appRoleAssignment (serviceprincipal-post-approleassignedto): `id`,
 *   `appRoleId`, `createdDateTime`, `principalId`, `principalType`, `resourceId`; the display names
 *   are read from the principal and the resource when the assignment is served.
 * - Assignments are directory data, so they replicate like applications and service principals
 *   (replication.ts): lists and reads by id on a replica see a new or removed assignment after its
 *   lag ("This request might have replication delays for app role assignments that were recently
 *   granted or removed", serviceprincipal-list-approleassignedto). Provisioning cycles read the primary.
 * - An assignment whose resource or principal is not (or no longer) in the directory is not served:
 *   soft-deleting a service principal hides its assignments, restoring it brings them back, purging
 *   it (or deleting a user or group) removes them.
 */
export const DEFAULT_ACCESS_ROLE_ID = "00000000-0000-0000-0000-000000000000";

export type PrincipalType = "User" | "Group" | "ServicePrincipal";

export interface AppRoleAssignmentRecord {
  id: string;
  appRoleId: string;
  createdDateTime: string;
  principalId: string;
  principalType: PrincipalType;
  resourceId: string;
}

export interface AppRole {
  id: string;
  allowedMemberTypes?: string[];
  isEnabled?: boolean;
  value?: string | null;
  displayName?: string;
}

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(v: unknown): v is string {
  return typeof v === "string" && GUID_RE.test(v);
}

/** A GUID's 16 bytes in .NET `Guid.ToByteArray()` order (first three groups little-endian). */
function guidBytes(guid: string): Buffer {
  const hex = guid.replace(/-/g, "");
  const b = Buffer.from(hex, "hex");
  const swap = (start: number, len: number) => b.subarray(start, start + len).reverse();
  swap(0, 4);
  swap(4, 2);
  swap(6, 2);
  return b;
}

/**
 * An assignment id as Graph mints them: 43 base64url characters, the first 16 bytes being the
 * principal's object id in .NET byte order. In the documented examples the id
 * `-WmtM5na7Uus0D8kI1yylpU9Mdo0Pb9OoBJvd3T5eKc` belongs to principal 33ad69f9-da99-4bed-acd0-3f24235cb296
 * and `41W1zT6z1U-kJxf62svfp1HF…` to cdb555e3-b33e-4fd5-a427-17fadacbdfa7. The other 16 bytes
 * are random here.
 */
export function assignmentId(principalId: string, rng: Rng): string {
  return Buffer.concat([guidBytes(principalId), Buffer.from(rng.hex(32), "hex")]).toString("base64url");
}

/** The app roles a service principal exposes (`appRoles`, copied from its application at instantiate). */
export function appRolesOf(sp: Entity): AppRole[] {
  return Array.isArray(sp.appRoles) ? (sp.appRoles as AppRole[]) : [];
}

/**
 * Whether `appRoleId` can be assigned to a principal of `principalType` on `sp`: an enabled role of
 * the service principal whose `allowedMemberTypes` admits the principal ("User" covers users and
 * groups, "Application" client service principals), or the default-access role id when the
 * application defines no app roles.
 */
export function assignableRole(sp: Entity, appRoleId: string, principalType: PrincipalType): boolean {
  const roles = appRolesOf(sp);
  if (appRoleId.toLowerCase() === DEFAULT_ACCESS_ROLE_ID) return roles.length === 0;
  const role = roles.find((r) => String(r.id).toLowerCase() === appRoleId.toLowerCase());
  if (!role || role.isEnabled === false) return false;
  const memberType = principalType === "ServicePrincipal" ? "Application" : "User";
  return (role.allowedMemberTypes ?? []).includes(memberType);
}

/** The assignment store, replicated like the other directory objects. */
export class AppRoleAssignmentStore {
  private readonly table: ReplicatedTable<AppRoleAssignmentRecord>;

  constructor(model: ReplicationModel) {
    this.table = new ReplicatedTable<AppRoleAssignmentRecord>(model);
    this.table.addIndex("resourceId", (a) => [a.resourceId]);
    this.table.addIndex("principalId", (a) => [a.principalId]);
  }

  add(a: AppRoleAssignmentRecord): void {
    this.table.put(a);
  }

  remove(id: string): void {
    this.table.remove(id);
    this.table.sweep();
  }

  /** One assignment as `replica` sees it (by id), or undefined. */
  get(id: string, replica = PRIMARY, view: View = "read"): AppRoleAssignmentRecord | undefined {
    return this.table.get(id, replica, Date.now(), view);
  }

  private by(index: "resourceId" | "principalId", key: string, replica: number, view: View): AppRoleAssignmentRecord[] {
    const now = Date.now();
    const k = key.toLowerCase();
    return (this.table.candidates(index, k) ?? [])
      .map((id) => this.table.get(id, replica, now, view))
      .filter((a): a is AppRoleAssignmentRecord => !!a && a[index] === k);
  }

  /** Assignments granted for the resource service principal `spId`, oldest first. */
  ofResource(spId: string, replica = PRIMARY, view: View = "list"): AppRoleAssignmentRecord[] {
    return this.by("resourceId", spId, replica, view);
  }

  /** Assignments granted to the principal `principalId` (user, group or service principal). */
  ofPrincipal(principalId: string, replica = PRIMARY, view: View = "list"): AppRoleAssignmentRecord[] {
    return this.by("principalId", principalId, replica, view);
  }

  /** Removes every assignment granted to or for `objectId` (a deleted principal, a purged service principal). */
  removeObject(objectId: string): number {
    const gone = [...this.ofPrincipal(objectId), ...this.ofResource(objectId)];
    for (const a of gone) this.table.remove(a.id);
    this.table.sweep();
    return gone.length;
  }

  all(): AppRoleAssignmentRecord[] {
    return [...this.table.primaries()];
  }

  clear(): void {
    this.table.clear();
  }

  /** State-file form. */
  snapshot(): AppRoleAssignmentRecord[] {
    return this.all();
  }

  /**
   * Loads saved assignments (the caller makes the load fully replicated, as for the other directory
   * objects). Entries of the old state-file format (per service principal, a list of randomly chosen
   * principal ids) are dropped: a service principal starts with no assignments.
   */
  load(saved: unknown): void {
    this.table.clear();
    for (const a of Array.isArray(saved) ? saved : []) {
      if (a && typeof a === "object" && !Array.isArray(a) && typeof (a as AppRoleAssignmentRecord).id === "string") {
        this.table.put(a as AppRoleAssignmentRecord);
      }
    }
  }
}

/** What assignedScope reads of the directory (DirectoryStore, without importing it). */
export interface ScopeSource {
  assignments: AppRoleAssignmentStore;
  users: ReadonlyMap<string, DirectoryUser>;
  groups: ReadonlyMap<string, DirectoryGroup>;
}

/**
 * Ids in an assignment-based provisioning scope of the resource `spId`: directly assigned users and
 * groups, and the direct user members of assigned security groups. "The Microsoft Entra provisioning
 * service provisions or deprovisions users based on whether they're members of a group that's
 * assigned to the application … Ensure that groups assigned to your application have the property
 * SecurityEnabled set to True"; "The service can only read and provision users that are immediate
 * members of an explicitly assigned group" (how-provisioning-works, Assignment-based scoping).
 */
export function assignedScope(dir: ScopeSource, spId: string, replica = PRIMARY): { users: Set<string>; groups: Set<string> } {
  const users = new Set<string>();
  const groups = new Set<string>();
  for (const a of dir.assignments.ofResource(spId, replica)) {
    if (a.principalType === "User" && dir.users.has(a.principalId)) users.add(a.principalId);
    if (a.principalType !== "Group") continue;
    const group = dir.groups.get(a.principalId);
    if (!group) continue;
    groups.add(group.id);
    if (!group.securityEnabled) continue;
    for (const m of group.members) if (dir.users.has(m)) users.add(m);
  }
  return { users, groups };
}

/**
 * The `value`s of the app roles `principalId` holds on the resource `spId` — its own assignments
 * and, for a user, those of the security groups it is a direct member of — for the
 * `[appRoleAssignments]` source attribute of a job's schema (read by SingleAppRoleAssignment /
 * AppRoleAssignmentsComplex). Roles without a value (msiam_access and User on the non-gallery
 * app, default access) contribute nothing.
 */
export function appRoleValues(dir: ScopeSource & { servicePrincipals: { primary(id: string): Entity | undefined } }, spId: string, principalId: string): string[] {
  const sp = dir.servicePrincipals.primary(spId);
  if (!sp) return [];
  const holders = [principalId];
  if (dir.users.has(principalId)) {
    for (const g of dir.groups.values()) if (g.securityEnabled && g.members.includes(principalId)) holders.push(g.id);
  }
  const roles = new Map(appRolesOf(sp).map((r) => [String(r.id).toLowerCase(), r]));
  const values = new Set<string>();
  for (const h of holders) {
    for (const a of dir.assignments.ofPrincipal(h)) {
      if (a.resourceId !== spId.toLowerCase()) continue;
      const v = roles.get(a.appRoleId)?.value;
      if (v) values.add(v);
    }
  }
  return [...values];
}
