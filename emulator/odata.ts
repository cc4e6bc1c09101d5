import { GraphResponse, RequestContext, odataContext } from "./context";
import { badRequest, unsupportedQuery } from "./errors";
import { FilterNode, assertFilterable, evaluate, parseFilter } from "./odata-filter";

/**
 * Collection plumbing shared by list endpoints: $filter parsing, $orderby, $top + $skiptoken paging
 * with @odata.nextLink, and $count (honoured only with `ConsistencyLevel: eventual`, silently ignored
 * otherwise, as graph-api.md §8 documents).
 */
export function readFilter(ctx: RequestContext, allowed: ReadonlySet<string>, resource: string): FilterNode | undefined {
  const raw = ctx.query.get("$filter");
  if (raw === null || raw.trim() === "") return undefined;
  const node = parseFilter(raw);
  assertFilterable(node, allowed, resource);
  return node;
}

export function matches(node: FilterNode | undefined, obj: unknown, caseInsensitive = true): boolean {
  return !node || evaluate(node, obj, { caseInsensitive });
}

export function rejectUnsupportedOptions(ctx: RequestContext, supported: readonly string[]): void {
  for (const key of ctx.query.keys()) {
    if (!key.startsWith("$")) continue;
    if (key === "$search" && ctx.headers.consistencylevel?.toLowerCase() !== "eventual") {
      throw unsupportedQuery("Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'");
    }
    if (!supported.includes(key)) throw badRequest(`Query option '${key}' is not supported by this emulator endpoint.`);
  }
}

function readTop(ctx: RequestContext, defaultTop: number): number {
  const raw = ctx.query.get("$top");
  if (raw === null) return defaultTop;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 999) {
    throw badRequest(`Invalid page size specified: '${raw}'. Must be between 1 and 999 inclusive.`);
  }
  return n;
}

function readSkip(ctx: RequestContext): number {
  const token = ctx.query.get("$skiptoken");
  let offset = 0;
  if (token !== null) {
    try {
      offset = (JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { o: number }).o;
    } catch {
      throw badRequest("Invalid $skiptoken.");
    }
    if (!Number.isInteger(offset) || offset < 0) throw badRequest("Invalid $skiptoken.");
  }
  const skip = ctx.query.get("$skip");
  if (skip !== null) {
    const n = Number(skip);
    if (!Number.isInteger(n) || n < 0) throw badRequest(`Invalid $skip value '${skip}'.`);
    offset += n;
  }
  return offset;
}

export function orderBy<T>(ctx: RequestContext, items: T[], allowed: ReadonlySet<string>): T[] {
  const raw = ctx.query.get("$orderby");
  if (!raw) return items;
  const [prop, dir = "asc"] = raw.trim().split(/\s+/);
  if (!allowed.has(prop) || !/^(asc|desc)$/i.test(dir)) throw unsupportedQuery(`Sorting on '${raw}' is not supported.`);
  const sign = dir.toLowerCase() === "desc" ? -1 : 1;
  const key = (t: T) => String((t as Record<string, unknown>)[prop] ?? "").toLowerCase();
  return [...items].sort((a, b) => (key(a) < key(b) ? -sign : key(a) > key(b) ? sign : 0));
}

export interface PageOptions<T> {
  context: string;
  defaultTop?: number;
  map: (item: T) => unknown;
}

export function page<T>(ctx: RequestContext, items: T[], opts: PageOptions<T>): GraphResponse {
  const top = readTop(ctx, opts.defaultTop ?? 100);
  const offset = readSkip(ctx);
  const slice = items.slice(offset, offset + top);
  const body: Record<string, unknown> = { "@odata.context": odataContext(ctx, opts.context) };
  if (ctx.query.get("$count") === "true" && ctx.headers.consistencylevel?.toLowerCase() === "eventual") {
    body["@odata.count"] = items.length;
  }
  if (offset + top < items.length) {
    const q = new URLSearchParams(ctx.query);
    q.delete("$skip");
    q.set("$top", String(top));
    q.set("$skiptoken", Buffer.from(JSON.stringify({ o: offset + top })).toString("base64url"));
    // Graph writes system query options with a literal "$".
    body["@odata.nextLink"] = `${ctx.baseUrl}/${ctx.version}${ctx.path}?${q.toString().replace(/%24/g, "$")}`;
  }
  body.value = slice.map(opts.map);
  return { status: 200, body };
}

export function pick(obj: Record<string, unknown>, select: string[] | undefined): Record<string, unknown> {
  if (!select) return obj;
  const out: Record<string, unknown> = {};
  for (const k of select) out[k] = obj[k] ?? null;
  return out;
}
