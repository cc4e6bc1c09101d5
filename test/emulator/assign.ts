import { Harness } from "./helpers";

/**
 * App role assignments through the emulator's Graph routes (a new service principal has none).
 * `assign` assigns principals with the service principal's first user role (or default access);
 * `assignSome` assigns a fixed mix — about two thirds of the users (always the conflict user #1)
 * directly and the first seeded group — and returns the ids that mix puts in provisioning scope
 * (the direct users, the group, and the group's direct members).
 */
export async function userRoleOf(h: Harness, spId: string): Promise<string> {
  const sp = await h.call("GET", `/servicePrincipals/${spId}?$select=id,appRoles`);
  const roles = (sp.body.appRoles ?? []) as { id: string; allowedMemberTypes?: string[]; displayName?: string }[];
  const usable = roles.filter((r) => (r.allowedMemberTypes ?? []).includes("User"));
  return (usable.find((r) => r.displayName === "User") ?? usable[0])?.id ?? "00000000-0000-0000-0000-000000000000";
}

export async function assign(h: Harness, spId: string, principalIds: string[], appRoleId?: string): Promise<string[]> {
  const role = appRoleId ?? (await userRoleOf(h, spId));
  const ids: string[] = [];
  for (const principalId of principalIds) {
    const r = await h.call("POST", `/servicePrincipals/${spId}/appRoleAssignedTo`, { principalId, resourceId: spId, appRoleId: role });
    if (r.status !== 201) throw new Error(`assign ${principalId} failed: ${r.status} ${JSON.stringify(r.body)}`);
    ids.push(r.body.id as string);
  }
  return ids;
}

export interface SeededDirectory {
  users: string[];
  groups: { id: string; displayName: string; members: string[] }[];
}

export async function directory(h: Harness): Promise<SeededDirectory> {
  const state = (await h.admin("GET", "/state")).body;
  return { users: state.users.ids, groups: state.groups.items };
}

/** Assigns the fixed mix described above; returns the ids it puts in scope. */
export async function assignSome(h: Harness, spId: string): Promise<Set<string>> {
  const dir = await directory(h);
  const users = dir.users.filter((_, i) => i === 1 || i % 3 !== 0);
  const group = dir.groups[0];
  await assign(h, spId, [...users, group.id]);
  return new Set([...users, group.id, ...group.members]);
}
