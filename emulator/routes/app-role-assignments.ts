import {
  AppRoleAssignmentRecord,
  assignableRole,
  assignmentId,
  isGuid,
  PrincipalType,
} from "../app-roles";
import { created, GraphResponse, noContent, odataContext, ok, Permission, RequestContext } from "../context";
import { Entity, parseSelect } from "../entities";
import { asObject, badRequest, denied, GraphError, notFound, unknownProperty } from "../errors";
import { matches, page, pick, rejectUnsupportedOptions } from "../odata";
import { PRIMARY } from "../replication";
import { Router } from "../router";
import { APP_READ, Services } from "../services";
import { lookup } from "./directory-objects";
import { readDirectoryFilter, resolveGroup, resolveUser } from "./users-groups";

/**
 * App role assignments (https://learn.microsoft.com/graph/api/serviceprincipal-post-approleassignedto; every rule
 * and its source in FIDELITY.md, "App role assignments"):
 *
 *   GET    /servicePrincipals/{id}/appRoleAssignedTo                 list (Application.Read.All …)
 *   POST   /servicePrincipals/{id}/appRoleAssignedTo                 assign (AppRoleAssignment.ReadWrite.All
 *                                                                    and Application.Read.All or Directory.Read.All)
 *   GET    /servicePrincipals/{id}/appRoleAssignedTo/{assignmentId}  one assignment
 *   DELETE /servicePrincipals/{id}/appRoleAssignedTo/{assignmentId}  unassign (AppRoleAssignment.ReadWrite.All)
 *   GET    /users/{id | userPrincipalName}/appRoleAssignments        the user's, with those of the groups it is a direct member of
 *   GET    /groups/{id}/appRoleAssignments                           the group's
 *
 * Each `/servicePrincipals/{id}` path also answers as `/servicePrincipals(appId='{appId}')`.
 */
const ASSIGNMENT_PROPS = ["id", "deletedDateTime", "appRoleId", "createdDateTime", "principalDisplayName", "principalId", "principalType", "resourceDisplayName", "resourceId"] as const;
const PROP_SET: ReadonlySet<string> = new Set(ASSIGNMENT_PROPS);
const READ_ONLY = new Set(["id", "deletedDateTime", "createdDateTime", "principalDisplayName", "principalType", "resourceDisplayName"]);
const FILTERABLE: ReadonlySet<string> = new Set(["id", "appRoleId", "principalId", "principalDisplayName", "principalType", "resourceId", "resourceDisplayName"]);
const LIST_OPTIONS = ["$filter", "$select", "$top", "$skiptoken", "$count"];

/** POST needs AppRoleAssignment.ReadWrite.All *and* a read permission on applications or the directory. */
const ASSIGN_WRITE: Permission = ["AppRoleAssignment.ReadWrite.All"];
const ASSIGN_WRITE_COMPANIONS = ["Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"];
/** GET /users/{id}/appRoleAssignments and /groups/{id}/appRoleAssignments. */
const PRINCIPAL_READ: Permission = ["Directory.Read.All", "AppRoleAssignment.ReadWrite.All", "Directory.ReadWrite.All"];
const USER_READS = ["User.ReadBasic.All", "User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"];

const SP_PATTERNS = ["/servicePrincipals/{id}", "/servicePrincipals(appId='{appId}')"];

/** A principal an assignment can name: a user, a group or a service principal, as `replica` sees it. */
function principalOf(s: Services, id: string, replica: number): { type: PrincipalType; displayName: string } | undefined {
  const user = s.dir.users.get(id);
  if (user) return { type: "User", displayName: user.displayName };
  const group = s.dir.groups.get(id);
  if (group) return { type: "Group", displayName: group.displayName };
  const sp = s.dir.servicePrincipals.get(id, replica);
  if (sp) return { type: "ServicePrincipal", displayName: String(sp.displayName ?? "") };
  return undefined;
}

/**
 * The wire form (the v1.0 example's members, in its order), or undefined when the resource or the
 * principal is not in the directory (a soft-deleted service principal hides its assignments).
 */
