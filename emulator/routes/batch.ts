import { ok, RequestContext } from "../context";
import { asObject, badRequest, errorBody, GraphError } from "../errors";
import { GraphDispatcher, newRequestIds } from "../graph-dispatch";
import { Router } from "../router";

/**
 * POST /$batch (https://learn.microsoft.com/graph/json-batching): up to 20 requests, `dependsOn`
 * sequencing, per-item status, headers and body. A failed dependency makes dependants 424.
 * Throttling applies per item (an item can be 429 with Retry-After while the batch itself is 200).
 * Connection faults apply to the batch as a whole, not to items.
 */
export const MAX_BATCH = 20;

interface Item {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  dependsOn: string[];
}

function parseItems(body: Record<string, unknown>): Item[] {
  if (!Array.isArray(body.requests)) throw badRequest("Invalid batch payload format: 'requests' must be an array.");
  if (body.requests.length === 0) throw badRequest("Invalid batch payload format: the batch contains no requests.");
  if (body.requests.length > MAX_BATCH) throw badRequest(`Invalid batch payload format: number of requests ${body.requests.length} exceeds the limit of ${MAX_BATCH}.`);
  const items = body.requests.map((raw, i) => {
    const r = asObject(raw, `requests[${i}]`);
    if (typeof r.id !== "string" || r.id === "") throw badRequest(`Invalid batch payload format: requests[${i}].id is required.`);
    if (typeof r.method !== "string" || typeof r.url !== "string") throw badRequest(`Invalid batch payload format: requests[${i}] needs 'method' and 'url'.`);
    const dependsOn = r.dependsOn === undefined ? [] : r.dependsOn;
    if (!Array.isArray(dependsOn) || dependsOn.some((d) => typeof d !== "string")) throw badRequest(`Invalid batch payload format: requests[${i}].dependsOn must be an array of ids.`);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries((r.headers as Record<string, unknown>) ?? {})) headers[k.toLowerCase()] = String(v);
    return { id: r.id, method: r.method.toUpperCase(), url: r.url, headers, body: r.body, dependsOn: dependsOn as string[] };
  });
  const ids = new Set<string>();
  for (const it of items) {
    if (ids.has(it.id)) throw badRequest(`Invalid batch payload format: duplicate request id '${it.id}'.`);
    ids.add(it.id);
  }
  for (const it of items) {
    for (const d of it.dependsOn) if (!ids.has(d) || d === it.id) throw badRequest(`Invalid batch payload format: request '${it.id}' depends on unknown request '${d}'.`);
  }
  return items;
}

/** Dependency order; a cycle is a malformed batch. */
function order(items: Item[]): Item[] {
  const byId = new Map(items.map((i) => [i.id, i]));
  const out: Item[] = [];
  const state = new Map<string, 1 | 2>();
  const visit = (it: Item): void => {
    if (state.get(it.id) === 2) return;
    if (state.get(it.id) === 1) throw badRequest("Invalid batch payload format: dependsOn forms a cycle.");
    state.set(it.id, 1);
    for (const d of it.dependsOn) visit(byId.get(d)!);
    state.set(it.id, 2);
    out.push(it);
  };
  items.forEach(visit);
  return out;
}

export function registerBatchRoute(router: Router, dispatcher: () => GraphDispatcher): void {
  router.add({
    method: "POST",
    pattern: "/$batch",
    permission: "anyToken",
    handler: async (ctx: RequestContext) => {
      const items = order(parseItems(asObject(ctx.body, "$batch")));
      const statuses = new Map<string, number>();
      const responses: Record<string, unknown>[] = [];
      for (const it of items) {
        const ids = newRequestIds(ctx.headers["client-request-id"]);
        const failedDep = it.dependsOn.find((d) => (statuses.get(d) ?? 0) >= 400);
        if (failedDep) {
          const err = new GraphError(424, "FailedDependency", `Request '${it.id}' was not run because request '${failedDep}' failed.`);
          statuses.set(it.id, 424);
          responses.push({ id: it.id, status: 424, headers: { "Content-Type": "application/json" }, body: errorBody(err, ids.requestId, ids.clientRequestId) });
          continue;
        }
        const rel = it.url.replace(/^https?:\/\/[^/]+/, "").replace(/^\/?(v1\.0|beta)(?=\/)/, "");
        const [pathPart, queryPart = ""] = (rel.startsWith("/") ? rel : `/${rel}`).split("?", 2);
        let res;
        if (/^\/\$batch$/i.test(pathPart)) {
          const err = badRequest("Nested $batch requests are not supported.");
          res = { status: 400, body: errorBody(err, ids.requestId, ids.clientRequestId), headers: {} as Record<string, string> };
        } else if (it.body !== undefined && !Object.keys(it.headers).includes("content-type")) {
          const err = badRequest("A Content-Type header is required for a batch request that has a body.");
          res = { status: 400, body: errorBody(err, ids.requestId, ids.clientRequestId), headers: {} as Record<string, string> };
        } else {
          res = await dispatcher().dispatch(
            { method: it.method, version: ctx.version, path: pathPart, query: new URLSearchParams(queryPart), headers: { ...it.headers, "client-request-id": ids.clientRequestId }, body: it.body, baseUrl: ctx.baseUrl },
            ctx.headers.authorization,
            ids,
            false,
          );
        }
        statuses.set(it.id, res.status);
        const headers: Record<string, string> = { ...(res.headers ?? {}) };
        if (res.body !== undefined) headers["Content-Type"] = "application/json";
        const entry: Record<string, unknown> = { id: it.id, status: res.status, headers };
        if (res.body !== undefined) entry.body = res.body;
        responses.push(entry);
      }
      return ok({ responses });
    },
  });
}
