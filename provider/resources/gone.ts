// Telling "deleted" from "not replicated yet". Graph answers 404 both for an object that is gone
// and for one created moments ago on a replica that has not seen it. Dropping a live object from
// state would make the next `pulumi up` create a duplicate, so a 404 counts as gone only when it
// persists across a confirmation window longer than Graph's usual replication lag.
import { endpoints, isGraphError, waitFor } from "../graph";
import { graph } from "./runtime";

/** How long a 404 must persist before an object counts as gone. */
export const GONE_CONFIRM_MS = 10_000;

/** Objects younger than this may still be replicating ("seconds to minutes"), and get the longer window. */
const YOUNG_MS = 10 * 60_000;
const YOUNG_CONFIRM_MS = 60_000;

/**
 * The confirmation window for an object created at `createdAt` (ISO, recorded in state): a 404 for
 * an object created minutes ago is more likely a replica that has not seen it than a delete
 * (https://devblogs.microsoft.com/identity/designing-for-eventual-consistency-for-microsoft-entra/).
 */
export function goneWindowMs(createdAt: string | undefined, now = Date.now()): number {
  const created = createdAt ? Date.parse(createdAt) : NaN;
  return Number.isFinite(created) && now - created < YOUNG_MS ? YOUNG_CONFIRM_MS : GONE_CONFIRM_MS;
}

/**
 * Runs `op`; returns `{ value }` on success, or undefined when `op` answers 404 throughout the
 * confirmation window — or at once when `goneForSure` (asked after the first 404) says the object
 * is certainly gone, e.g. its service principal is in deleted items. Other errors are thrown at once.
 */
export async function unlessGone<T>(
  op: () => Promise<T>,
  windowMs = GONE_CONFIRM_MS,
  goneForSure?: () => Promise<boolean>,
): Promise<{ value: T } | undefined> {
  let failure: { error: unknown } | undefined;
  let confirmed = false;
  let asked = false;
  try {
    return await waitFor(
      async () => {
        try {
          return { value: await op() };
        } catch (e) {
          if (!isGraphError(e, "GRAPH_NOT_FOUND")) {
            failure = { error: e };
            throw e;
          }
          if (goneForSure && !asked) {
            asked = true;
            if (await goneForSure()) {
              confirmed = true;
              throw e;
            }
          }
          return undefined;
        }
      },
      { timeoutMs: windowMs, baseDelayMs: 500, maxDelayMs: 4_000, description: "a 404 to be confirmed" },
    );
  } catch (e) {
    if (confirmed) return undefined;
    if (failure) throw failure.error;
    // The confirmation window passed with every attempt answering 404.
    if (isGraphError(e, "GRAPH_TIMEOUT")) return undefined;
    throw e;
  }
}

/** The directory object as deleted items hold it (`select`: its fields), or undefined when it is not there. */
export async function deletedItem<T extends { id: string }>(id: string, select = "id"): Promise<T | undefined> {
  try {
    return (await graph().get<T>({ endpoint: endpoints.deletedItem, params: { id }, query: { $select: select } })).body;
  } catch (e) {
    if (isGraphError(e, "GRAPH_NOT_FOUND")) return undefined;
    throw e;
  }
}

/** Whether the directory object is in deleted items (then a 404 for it, or under it, is final). */
export async function inDeletedItems(id: string): Promise<boolean> {
  return (await deletedItem(id)) !== undefined;
}

/**
 * For objects under a service principal (its jobs, its secrets): a 404 is final when the service
 * principal is readable (the object itself is gone: synchronization data is not replicated like
 * directory objects) or in deleted items.
 */
export async function parentSettled(spId: string): Promise<boolean> {
  try {
    await graph().get({ endpoint: endpoints.servicePrincipal, params: { spId }, query: { $select: "id" } });
    return true;
  } catch (e) {
    if (!isGraphError(e, "GRAPH_NOT_FOUND")) throw e;
    return inDeletedItems(spId);
  }
}
