/**
 * Every Graph path this package calls, as data. Resource code never concatenates URLs: it picks an endpoint and
 * passes parameters to {@link path}, which is the one place values are encoded. The template doubles as the route
 * used in counters and logs, so those never carry object ids.
 */

export type HttpMethod = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

/** Parameter names of a template: `"/a/{x}/b/{y}"` → `"x" | "y"`. */
export type TemplateParams<T extends string> = T extends `${string}{${infer P}}${infer Rest}`
  ? P | TemplateParams<Rest>
  : never;

export interface Endpoint<P extends string = string> {
  /** Path template relative to the version root, e.g. `/servicePrincipals/{spId}/synchronization/jobs`. */
  readonly template: string;
  /**
   * Methods that may be retried after a transient failure (5xx, reset connection) because repeating them cannot
   * create a duplicate. GET/PUT/DELETE are always idempotent. PATCH is too: Graph PATCH sets the named properties,
   * so a repeat converges on the same object. POST is listed only where repeating it is harmless (start, pause,
   * validateCredentials); creating POSTs (instantiate, create job) are not, so they are retried only on 429.
   */
  readonly idempotentPost: boolean;
  /** Application permission a 403 on this endpoint most likely lacks (for the error hint). */
  readonly permission: string;
  /** Request bodies carry credentials: their secret values are registered for redaction before sending. */
  readonly sensitiveBody: boolean;
  /** Phantom field so `Endpoint<"a">` and `Endpoint<"b">` are distinct types. */
  readonly __params?: P;
}

const APP_RW = "Application.ReadWrite.All";
const SYNC_RW = "Synchronization.ReadWrite.All";
const AUDIT_R = "AuditLog.Read.All";
// Assigning also needs to read the application (https://learn.microsoft.com/graph/api/serviceprincipal-post-approleassignedto).
const ASSIGN_RW = "AppRoleAssignment.ReadWrite.All (with Application.Read.All)";
const DIR_R = "Directory.Read.All";

function endpoint<const T extends string>(
  template: T,
  permission: string,
  options: { idempotentPost?: boolean; sensitiveBody?: boolean } = {},
): Endpoint<TemplateParams<T>> {
  return Object.freeze({
    template,
    permission,
    idempotentPost: options.idempotentPost ?? false,
    sensitiveBody: options.sensitiveBody ?? false,
  });
}

const SP_SYNC = "/servicePrincipals/{spId}/synchronization";
const JOB = `${SP_SYNC}/jobs/{jobId}` as const;

