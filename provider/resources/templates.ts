// Gallery template lookup by display name or id, cached per provider process: hundreds of
// instances of the same app resolve their template with one Graph call.
import { endpoints, isGraphError } from "../graph";
import { closest, isGuid } from "./inputs";
import { graph } from "./runtime";

export interface ApplicationTemplate {
  id: string;
  displayName: string;
  publisher?: string;
  categories?: string[];
  supportedProvisioningTypes?: string[];
}

/** A template reference that matches nothing (or several templates); the message says what to do. */
export class TemplateLookupError extends Error {
  readonly code = "TEMPLATE_NOT_FOUND";
}

const SELECT = "id,displayName,publisher,categories,supportedProvisioningTypes";
const cache = new Map<string, Promise<ApplicationTemplate>>();

/** Resolves `ref` (a display name or a template id). Throws TemplateLookupError. */
export function resolveTemplate(ref: string): Promise<ApplicationTemplate> {
  const key = ref.trim().toLowerCase();
  let found = cache.get(key);
  if (!found) {
    found = lookup(ref.trim());
    // Failed lookups are not cached: a transient Graph error must not stick for the process.
    found.catch(() => cache.delete(key));
    cache.set(key, found);
  }
  return found;
}

async function lookup(ref: string): Promise<ApplicationTemplate> {
  if (isGuid(ref)) {
    try {
      const res = await graph().get<ApplicationTemplate>({
        endpoint: endpoints.applicationTemplate,
        params: { templateId: ref },
        query: { $select: SELECT },
      });
      return res.body;
    } catch (e) {
      if (isGraphError(e, "GRAPH_NOT_FOUND")) {
        throw new TemplateLookupError(
          `no gallery application template has id ${ref}; use a template's display name (e.g. "Box") or an id from \`GET /applicationTemplates\`.`,
        );
      }
      throw e;
    }
  }
  const matches = await graph().list<ApplicationTemplate>({
    endpoint: endpoints.applicationTemplates,
    query: { $filter: `displayName eq ${odataString(ref)}`, $select: SELECT },
  });
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) {
    throw new TemplateLookupError(
      `"${ref}" matches ${matches.length} gallery templates (${matches.map((t) => `${t.id} by ${t.publisher ?? "?"}`).join(", ")}); use the template id instead.`,
    );
  }
  const suggestions = await suggest(ref);
  throw new TemplateLookupError(
    `no gallery application template is named "${ref}".` +
      (suggestions.length ? ` Did you mean ${suggestions.map((s) => `"${s}"`).join(", ")}?` : " Check the name in the Entra gallery, or use the template id."),
  );
}

/**
 * Up to three close names. Candidates come from a prefix query (catches typos late in the name)
 * and `contains` queries on its longest words (catches a missing or extra word).
 */
async function suggest(ref: string): Promise<string[]> {
  const words = ref
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w.length >= 3)
    .sort((a, b) => b.length - a.length)
    .slice(0, 2);
  const filters = [
    `startswith(displayName,${odataString(ref.slice(0, 3))})`,
    ...words.map((w) => `contains(displayName,${odataString(w)})`),
  ];
  const names = new Set<string>();
  for (const $filter of filters) {
    const page = await graph().get<{ value: ApplicationTemplate[] }>({
      endpoint: endpoints.applicationTemplates,
      query: { $filter, $select: "id,displayName", $top: 50 },
    });
    for (const t of page.body.value) names.add(t.displayName);
  }
  return closest(ref, [...names], 3);
}

/** An OData string literal: single-quoted, inner quotes doubled. */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
