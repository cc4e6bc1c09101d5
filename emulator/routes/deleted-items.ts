import { noContent, odataContext, ok, RequestContext } from "../context";
import { DirectoryType, parseSelect, project } from "../entities";
import { badRequest, notFound } from "../errors";
import { matches, orderBy, page, readFilter, rejectUnsupportedOptions } from "../odata";
import { PRIMARY } from "../replication";
import { Router } from "../router";
import { APP_READ, APP_WRITE, Services } from "../services";
import { DeletedItem } from "../store";

/**
 * /directory/deletedItems (https://learn.microsoft.com/graph/api/resources/directory): list by type, get, restore,
 * permanent delete.
 * Applications and service principals are separate deleted items; restoring an application does not
 * bring its service principal back.
 */
const TYPES: Record<string, DirectoryType | null> = {
  "microsoft.graph.application": "application",
  "microsoft.graph.serviceprincipal": "servicePrincipal",
  // Types the emulator never soft-deletes: always an empty list.
  "microsoft.graph.group": null,
  "microsoft.graph.user": null,
  "microsoft.graph.device": null,
  "microsoft.graph.administrativeunit": null,
};

function render(item: DeletedItem, ctx: RequestContext, select?: string[]): Record<string, unknown> {
  return { "@odata.type": `#microsoft.graph.${item.type}`, ...project(item.data, item.type, ctx.version, select) };
}

export function registerDeletedItemRoutes(router: Router, s: Services): void {
  router.add({
    method: "GET",
    pattern: "/directory/deletedItems",
    permission: APP_READ,
    identity: true,
    handler: () => {
      throw badRequest("Calling GET /directory/deletedItems without a type is not supported. Add a type segment, e.g. /directory/deletedItems/microsoft.graph.application.");
    },
  });

  for (const [segment, type] of Object.entries(TYPES)) {
    router.add({
      method: "GET",
      pattern: `/directory/deletedItems/${segment}`,
      permission: APP_READ,
      identity: true,
      handler: (ctx) => {
        rejectUnsupportedOptions(ctx, ["$filter", "$select", "$top", "$skiptoken", "$orderby", "$count"]);
        if (!type) return page(ctx, [], { context: `directory/deletedItems/${segment}`, map: (x) => x });
        const filter = readFilter(ctx, new Set(["id", "displayName", "appId", "applicationTemplateId"]), "DeletedItems");
        const select = parseSelect(ctx.query.get("$select"), type, ctx.version);
        const items = s.dir.deletedOfType(type).filter((d) => matches(filter, d.data));
        const sorted = orderBy(ctx, items.map((d) => ({ ...d, displayName: d.data.displayName, deletedDateTime: d.data.deletedDateTime })), new Set(["displayName", "deletedDateTime"]));
        return page(ctx, sorted, { context: `directory/deletedItems/${segment}`, map: (d) => render(d, ctx, select) });
      },
    });
  }

  router.add({
    method: "GET",
    pattern: "/directory/deletedItems/{id}",
    permission: APP_READ,
    identity: true,
    handler: (ctx) => {
      const item = s.dir.deletedItem(ctx.params.id);
      if (!item) throw notFound(ctx.params.id);
      const select = parseSelect(ctx.query.get("$select"), item.type, ctx.version);
      return ok({ "@odata.context": odataContext(ctx, "directoryObjects/$entity"), ...render(item, ctx, select) });
    },
  });

  router.add({
    method: "POST",
    pattern: "/directory/deletedItems/{id}/restore",
    permission: APP_WRITE,
    identity: true,
    handler: (ctx) => {
      const item = s.dir.deletedItem(ctx.params.id);
      if (!item) throw notFound(ctx.params.id);
      if (item.type === "servicePrincipal") {
        const app = s.dir.find("application", { appId: String(item.data.appId) }, PRIMARY);
        if (!app) {
          throw badRequest(`The appId '${String(item.data.appId)}' of the service principal does not reference a valid application object.`, [
            { code: "NoBackingApplicationObject", message: "Restore the application first.", target: "appId" },
          ]);
        }
      }
      const restored = s.dir.restore(ctx.params.id);
      if (!restored) throw notFound(ctx.params.id);
      return ok({ "@odata.context": odataContext(ctx, "directoryObjects/$entity"), "@odata.type": `#microsoft.graph.${item.type}`, ...project(restored, item.type, ctx.version) });
    },
  });

  router.add({
    method: "DELETE",
    pattern: "/directory/deletedItems/{id}",
    permission: APP_WRITE,
    identity: true,
    handler: (ctx) => {
      if (!s.dir.purge(ctx.params.id)) throw notFound(ctx.params.id);
      return noContent();
    },
  });
}
