// Users and groups by name: a user by userPrincipalName or display name, a group by display name.
// The one lookup behind `provision --user/--group` (cli/subjects.ts) and AppRoleAssignment's
// `user`/`group` inputs (resources/principals.ts, which batches the names of one tick into one call).
// Graph's `in` takes up to 15 values: https://learn.microsoft.com/graph/filter-query-parameter
import { endpoints, odataString, type GraphClient } from "../graph";

export type PrincipalType = "User" | "Group";

export interface Principal {
  id: string;
  type: PrincipalType;
  displayName: string;
  userPrincipalName?: string;
}

/** A user or group as Graph returns it (`@odata.type` only from directoryObjects endpoints). */
export interface DirectoryObject {
  "@odata.type"?: string;
  id: string;
  displayName?: string;
  userPrincipalName?: string;
}

/** The most names one lookup may carry (Graph's limit on `in`). */
export const NAMES_PER_LOOKUP = 15;

const LOOKUP = {
  User: { endpoint: endpoints.users, select: "id,displayName,userPrincipalName" },
  Group: { endpoint: endpoints.groups, select: "id,displayName" },
} as const;

/** `o` as a Principal of `type` (else of the type its `@odata.type` names); undefined for any other kind. */
export function principalOf(o: DirectoryObject, type?: PrincipalType): Principal | undefined {
  const t = type ?? (o["@odata.type"] === "#microsoft.graph.user" ? "User" : o["@odata.type"] === "#microsoft.graph.group" ? "Group" : undefined);
  if (!t) return undefined;
  return { id: o.id, type: t, displayName: o.displayName ?? "", ...(o.userPrincipalName ? { userPrincipalName: o.userPrincipalName } : {}) };
}

/**
 * The users or groups whose `property` is each of `names` (1 to NAMES_PER_LOOKUP), in one query:
 * `eq` for one name, `in (…)` for several; matches are grouped by name ignoring case, as Graph
 * compares. `top`: read only one page of that many (enough to tell one match from several)
 * instead of every match.
 */
export async function principalsNamed(
  client: GraphClient,
  type: PrincipalType,
  property: "userPrincipalName" | "displayName",
  names: readonly string[],
  top?: number,
): Promise<Principal[][]> {
  const { endpoint, select } = LOOKUP[type];
  const $filter = names.length === 1 ? `${property} eq ${odataString(names[0])}` : `${property} in (${names.map(odataString).join(",")})`;
  const found =
    top === undefined
      ? await client.list<DirectoryObject>({ endpoint, query: { $filter, $select: select, $top: 999 } })
      : ((await client.get<{ value?: DirectoryObject[] }>({ endpoint, query: { $filter, $select: select, $top: top } })).body.value ?? []);
  const principals = found.map((o) => principalOf(o, type)!);
  // One name: every answer is its match (Graph compared); several: sort the answers by name.
  if (names.length === 1) return [principals];
  return names.map((n) => principals.filter((p) => (p[property] ?? "").toLowerCase() === n.toLowerCase()));
}
