import type { GraphClient } from "./client";
import type { GraphRequest } from "./request";
import { GraphError } from "./errors";

/** One page of an OData collection. */
export interface ODataPage<T> {
  value: T[];
  "@odata.nextLink"?: string;
  "@odata.count"?: number;
}

/** Safety net against a server that keeps returning a nextLink (or the same one): fail instead of looping forever. */
const MAX_PAGES = 10_000;

/**
 * Yields each page of a collection, following `@odata.nextLink` (an absolute URL that already carries the query,
 * including `$skiptoken`). Each page is a separate request with its own retries and deadline.
 */
export async function* iteratePages<T>(client: Pick<GraphClient, "request">, first: GraphRequest): AsyncGenerator<ODataPage<T>> {
  let next: GraphRequest | undefined = first;
  const seen = new Set<string>();
  for (let page = 0; next !== undefined; page++) {
    if (page >= MAX_PAGES) {
      throw new GraphError({
        code: "GRAPH_INVALID_RESPONSE",
        summary: `Paging stopped after ${MAX_PAGES} pages.`,
        hint: "Narrow the query with $filter or $top.",
      });
    }
    const res: { body: ODataPage<T> | undefined } = await client.request<ODataPage<T>>(next);
    const body = res.body;
    if (!body || !Array.isArray(body.value)) {
      throw new GraphError({
        code: "GRAPH_INVALID_RESPONSE",
        summary: "Graph returned a collection response without a `value` array.",
      });
    }
    yield body;
    const link = body["@odata.nextLink"];
    if (!link || seen.has(link)) return;
    seen.add(link);
    next = { method: "GET", url: link, signal: first.signal, headers: first.headers, timeoutMs: first.timeoutMs };
  }
}

/** Every item of every page. */
export async function* iterateItems<T>(client: Pick<GraphClient, "request">, first: GraphRequest): AsyncGenerator<T> {
  for await (const page of iteratePages<T>(client, first)) yield* page.value;
}

/** Collects all items of a collection. */
export async function listAll<T>(client: Pick<GraphClient, "request">, first: GraphRequest): Promise<T[]> {
  const items: T[] = [];
  for await (const page of iteratePages<T>(client, first)) items.push(...page.value);
  return items;
}