function present(s: Services, a: AppRoleAssignmentRecord): Record<string, unknown> | undefined {
  const resource = s.dir.servicePrincipals.primary(a.resourceId);
  const principal = principalOf(s, a.principalId, PRIMARY);
  if (!resource || !principal) return undefined;
  return {
    id: a.id,
    deletedDateTime: null,
    appRoleId: a.appRoleId,
    createdDateTime: a.createdDateTime,
    principalDisplayName: principal.displayName,
    principalId: a.principalId,
    principalType: a.principalType,
    resourceDisplayName: String(resource.displayName ?? ""),
    resourceId: a.resourceId,
  };
}

/** List response over presented assignments: $filter, $select, $top/$skiptoken, `@odata.count` with advanced queries. */
function list(ctx: RequestContext, items: Record<string, unknown>[], context: string): GraphResponse {
  rejectUnsupportedOptions(ctx, LIST_OPTIONS);
  const filter = readDirectoryFilter(ctx, FILTERABLE, "appRoleAssignment");
  const select = parseSelect(ctx.query.get("$select"), PROP_SET, ctx.version, "appRoleAssignment");
  return page(ctx, items.filter((x) => matches(filter, x)), { context, map: (x) => pick(x, select) });
}

function presentAll(s: Services, records: AppRoleAssignmentRecord[]): Record<string, unknown>[] {
  return records
    .sort((a, b) => a.createdDateTime.localeCompare(b.createdDateTime))
    .map((a) => present(s, a))
    .filter((x): x is Record<string, unknown> => !!x);
}

const guidOrThrow = (body: Record<string, unknown>, name: string): string => {
  const v = body[name];
  // Edm.Guid properties: a missing or malformed value fails the whole body (microsoft-graph-docs-contrib#6694).
  if (!isGuid(v)) throw badRequest("One or more properties are invalid.");
  return v.toLowerCase();
};

const notValidReference = (): GraphError => badRequest("Not a valid reference update.");

function assign(s: Services, ctx: RequestContext, sp: Entity): GraphResponse {
  const roles = ctx.claims.roles ?? [];
  if (!roles.some((r) => ASSIGN_WRITE_COMPANIONS.includes(r))) throw denied();
  const body = asObject(ctx.body, "appRoleAssignment");
  for (const key of Object.keys(body)) {
    if (key.startsWith("@odata.")) continue;
    if (!PROP_SET.has(key)) throw unknownProperty(key, "appRoleAssignment");
    if (READ_ONLY.has(key)) throw badRequest(`Property '${key}' is read-only and cannot be set.`);
  }
  const principalId = guidOrThrow(body, "principalId");
  const resourceId = guidOrThrow(body, "resourceId");
  const appRoleId = guidOrThrow(body, "appRoleId");
  // The body's resource must be the service principal in the path.
  if (resourceId !== sp.id.toLowerCase()) throw notValidReference();
  // A principal the replica does not know (unknown, or just created): "Not a valid reference update."
  const principal = principalOf(s, principalId, ctx.replica);
  if (!principal) throw notValidReference();
  if (!assignableRole(sp, appRoleId, principal.type)) {
    throw badRequest(`Permission being assigned was not found on application '${String(sp.appId)}'.`);
  }
  const existing = s.dir.assignments.ofResource(sp.id, PRIMARY).find((a) => a.principalId === principalId && a.appRoleId === appRoleId);
  if (existing) throw badRequest("Permission being assigned already exists on the object.");
  const record: AppRoleAssignmentRecord = {
    id: assignmentId(principalId, s.rng),
    appRoleId,
    createdDateTime: new Date().toISOString(),
    principalId,
    principalType: principal.type,
    resourceId: sp.id.toLowerCase(),
  };
  s.dir.assignments.add(record);
  s.dir.onChange();
  return created({
    "@odata.context": odataContext(ctx, `servicePrincipals('${sp.id}')/appRoleAssignedTo/$entity`),
    ...present(s, record),
  });
}

