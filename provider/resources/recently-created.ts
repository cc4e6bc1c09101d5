// Service principals this provider process instantiated itself. All dynamic resources of a stack
// share one provider process, so what GalleryApplication.create learned is known to the secrets
// and job of the same instance moments later:
// - when it was created, so their requests wait for replication instead of collecting 404s
//   (GraphRequest.createdAt);
// - that nobody can have created a synchronization job on it yet (no lookup before POST);
// - which application template it came from (its synchronization templates are the template's).

interface RecentlyCreated {
  createdAt: number;
  applicationTemplateId: string;
}

const instantiated = new Map<string, RecentlyCreated>();
/** Service principals this process restored from deleted items, and when: they replicate like new ones. */
const restored = new Map<string, number>();

/** Called once a restore of the service principal was accepted. */
export function recordRestored(servicePrincipalId: string, at: number): void {
  restored.set(servicePrincipalId, at);
}

/** Called once instantiate answered with new objects (not for objects found by their marker). */
export function recordInstantiated(servicePrincipalId: string, applicationTemplateId: string, createdAt: number): void {
  instantiated.set(servicePrincipalId, { createdAt, applicationTemplateId });
}

/** Set when this process instantiated the service principal. */
export function instantiatedHere(servicePrincipalId: string): RecentlyCreated | undefined {
  return instantiated.get(servicePrincipalId);
}

/** Request options for something that may have been created moments ago: 404s are replication lag, retried. */
export type RecentlyCreatedRequest = { consistency?: "retry-not-found"; createdAt?: number };

/** Request options for a service principal that may have been created moments ago. */
export function recentlyCreatedRequest(servicePrincipalId: string): { consistency: "retry-not-found"; createdAt?: number } {
  const createdAt = instantiated.get(servicePrincipalId)?.createdAt ?? restored.get(servicePrincipalId);
  return createdAt !== undefined ? { consistency: "retry-not-found", createdAt } : { consistency: "retry-not-found" };
}
