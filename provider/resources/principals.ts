// Users and groups to assign, found by user principal name, group display name or object id, and
// the app roles a service principal offers. Hundreds of assignments name the same few groups, so
// every lookup is cached for the deployment (one provider process) and the lookups of one tick are
// batched into one request: `userPrincipalName in (…)`, `displayName in (…)` (Graph's `in` takes
// up to 15 values: https://learn.microsoft.com/graph/filter-query-parameter) and
// `POST /directoryObjects/getByIds` (up to 1,000 ids:
// https://learn.microsoft.com/graph/api/directoryobject-getbyids).
import DataLoader from "dataloader";
import { principalOf, principalsNamed, NAMES_PER_LOOKUP, type DirectoryObject, type Principal } from "../functions/principals";
import { endpoints, odataString } from "../graph";
import { AsyncCache } from "../memoize";
import { closest } from "./inputs";
import { graph } from "./runtime";
import type { RecentlyCreatedRequest } from "./recently-created";

export type { Principal, PrincipalType } from "../functions/principals";

export interface AppRole {
  id: string;
  value?: string | null;
  displayName?: string;
  allowedMemberTypes?: string[];
  isEnabled?: boolean;
}

const usersByUpn = new DataLoader<string, Principal[]>((upns) => principalsNamed(graph(), "User", "userPrincipalName", upns), {
  maxBatchSize: NAMES_PER_LOOKUP,
  cacheKeyFn: (k) => k.toLowerCase(),
});
const groupsByName = new DataLoader<string, Principal[]>((names) => principalsNamed(graph(), "Group", "displayName", names), {
  maxBatchSize: NAMES_PER_LOOKUP,
  cacheKeyFn: (k) => k.toLowerCase(),
});
const byId = new DataLoader<string, Principal | undefined>(
  async (ids) => {
    const res = await graph().post<{ value: DirectoryObject[] }>({ endpoint: endpoints.directoryObjectsByIds, body: { ids, types: ["user", "group"] } });
    const found = new Map((res.body?.value ?? []).map((o) => [o.id.toLowerCase(), principalOf(o)]));
    return ids.map((id) => found.get(id.toLowerCase()));
  },
  { maxBatchSize: 1000, cacheKeyFn: (k) => k.toLowerCase() },
);

function cachedOnSuccess<K, V>(loader: DataLoader<K, V>, key: K): Promise<V> {
  // A failed lookup (throttling, a network error) is not remembered: the next caller asks again.
  return loader.load(key).catch((e: unknown) => {
    loader.clear(key);
    throw e;
  });
}

/**
 * Names close to `name` for a "did you mean": those starting with its first three characters
 * (one `startswith` query; Graph supports it on displayName and userPrincipalName), closest first.
 */
export async function similarNames(collection: "users" | "groups", name: string): Promise<string[]> {
  const property = collection === "users" ? "userPrincipalName" : "displayName";
  const found = await graph().list<DirectoryObject>({
    endpoint: collection === "users" ? endpoints.users : endpoints.groups,
    query: { $filter: `startswith(${property},${odataString(name.slice(0, 3))})`, $select: `id,${property}`, $top: 100 },
  });
  return closest(name, [...new Set(found.map((o) => o[property] ?? "").filter(Boolean))], 3);
}

/** Users whose userPrincipalName is `upn` (0 or 1). */
export const findUsers = (upn: string) => cachedOnSuccess(usersByUpn, upn);
/** Groups named `name` (display names are not unique: 0, 1 or several). */
export const findGroups = (name: string) => cachedOnSuccess(groupsByName, name);
/** The user or group with this object id, or undefined (no such object, or another kind). */
export const findPrincipal = (id: string) => cachedOnSuccess(byId, id);

const rolesBySp = new AsyncCache<AppRole[]>();
/** The app roles a service principal offers (its application's), cached per deployment. */
export function appRolesOf(spId: string, recentlyCreated: RecentlyCreatedRequest = {}): Promise<AppRole[]> {
  return rolesBySp.get(spId.toLowerCase(), () =>
    graph()
      .get<{ appRoles?: AppRole[] }>({ endpoint: endpoints.servicePrincipal, params: { spId }, query: { $select: "id,appRoles" }, ...recentlyCreated })
      .then((r) => r.body.appRoles ?? []),
  );
}

/**
 * The role every application has when it defines none that allows the member type: "default
 * access" (https://learn.microsoft.com/graph/api/serviceprincipal-post-approleassignedto).
 */
export const DEFAULT_ACCESS_ROLE_ID = "00000000-0000-0000-0000-000000000000";

/** Roles `type` may be assigned (enabled, allowing "User" — groups take user roles too). */
export function assignableRoles(roles: AppRole[]): AppRole[] {
  return roles.filter((r) => r.isEnabled !== false && (r.allowedMemberTypes ?? ["User"]).includes("User"));
}

/**
 * The role an assignment gets. `wanted` (an id, a value or a display name, ignoring case) picks one;
 * without it: default access when the app defines no assignable role, the only one when it
 * defines one, else the role named "User" (what the portal assigns for gallery apps), else none.
 */
export function pickRole(roles: AppRole[], wanted: string | undefined): { role: { id: string; name: string } } | { problem: string } {
  const assignable = assignableRoles(roles);
  const name = (r: AppRole) => r.value || r.displayName || r.id;
  const names = assignable.map(name);
  if (wanted === undefined) {
    if (assignable.length === 0) return { role: { id: DEFAULT_ACCESS_ROLE_ID, name: "Default Access" } };
    if (assignable.length === 1) return { role: { id: assignable[0].id, name: name(assignable[0]) } };
    const user = assignable.find((r) => r.displayName?.toLowerCase() === "user" || r.value?.toLowerCase() === "user");
    if (user) return { role: { id: user.id, name: name(user) } };
    return { problem: `the application offers several roles (${names.join(", ")}); set appRole to one of them.` };
  }
  const w = wanted.toLowerCase();
  if (wanted === DEFAULT_ACCESS_ROLE_ID && assignable.length === 0) return { role: { id: DEFAULT_ACCESS_ROLE_ID, name: "Default Access" } };
  const match = assignable.find((r) => r.id.toLowerCase() === w || r.value?.toLowerCase() === w || r.displayName?.toLowerCase() === w);
  if (match) return { role: { id: match.id, name: name(match) } };
  const other = roles.find((r) => r.id.toLowerCase() === w || r.value?.toLowerCase() === w || r.displayName?.toLowerCase() === w);
  if (other) return { problem: `the role "${wanted}" cannot be assigned to users or groups (it allows ${(other.allowedMemberTypes ?? []).join(", ") || "no member type"}${other.isEnabled === false ? ", and is disabled" : ""}).` };
  const near = closest(wanted, names, 1)[0];
  return {
    problem: assignable.length
      ? `the application has no role "${wanted}"${near ? `; did you mean "${near}"?` : "."} Use one of: ${names.join(", ")}.`
      : `the application defines no roles: leave appRole unset (default access).`,
  };
}