function methodNotAllowed(): never {
  // An appRoleAssignment cannot be updated: remove it and assign again (microsoft-graph-docs#5869).
  throw new GraphError(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.");
}

export function registerAppRoleAssignmentRoutes(router: Router, s: Services): void {
  for (const sp of SP_PATTERNS) {
    const collection = `${sp}/appRoleAssignedTo`;
    const item = `${collection}/{assignmentId}`;

    router.add({
      method: "GET", pattern: collection, permission: APP_READ, identity: true,
      handler: (ctx) => {
        const resource = lookup(s, "servicePrincipal", ctx);
        const records = s.dir.assignments.ofResource(resource.id, ctx.replica, "list");
        return list(ctx, presentAll(s, records), `servicePrincipals('${resource.id}')/appRoleAssignedTo`);
      },
    });

    router.add({
      method: "POST", pattern: collection, permission: ASSIGN_WRITE, identity: true,
      handler: (ctx) => assign(s, ctx, lookup(s, "servicePrincipal", ctx)),
    });

    router.add({
      method: "GET", pattern: item, permission: APP_READ, identity: true,
      handler: (ctx) => {
        rejectUnsupportedOptions(ctx, ["$select"]);
        const resource = lookup(s, "servicePrincipal", ctx);
        const record = s.dir.assignments.get(ctx.params.assignmentId, ctx.replica);
        const shown = record && record.resourceId === resource.id.toLowerCase() ? present(s, record) : undefined;
        if (!shown) throw notFound(ctx.params.assignmentId);
        const select = parseSelect(ctx.query.get("$select"), PROP_SET, ctx.version, "appRoleAssignment");
        return ok({ "@odata.context": odataContext(ctx, `servicePrincipals('${resource.id}')/appRoleAssignedTo/$entity`), ...pick(shown, select) });
      },
    });

    router.add({
      method: "DELETE", pattern: item, permission: ASSIGN_WRITE, identity: true,
      handler: (ctx) => {
        const resource = lookup(s, "servicePrincipal", ctx);
        const record = s.dir.assignments.get(ctx.params.assignmentId, ctx.replica);
        if (!record || record.resourceId !== resource.id.toLowerCase() || !present(s, record)) throw notFound(ctx.params.assignmentId);
        s.dir.assignments.remove(record.id);
        s.dir.onChange();
        return noContent();
      },
    });

    for (const pattern of [collection, item]) {
      router.add({ method: "PATCH", pattern, permission: ASSIGN_WRITE, identity: true, handler: () => methodNotAllowed() });
    }
  }

  router.add({
    method: "GET", pattern: "/users/{id}/appRoleAssignments", permission: PRINCIPAL_READ, identity: true,
    handler: (ctx) => {
      // AppRoleAssignment.ReadWrite.All alone is not enough: the user must be readable too
      // (microsoft-graph-docs-contrib#202: 403 until User.ReadBasic.All was added).
      if (!(ctx.claims.roles ?? []).some((r) => USER_READS.includes(r))) throw denied();
      const user = resolveUser(s, ctx.params.id);
      if (!user) throw notFound(ctx.params.id);
      // "This operation also returns app role assignments granted to groups that the user is a direct member of."
      const groups = [...s.dir.groups.values()].filter((g) => g.members.includes(user.id)).map((g) => g.id);
      const records = [user.id, ...groups].flatMap((id) => s.dir.assignments.ofPrincipal(id, ctx.replica, "list"));
      return list(ctx, presentAll(s, records), `users('${user.id}')/appRoleAssignments`);
    },
  });

  router.add({
    method: "GET", pattern: "/groups/{id}/appRoleAssignments", permission: PRINCIPAL_READ, identity: true,
    handler: (ctx) => {
      const group = resolveGroup(s, ctx.params.id);
      if (!group) throw notFound(ctx.params.id);
      const records = s.dir.assignments.ofPrincipal(group.id, ctx.replica, "list");
      return list(ctx, presentAll(s, records), `groups('${group.id}')/appRoleAssignments`);
    },
  });
}
