// Gallery application template lookup for programs: by id or by exact display name.
import { endpoints, isGraphError, type GraphClient } from "../graph";

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

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const odata = (s: string) => `'${s.replace(/'/g, "''")}'`;

export async function findApplicationTemplate(client: GraphClient, ref: { id?: string; displayName?: string }): Promise<ApplicationTemplateInfo> {
  const id = ref.id?.trim();
  const name = ref.displayName?.trim();
  if (!id === !name) throw new Error("getApplicationTemplate: pass exactly one of id or displayName.");
  if (id) {
    if (!GUID.test(id)) throw new Error(`getApplicationTemplate: id "${id}" is not a template id (a GUID); pass displayName instead.`);
    try {
      return (await client.get<ApplicationTemplateInfo>({ endpoint: endpoints.applicationTemplate, params: { templateId: id } })).body;
    } catch (e) {
      if (isGraphError(e, "GRAPH_NOT_FOUND")) throw new Error(`getApplicationTemplate: no gallery application template has id ${id}.`);
      throw e;
    }
  }
  const matches = await client.list<ApplicationTemplateInfo>({ endpoint: endpoints.applicationTemplates, query: { $filter: `displayName eq ${odata(name!)}` } });
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) {
    throw new Error(`getApplicationTemplate: "${name}" matches ${matches.length} templates (${matches.map((t) => `${t.id} by ${t.publisher ?? "?"}`).join(", ")}); pass id instead.`);
  }
  const word = name!.split(/\s+/)[0];
  const near = await client.list<ApplicationTemplateInfo>({
    endpoint: endpoints.applicationTemplates,
    query: { $filter: `startswith(displayName, ${odata(word)})`, $top: 5, $select: "id,displayName" },
  }).catch(() => []);
  throw new Error(
    `getApplicationTemplate: no gallery application template is named "${name}".` +
      (near.length ? ` Similar: ${near.slice(0, 5).map((t) => `"${t.displayName}"`).join(", ")}.` : ""),
  );
}
