// Gallery template lookup by display name or id, cached per provider process: hundreds of
// instances of the same app resolve their template with one Graph call. The lookup itself is
// functions/templates.ts, shared with the programs' getApplicationTemplate.
import { lookupTemplate, type ApplicationTemplateInfo } from "../functions/templates";
import { isGuid } from "../graph";
import { AsyncCache } from "../memoize";
import { graph } from "./runtime";

export { TemplateLookupError } from "../functions/templates";

/** What the resources need of a template (the `$select` below). */
export type ApplicationTemplate = Pick<ApplicationTemplateInfo, "id" | "displayName" | "publisher" | "categories" | "supportedProvisioningTypes">;

const SELECT = "id,displayName,publisher,categories,supportedProvisioningTypes";
// Failed lookups are not cached: a transient Graph error must not stick for the process.
const cache = new AsyncCache<ApplicationTemplate>();

/** Resolves `ref` (a display name or a template id). Throws TemplateLookupError. */
export function resolveTemplate(ref: string): Promise<ApplicationTemplate> {
  return cache.get(ref.trim().toLowerCase(), () => lookup(ref.trim()));
}

/** Async, so that a configuration error from graph() rejects (and is evicted) like a Graph one. */
async function lookup(ref: string): Promise<ApplicationTemplate> {
  return lookupTemplate<ApplicationTemplate>(graph(), isGuid(ref) ? { id: ref } : { displayName: ref }, SELECT);
}
