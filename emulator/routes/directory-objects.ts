import { noContent, odataContext, ok, RequestContext } from "../context";
import { DirectoryType, Entity, parseSelect, project, propertyNames, READ_ONLY } from "../entities";
import { asObject, assertKnownProperties, badRequest, notFound } from "../errors";
import { indexHint } from "../odata-filter";
import { assertAdvancedOperators, matches, orderByDirectory, page, readFilter, rejectUnsupportedOptions } from "../odata";
import { Router } from "../router";
import { APP_READ, APP_WRITE, Services } from "../services";
import { APPLICATION_PROPS_V1, SERVICE_PRINCIPAL_PROPS_V1 } from "../shapes";

/**
 * /applications and /servicePrincipals: get (by object id or `(appId='…')`), list with $filter /
 * $select / $orderby / $top paging, PATCH and soft DELETE (https://learn.microsoft.com/graph/api/resources/application,
 * https://learn.microsoft.com/graph/api/resources/serviceprincipal). Reads go to the
 * request's replica; lists and $filter go through that replica's query index, which trails it
 * (replication.ts, listLagMs). Writes go to the primary but first need the object to be visible on
 * that replica, which is how a PATCH right after a create can 404 against real Graph too.
 */
const FILTERABLE: Record<DirectoryType, ReadonlySet<string>> = {
  application: new Set(["id", "appId", "displayName", "applicationTemplateId", "tags/any", "identifierUris/any", "signInAudience", "publisherDomain", "createdDateTime"]),
  servicePrincipal: new Set(["id", "appId", "displayName", "applicationTemplateId", "tags/any", "servicePrincipalNames/any", "servicePrincipalType", "accountEnabled", "appOwnerOrganizationId", "preferredSingleSignOnMode"]),
};
// Advanced query capabilities on Microsoft Entra ID objects: sortable properties (advanced queries only).
const SORTABLE = new Set(["displayName", "createdDateTime", "deletedDateTime"]);
const TYPE_NAME: Record<DirectoryType, string> = { application: "Application", servicePrincipal: "ServicePrincipal" };
const KINDS: Record<DirectoryType, Map<string, string>> = {
  application: new Map(APPLICATION_PROPS_V1.map(([n, k]) => [n, k])),
  servicePrincipal: new Map(SERVICE_PRINCIPAL_PROPS_V1.map(([n, k]) => [n, k])),
};
const SET_NAME: Record<DirectoryType, string> = { application: "applications", servicePrincipal: "servicePrincipals" };

export function lookup(s: Services, type: DirectoryType, ctx: RequestContext): Entity {
  const key = ctx.params.appId !== undefined ? { appId: ctx.params.appId } : { id: ctx.params.id };
  const entity = s.dir.find(type, key, ctx.replica);
  if (!entity) throw notFound(key.id ?? `appId='${key.appId}'`);
  return entity;
}

function validatePatch(type: DirectoryType, ctx: RequestContext, body: Record<string, unknown>): void {
  assertKnownProperties(body, propertyNames(type, ctx.version), type);
  for (const [k, v] of Object.entries(body)) {
    if (READ_ONLY[type].has(k)) throw badRequest(`Property '${k}' is read-only and cannot be set.`);
    const kind = KINDS[type].get(k);
    if (kind === "c" && v !== null && !Array.isArray(v)) throw badRequest(`Invalid value for property '${k}': a collection is expected.`);
    if (kind === "b" && typeof v !== "boolean") throw badRequest(`Invalid value for property '${k}': a Boolean is expected.`);
  }
  if ("displayName" in body && (typeof body.displayName !== "string" || body.displayName.trim() === "")) {
    throw badRequest("Invalid value specified for property 'displayName' of resource '" + type + "'.");
  }
  if ("tags" in body && Array.isArray(body.tags) && body.tags.some((t) => typeof t !== "string")) {
    throw badRequest("Invalid value for property 'tags': strings are expected.");
  }
}

function registerFor(router: Router, s: Services, type: DirectoryType): void {
  const set = SET_NAME[type];
  const table = s.dir.tableOf(type);

  router.add({
    method: "GET",
    pattern: `/${set}`,
    permission: APP_READ,
    identity: true,
    handler: (ctx) => {
      rejectUnsupportedOptions(ctx, ["$filter", "$select", "$top", "$skiptoken", "$orderby", "$count"]);
      const filter = readFilter(ctx, FILTERABLE[type], TYPE_NAME[type]);
      assertAdvancedOperators(filter, ctx);
      const select = parseSelect(ctx.query.get("$select"), type, ctx.version);
      const hint = filter && indexHint(filter);
      const now = Date.now();
      let source: Iterable<Entity>;
      if (hint && table.candidates(hint.path, hint.value)) {
        source = (table.candidates(hint.path, hint.value) ?? []).map((id) => table.get(id, ctx.replica, now, "list")).filter((e): e is Entity => !!e);
      } else {
        source = table.values(ctx.replica, now, "list");
      }
      const items: Entity[] = [];
      for (const e of source) if (matches(filter, e)) items.push(e);
      const sorted = orderByDirectory(ctx, items, SORTABLE, TYPE_NAME[type]);
      return page(ctx, sorted, { context: select ? `${set}(${select.join(",")})` : set, map: (e) => project(e, type, ctx.version, select) });
    },
  });

  for (const pattern of [`/${set}/{id}`, `/${set}(appId='{appId}')`]) {
    router.add({
      method: "GET",
      pattern,
      permission: APP_READ,
      identity: true,
      handler: (ctx) => {
        rejectUnsupportedOptions(ctx, ["$select"]);
        const select = parseSelect(ctx.query.get("$select"), type, ctx.version);
        const entity = lookup(s, type, ctx);
        // A $select shows in the context URL: `applications(id,appId,displayName)/$entity` (application-get.md).
        const fragment = select ? `${set}(${select.join(",")})/$entity` : `${set}/$entity`;
        return ok({ "@odata.context": odataContext(ctx, fragment), ...project(entity, type, ctx.version, select) });
      },
    });

    router.add({
      method: "PATCH",
      pattern,
      permission: APP_WRITE,
      identity: true,
      handler: (ctx) => {
        const visible = lookup(s, type, ctx);
        const body = asObject(ctx.body, `PATCH /${set}`);
        validatePatch(type, ctx, body);
        const current = table.primary(visible.id);
        if (!current) throw notFound(visible.id);
        const next: Entity = { ...current, ...body, id: current.id };
        if (type === "servicePrincipal" && ctx.version === "beta" && "publishedPermissionScopes" in body) {
          next.oauth2PermissionScopes = body.publishedPermissionScopes;
          delete next.publishedPermissionScopes;
        }
        s.dir.update(type, next);
        return noContent();
      },
    });

    router.add({
      method: "DELETE",
      pattern,
      permission: APP_WRITE,
      identity: true,
      handler: (ctx) => {
        const visible = lookup(s, type, ctx);
        if (!table.primary(visible.id)) throw notFound(visible.id);
        s.dir.softDelete(type, visible.id);
        return noContent();
      },
    });
  }
}

export function registerDirectoryObjectRoutes(router: Router, s: Services): void {
  registerFor(router, s, "application");
  registerFor(router, s, "servicePrincipal");
}
