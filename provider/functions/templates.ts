// Gallery application template lookup, by id or by exact display name: the one implementation,
// used by programs (getApplicationTemplate) and by the resources (resources/templates.ts caches it).
import { endpoints, isGraphError, isGuid, odataString, type GraphClient } from "../graph";
import { EntraError, InputError, withContext } from "../errors";
import { closest } from "../suggest";

export interface ApplicationTemplateInfo {
  id: string;
  displayName: string;
  publisher?: string;
  categories?: string[];
  supportedProvisioningTypes?: string[];
  supportedSingleSignOnModes?: string[];
  homePageUrl?: string;
  logoUrl?: string;
  description?: string;
}

/** A template reference that matches no template, or (TEMPLATE_AMBIGUOUS) several; the message says what to do. */
export class TemplateLookupError extends EntraError<"TEMPLATE_NOT_FOUND" | "TEMPLATE_AMBIGUOUS"> {
  override readonly name = "TemplateLookupError";
}

/**
 * The template with this id, or the one template with exactly this display name. `select`: the
 * `$select` of the answer (all properties when omitted). Throws TemplateLookupError.
 */
export async function lookupTemplate<T extends { id: string; displayName: string; publisher?: string } = ApplicationTemplateInfo>(
  client: GraphClient,
  by: { id: string } | { displayName: string },
  select?: string,
): Promise<T> {
  const $select = select === undefined ? {} : { $select: select };
  if ("id" in by) {
    try {
      return (await client.get<T>({ endpoint: endpoints.applicationTemplate, params: { templateId: by.id }, query: $select })).body;
    } catch (e) {
      if (!isGraphError(e, "GRAPH_NOT_FOUND")) throw e;
      throw new TemplateLookupError(
        "TEMPLATE_NOT_FOUND",
        `no gallery application template has id ${by.id}; use a template's display name (e.g. "Box") or an id from \`GET /applicationTemplates\`.`,
        { cause: e },
      );
    }
  }
  const name = by.displayName;
  const matches = await client.list<T>({ endpoint: endpoints.applicationTemplates, query: { $filter: `displayName eq ${odataString(name)}`, ...$select } });
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) {
    throw new TemplateLookupError(
      "TEMPLATE_AMBIGUOUS",
      `"${name}" matches ${matches.length} gallery templates (${matches.map((t) => `${t.id} by ${t.publisher ?? "?"}`).join(", ")}); use the template id instead.`,
    );
  }
  const suggestions = await similarNames(client, name);
  throw new TemplateLookupError(
    "TEMPLATE_NOT_FOUND",
    `no gallery application template is named "${name}".` +
      (suggestions.length ? ` Did you mean ${suggestions.map((s) => `"${s}"`).join(", ")}?` : " Check the name in the Entra gallery, or use the template id."),
  );
}

/**
 * Up to three close names. Candidates come from a prefix query (catches typos late in the name)
 * and `contains` queries on its longest words (catches a missing or extra word).
 */
async function similarNames(client: GraphClient, name: string): Promise<string[]> {
  const words = name
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w.length >= 3)
    .sort((a, b) => b.length - a.length)
    .slice(0, 2);
  const filters = [`startswith(displayName,${odataString(name.slice(0, 3))})`, ...words.map((w) => `contains(displayName,${odataString(w)})`)];
  const names = new Set<string>();
  for (const $filter of filters) {
    // One page is enough for suggestions: no need to page through a broad match.
    const page = await client.get<{ value: { displayName: string }[] }>({
      endpoint: endpoints.applicationTemplates,
      query: { $filter, $select: "id,displayName", $top: 50 },
    });
    for (const t of page.body.value) names.add(t.displayName);
  }
  return closest(name, [...names], 3);
}

/** getApplicationTemplate: exactly one of `id` (a GUID) or `displayName`. */
export async function findApplicationTemplate(client: GraphClient, ref: { id?: string; displayName?: string }): Promise<ApplicationTemplateInfo> {
  const id = ref.id?.trim();
  const displayName = ref.displayName?.trim();
  if (!id === !displayName) throw new InputError("getApplicationTemplate: pass exactly one of id or displayName.");
  if (id && !isGuid(id)) throw new InputError(`getApplicationTemplate: id "${id}" is not a template id (a GUID); pass displayName instead.`);
  try {
    return await lookupTemplate(client, id ? { id } : { displayName: displayName! });
  } catch (e) {
    throw withContext(e, "getApplicationTemplate: ");
  }
}