export const endpoints = {
  // Gallery (applicationTemplate). Reading needs only a valid token; instantiate needs Application.ReadWrite.All.
  applicationTemplates: endpoint("/applicationTemplates", APP_RW),
  applicationTemplate: endpoint("/applicationTemplates/{templateId}", APP_RW),
  instantiate: endpoint("/applicationTemplates/{templateId}/instantiate", APP_RW),

  applications: endpoint("/applications", APP_RW),
  application: endpoint("/applications/{appObjectId}", APP_RW),
  applicationByAppId: endpoint("/applications(appId='{appId}')", APP_RW),
  applicationOwners: endpoint("/applications/{appObjectId}/owners", APP_RW),

  servicePrincipals: endpoint("/servicePrincipals", APP_RW),
  servicePrincipal: endpoint("/servicePrincipals/{spId}", APP_RW),
  servicePrincipalByAppId: endpoint("/servicePrincipals(appId='{appId}')", APP_RW),

  // Synchronization (provisioning) under a service principal.
  synchronization: endpoint(SP_SYNC, SYNC_RW),
  syncTemplates: endpoint(`${SP_SYNC}/templates`, SYNC_RW),
  syncTemplate: endpoint(`${SP_SYNC}/templates/{templateId}`, SYNC_RW),
  syncTemplateSchema: endpoint(`${SP_SYNC}/templates/{templateId}/schema`, SYNC_RW),
  jobs: endpoint(`${SP_SYNC}/jobs`, SYNC_RW),
  job: endpoint(JOB, SYNC_RW),
  jobSchema: endpoint(`${JOB}/schema`, SYNC_RW),
  jobStart: endpoint(`${JOB}/start`, SYNC_RW, { idempotentPost: true }),
  jobPause: endpoint(`${JOB}/pause`, SYNC_RW, { idempotentPost: true }),
  // Restart resets state named in resetScope; repeating it is not harmless (a second reset after progress).
  jobRestart: endpoint(`${JOB}/restart`, SYNC_RW),
  jobValidateCredentials: endpoint(`${JOB}/validateCredentials`, SYNC_RW, { idempotentPost: true, sensitiveBody: true }),
  // Rate-limited to 5 per 10 s and has side effects in the target system: never replayed on 5xx.
  jobProvisionOnDemand: endpoint(`${JOB}/provisionOnDemand`, SYNC_RW),
  secrets: endpoint(`${SP_SYNC}/secrets`, SYNC_RW, { sensitiveBody: true }),

  // App role assignments: who is assigned to an application (and so in provisioning scope).
  appRoleAssignedTo: endpoint("/servicePrincipals/{spId}/appRoleAssignedTo", ASSIGN_RW),
  appRoleAssignment: endpoint("/servicePrincipals/{spId}/appRoleAssignedTo/{assignmentId}", ASSIGN_RW),
  // Principals to assign: looked up by name (users by userPrincipalName, groups by displayName) or by id.
  users: endpoint("/users", "User.Read.All"),
  groups: endpoint("/groups", "Group.Read.All"),
  // Reads users and groups by id in one request (POST, no side effects: safe to repeat).
  directoryObjectsByIds: endpoint("/directoryObjects/getByIds", DIR_R, { idempotentPost: true }),

  // Soft-deleted objects. Listing needs a type segment: path(endpoints.deletedItemsOfType, { type: "application" }).
  deletedItemsOfType: endpoint("/directory/deletedItems/microsoft.graph.{type}", APP_RW),
  deletedItem: endpoint("/directory/deletedItems/{id}", APP_RW),
  deletedItemRestore: endpoint("/directory/deletedItems/{id}/restore", APP_RW),

  provisioningLogs: endpoint("/auditLogs/provisioning", AUDIT_R),
  // Directory audit logs need Directory.Read.All too (https://learn.microsoft.com/graph/api/directoryaudit-list).
  directoryAudits: endpoint("/auditLogs/directoryAudits", `${AUDIT_R} and ${DIR_R}`),

  batch: endpoint("/$batch", APP_RW),
} as const;

/**
 * Fills a template. Every value is percent-encoded here and nowhere else; inside `('…')` key segments single
 * quotes are doubled as OData requires.
 *
 * @example path(endpoints.job, { spId, jobId }) // "/servicePrincipals/1a2b…/synchronization/jobs/Box.123"
 */
export function path<P extends string>(ep: Endpoint<P>, params: Record<P, string>): string {
  return ep.template.replace(/\{([^}]+)\}/g, (_match, name: string, offset: number) => {
    const value = (params as Record<string, string | undefined>)[name];
    if (typeof value !== "string" || value === "") {
      throw new TypeError(`path(${ep.template}): parameter "${name}" is missing or empty`);
    }
    const inQuotes = ep.template[offset - 1] === "'";
    return encodeURIComponent(inQuotes ? value.replace(/'/g, "''") : value);
  });
}

/** Whether a request may be retried after a transient failure (see {@link Endpoint.idempotentPost}). */
export function isIdempotent(method: HttpMethod, ep?: Endpoint): boolean {
  if (method !== "POST") return true;
  return ep?.idempotentPost ?? false;
}

/** All endpoints, for looking up the route of an absolute URL (paging) or a raw path. */
export const allEndpoints: readonly Endpoint[] = Object.values(endpoints);

const matchers: ReadonlyArray<{ ep: Endpoint; re: RegExp }> = allEndpoints
  .map((ep) => ({
    ep,
    re: new RegExp(
      `^${ep.template
        .split(/\{[^}]+\}/)
        .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
        .join("[^/]+")}/?$`,
    ),
  }))
  // Most specific first: "/applications/{id}" must not swallow "/applications/{id}/owners".
  .sort((a, b) => b.ep.template.length - a.ep.template.length);

/**
 * Finds the endpoint a concrete path (no query) belongs to, so raw-path requests and `@odata.nextLink` pages are
 * counted under their template. Unknown paths get a route with id-like segments replaced by `{id}`.
 */
export function routeOf(concretePath: string): { route: string; endpoint?: Endpoint } {
  for (const { ep, re } of matchers) {
    if (re.test(concretePath)) return { route: ep.template, endpoint: ep };
  }
  const route = concretePath
    .split("/")
    .map((seg) => (/[0-9a-f]{8}-[0-9a-f]{4}-|^[0-9]+$|\.[0-9a-f]{16,}|\(/i.test(seg) ? "{id}" : seg))
    .join("/");
  return { route };
}
