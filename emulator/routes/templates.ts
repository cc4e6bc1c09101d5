import { GALLERY, GalleryApp, galleryApp, templateEntity } from "../catalogue";
import { created, odataContext, ok, RequestContext } from "../context";
import { instantiatePair, project } from "../entities";
import { asObject, assertKnownProperties, badRequest, notFound } from "../errors";
import { matches, orderBy, page, pick, readFilter, rejectUnsupportedOptions } from "../odata";
import { Router } from "../router";
import { Services, APP_WRITE } from "../services";

/** /applicationTemplates: the read-only gallery, and instantiate (https://learn.microsoft.com/graph/api/resources/applicationtemplate). */
const FILTERABLE = new Set(["displayName", "categories/any", "publisher", "id"]);
const TEMPLATE_PROPS = new Set(["id", "displayName", "description", "publisher", "homePageUrl", "logoUrl", "categories",
  "supportedSingleSignOnModes", "supportedProvisioningTypes", "endpoints", "riskScore", "riskFactors", "isEntraIntegrated",
  "lastModifiedDateTime", "deprecationDate", "configurationUris", "informationalUrls", "supportedClaimConfiguration"]);

function selectOf(ctx: RequestContext): string[] | undefined {
  const raw = ctx.query.get("$select");
  if (!raw) return undefined;
  const fields = raw.split(",").map((s) => s.trim()).filter(Boolean);
  for (const f of fields) if (!TEMPLATE_PROPS.has(f)) throw badRequest(`Could not find a property named '${f}' on type 'microsoft.graph.applicationTemplate'.`);
  return fields;
}

function template(id: string): GalleryApp {
  const app = galleryApp(id);
  if (!app) throw notFound(id);
  return app;
}

export function registerTemplateRoutes(router: Router, s: Services): void {
  router.add({
    method: "GET",
    pattern: "/applicationTemplates",
    permission: "anyToken",
    identity: true,
    handler: (ctx) => {
      rejectUnsupportedOptions(ctx, ["$filter", "$select", "$top", "$skip", "$skiptoken", "$orderby", "$count"]);
      const filter = readFilter(ctx, FILTERABLE, "ApplicationTemplate");
      const select = selectOf(ctx);
      const items = orderBy(ctx, GALLERY.map((a) => templateEntity(a, ctx.version)).filter((t) => matches(filter, t)), TEMPLATE_PROPS);
      return page(ctx, items, { context: "applicationTemplates", map: (t) => pick(t, select) });
    },
  });

  router.add({
    method: "GET",
    pattern: "/applicationTemplates/{id}",
    permission: "anyToken",
    identity: true,
    handler: (ctx) => {
      rejectUnsupportedOptions(ctx, ["$select"]);
      const body = pick(templateEntity(template(ctx.params.id), ctx.version), selectOf(ctx));
      return ok({ "@odata.context": odataContext(ctx, "applicationTemplates/$entity"), ...body });
    },
  });

  router.add({
    method: "POST",
    pattern: "/applicationTemplates/{id}/instantiate",
    permission: APP_WRITE,
    identity: true,
    handler: (ctx) => {
      const app = template(ctx.params.id);
      const body = asObject(ctx.body, "instantiate");
      assertKnownProperties(body, new Set(["displayName", "serviceManagementReference"]), "applicationTemplate.instantiate");
      const displayName = body.displayName;
      if (typeof displayName !== "string" || displayName.trim() === "") {
        throw badRequest("The parameter 'displayName' is required and must be a non-empty string.");
      }
      const ids = { appObjectId: s.rng.guid(), appId: s.rng.guid(), spObjectId: s.rng.guid(), scopeId: s.rng.guid(), roleId: s.rng.guid() };
      const pair = instantiatePair(app, displayName, ids, s.tenantId, ctx.claims.appid, new Date().toISOString());
      s.dir.createPair(pair.application, pair.servicePrincipal);
      // Documented production fault: the objects are created but the call answers 404.
      if (s.rng.chance(s.faults.instantiate404Rate)) throw notFound(ctx.params.id);
      const result = {
        "@odata.context": odataContext(ctx, "microsoft.graph.applicationServicePrincipal"),
        application: project(pair.application, "application", ctx.version),
        servicePrincipal: project(pair.servicePrincipal, "servicePrincipal", ctx.version),
      };
      return created(result);
    },
  });
}

