import { odataContext, ok } from "../context";
import { badRequest, notFound } from "../errors";
import { matches, page, pick, readFilter, rejectUnsupportedOptions } from "../odata";
import { Router } from "../router";
import { DIRECTORY_READ, Services } from "../services";

/**
 * Read-only /users and /groups over the seeded directory, so callers can find object ids for
 * provisionOnDemand, plus /servicePrincipals/{id}/appRoleAssignedTo for the assigned subset.
 */
const USER_PROPS = new Set(["id", "displayName", "givenName", "surname", "userPrincipalName", "mail", "mailNickname", "jobTitle", "accountEnabled"]);
const GROUP_PROPS = new Set(["id", "displayName", "mailNickname", "mailEnabled", "securityEnabled"]);

function select(raw: string | null, allowed: ReadonlySet<string>, type: string): string[] | undefined {
  if (!raw) return undefined;
  const f = raw.split(",").map((x) => x.trim()).filter(Boolean);
  for (const x of f) if (!allowed.has(x)) throw badRequest(`Could not find a property named '${x}' on type 'microsoft.graph.${type}'.`);
  return f;
}

export function registerUserGroupRoutes(router: Router, s: Services): void {
  const defs = [
    { set: "users", type: "user", props: USER_PROPS, all: () => [...s.dir.users.values()] as unknown as Record<string, unknown>[] },
    { set: "groups", type: "group", props: GROUP_PROPS, all: () => [...s.dir.groups.values()].map(({ members: _m, ...g }) => g) as Record<string, unknown>[] },
  ];
  for (const d of defs) {
    router.add({
      method: "GET", pattern: `/${d.set}`, permission: DIRECTORY_READ, identity: true,
      handler: (ctx) => {
        rejectUnsupportedOptions(ctx, ["$filter", "$select", "$top", "$skiptoken"]);
        const filter = readFilter(ctx, new Set(["id", "displayName", "userPrincipalName", "mailNickname", "mail"]), d.type);
        const sel = select(ctx.query.get("$select"), d.props, d.type);
        return page(ctx, d.all().filter((x) => matches(filter, x)), { context: d.set, map: (x) => pick(x, sel) });
      },
    });
    router.add({
      method: "GET", pattern: `/${d.set}/{id}`, permission: DIRECTORY_READ, identity: true,
      handler: (ctx) => {
        const found = d.all().find((x) => x.id === ctx.params.id || x.userPrincipalName === ctx.params.id);
        if (!found) throw notFound(ctx.params.id);
        return ok({ "@odata.context": odataContext(ctx, `${d.set}/$entity`), ...pick(found, select(ctx.query.get("$select"), d.props, d.type)) });
      },
    });
  }
}
