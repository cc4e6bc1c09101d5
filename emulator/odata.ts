import { GraphResponse, RequestContext, odataContext } from "./context";
import { badRequest, GraphError, unsupportedQuery } from "./errors";
import { FilterNode, assertFilterable, evaluate, parseFilter } from "./odata-filter";

/**
 * Collection plumbing shared by list endpoints: $filter parsing, $orderby, $top + $skiptoken paging
 * with @odata.nextLink, and $count (honoured only with `ConsistencyLevel: eventual`, silently ignored
 * otherwise, as https://learn.microsoft.com/graph/aad-advanced-queries documents).
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

/** `ConsistencyLevel: eventual` together with `$count=true`: Graph's "advanced query parameters". */
export function isAdvancedQuery(ctx: RequestContext): boolean {
  return ctx.headers.consistencylevel?.toLowerCase() === "eventual" && ctx.query.get("$count") === "true";
}

function parseOrderBy(raw: string): { prop: string; dir: "asc" | "desc" } | undefined {
  const m = /^\s*([A-Za-z][A-Za-z0-9/]*)(?:\s+(asc|desc))?\s*$/i.exec(raw);
  return m ? { prop: m[1], dir: (m[2]?.toLowerCase() ?? "asc") as "asc" | "desc" } : undefined;
}

function sortBy<T>(items: T[], prop: string, dir: "asc" | "desc"): T[] {
  const sign = dir === "desc" ? -1 : 1;
  const key = (t: T) => String((t as Record<string, unknown>)[prop] ?? "").toLowerCase();
  return [...items].sort((a, b) => (key(a) < key(b) ? -sign : key(a) > key(b) ? sign : 0));
}

export function orderBy<T>(ctx: RequestContext, items: T[], allowed: ReadonlySet<string>): T[] {
  const raw = ctx.query.get("$orderby");
  if (!raw) return items;
  const o = parseOrderBy(raw);
  if (!o || !allowed.has(o.prop)) throw unsupportedQuery(`Sorting on '${raw}' is not supported.`);
  return sortBy(items, o.prop, o.dir);
}

/**
 * $orderby on directory objects (applications, servicePrincipals). "Advanced query capabilities on
 * Microsoft Entra ID objects": application/servicePrincipal sort only on createdDateTime,
 * deletedDateTime and displayName, and only with the advanced query parameters; "Use of $filter
 * and $orderby in the same query for directory objects always requires advanced query
 * parameters". Errors as observed (microsoft-graph-docs-contrib issues 1354, 3145).
 */
export function orderByDirectory<T>(ctx: RequestContext, items: T[], allowed: ReadonlySet<string>, typeName: string): T[] {
  const raw = ctx.query.get("$orderby");
  if (!raw) return items;
  const o = parseOrderBy(raw);
  if (!o) throw unsupportedQuery(`Unsupported sort property '${raw.trim()}' for '${typeName}'.`);
  if (!allowed.has(o.prop)) throw unsupportedQuery(`Unsupported sort property '${o.prop}' for '${typeName}'.`);
  if (!isAdvancedQuery(ctx)) throw unsupportedQuery("Sorting not supported for current query.");
  return sortBy(items, o.prop, o.dir);
}

/**
 * `ne`, `not` and `endsWith` in a directory-object $filter need the advanced query parameters;
 * without them Graph answers 400 Request_UnsupportedQuery with this message (advanced queries page).
 */
export function assertAdvancedOperators(node: FilterNode | undefined, ctx: RequestContext): void {
  if (!node || isAdvancedQuery(ctx)) return;
  const fail = (op: string): never => {
    throw unsupportedQuery(`Operator '${op}' is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information`);
  };
  const walk = (n: FilterNode): void => {
    switch (n.t) {
      case "cmp":
        if (n.op === "ne") fail("ne");
        return;
      case "fn":
        if (n.fn === "endswith") fail("endsWith");
        return;
      case "not":
        fail("not");
        return;
      case "and":
      case "or":
        walk(n.a);
        walk(n.b);
        return;
      case "any":
        walk(n.e);
        return;
    }
  };
  walk(node);
}

/**
 * $orderby on provisioning logs (GET /auditLogs/provisioning supports "`$filter` (eq, contains,
 * gt, lt), `$orderby`, `$top`, `$skiptoken`", provisioningobjectsummary-list.md). Sorting is on
 * activityDateTime; any other property is a 400 from the reporting service.
 */
export function orderByReport<T>(ctx: RequestContext, items: T[], allowed: ReadonlySet<string>): T[] {
  const raw = ctx.query.get("$orderby");
  if (raw === null) return items;
  const o = parseOrderBy(raw);
  if (!o || !allowed.has(o.prop)) {
    throw new GraphError(400, "BadRequest", `Order by '${raw.trim()}' is not allowed. Supported: ${[...allowed].map((p) => `${p} asc|desc`).join(", ")}.`);
  }
  return sortBy(items, o.prop, o.dir);
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
