import { isGuid } from "../app-roles";
import { noContent, odataContext, ok, RequestContext } from "../context";
import { DirectoryGroup, DirectoryUser } from "../directory";
import { project } from "../entities";
import { asObject, assertKnownProperties, badRequest, notFound, unsupportedQuery } from "../errors";
import { assertAdvancedOperators, isAdvancedQuery, matches, page, pick, rejectUnsupportedOptions } from "../odata";
import { assertFilterable, FilterNode, parseFilter } from "../odata-filter";
import { Router } from "../router";
import { DIRECTORY_READ, Services } from "../services";

/**
 * /users and /groups over the seeded directory (ids for provisionOnDemand and for app role
 * assignments), `$filter` with `in` (`userPrincipalName in ('a','b')`, at most 15 values without
 * advanced query parameters), /groups/{id}/members, DELETE of a user or group (its app role
 * assignments go with it) and POST /directoryObjects/getByIds. Sources in FIDELITY.md, "App role
 * assignments".
 */
const USER_PROPS = new Set(["id", "displayName", "givenName", "surname", "userPrincipalName", "mail", "mailNickname", "jobTitle", "accountEnabled"]);
const GROUP_PROPS = new Set(["id", "displayName", "mailNickname", "mailEnabled", "securityEnabled"]);
const USER_FILTERABLE = new Set(["id", "displayName", "userPrincipalName", "mailNickname", "mail", "givenName", "surname", "jobTitle", "accountEnabled"]);
const GROUP_FILTERABLE = new Set(["id", "displayName", "mailNickname", "mailEnabled", "securityEnabled"]);

/** Graph's limit on the children of one OR (an `in` list counts one child per value). */
export const MAX_OR_CLAUSES = 15;
/** getByIds: "You can specify up to 1000 IDs." */
export const MAX_GET_BY_IDS = 1000;

function select(raw: string | null, allowed: ReadonlySet<string>, type: string): string[] | undefined {
  if (!raw) return undefined;
  const f = raw.split(",").map((x) => x.trim()).filter(Boolean);
  for (const x of f) if (!allowed.has(x)) throw badRequest(`Could not find a property named '${x}' on type 'microsoft.graph.${type}'.`);
  return f;
}

/**
 * Rewrites every `path in (v1, v2, …)` of a `$filter` as `(path eq v1 or path eq v2 …)`, leaving
 * string literals alone, so the shared parser (odata-filter.ts) can evaluate it.
 */
export function expandIn(src: string): string {
  let out = "";
  let i = 0;
  const literalEnd = (from: number): number => {
    // from points at an opening quote; '' is an escaped quote inside the literal.
    let j = from + 1;
    for (;;) {
      if (j >= src.length) throw badRequest("Invalid filter clause: unterminated string literal.");
      if (src[j] === "'") {
        if (src[j + 1] === "'") {
          j += 2;
          continue;
        }
        return j + 1;
      }
      j++;
    }
  };
  while (i < src.length) {
    if (src[i] === "'") {
      const end = literalEnd(i);
      out += src.slice(i, end);
      i = end;
      continue;
    }
    const prev = i === 0 ? " " : src[i - 1];
    const m = /^([A-Za-z_][A-Za-z0-9_]*(?:\/[A-Za-z_][A-Za-z0-9_]*)*)\s+in\s*\(/i.exec(src.slice(i));
    if (m && !/[A-Za-z0-9_/]/.test(prev)) {
      const path = m[1];
      let j = i + m[0].length;
      const values: string[] = [];
      for (;;) {
        while (src[j] === " ") j++;
        if (src[j] === ")" && values.length === 0) throw badRequest("Invalid filter clause: the 'in' operator needs at least one value.");
        let end: number;
        if (src[j] === "'") end = literalEnd(j);
        else {
          const t = /^[^,)\s]+/.exec(src.slice(j));
          if (!t) throw badRequest("Invalid filter clause: expected a literal in the 'in' list.");
          end = j + t[0].length;
        }
        values.push(src.slice(j, end));
        j = end;
        while (src[j] === " ") j++;
        if (src[j] === ",") {
          j++;
          continue;
        }
        if (src[j] === ")") {
          j++;
          break;
        }
        throw badRequest("Invalid filter clause: expected ',' or ')' in the 'in' list.");
      }
      out += `(${values.map((v) => `${path} eq ${v}`).join(" or ")})`;
      i = j;
      continue;
    }
    out += src[i];
    i++;
  }
  return out;
}

/** The largest number of children of one OR in the expression (nested ORs flattened). */
function widestOr(node: FilterNode): number {
  const leaves = (n: FilterNode): FilterNode[] => (n.t === "or" ? [...leaves(n.a), ...leaves(n.b)] : [n]);
  switch (node.t) {
    case "or": {
      const children = leaves(node);
      return Math.max(children.length, ...children.map(widestOr));
    }
    case "and":
      return Math.max(widestOr(node.a), widestOr(node.b));
    case "not":
      return widestOr(node.e);
    case "any":
      return widestOr(node.e);
    default:
      return 1;
  }
}

/**
 * `$filter` for directory collections: the shared parser plus `in`, the 15-clause OR limit (lifted
 * by the advanced query parameters) and the advanced-only operators (`ne`, `not`, `endsWith`).
 */
export function readDirectoryFilter(ctx: RequestContext, allowed: ReadonlySet<string>, resource: string): FilterNode | undefined {
  const raw = ctx.query.get("$filter");
  if (raw === null || raw.trim() === "") return undefined;
  const node = parseFilter(expandIn(raw));
  assertFilterable(node, allowed, resource);
  const width = widestOr(node);
  if (width > MAX_OR_CLAUSES && !isAdvancedQuery(ctx)) {
    throw unsupportedQuery(`Too many child clauses specified in search filter expression containing 'OR' operators: ${width}. Max allowed: ${MAX_OR_CLAUSES}.`);
  }
  assertAdvancedOperators(node, ctx);
  return node;
}

/** `{id | userPrincipalName}` as Graph addresses users (the name compared ignoring case). */
export function resolveUser(s: Services, key: string): DirectoryUser | undefined {
  const byId = s.dir.users.get(key) ?? s.dir.users.get(key.toLowerCase());
  if (byId) return byId;
  const k = key.toLowerCase();
  return [...s.dir.users.values()].find((u) => u.id.toLowerCase() === k || u.userPrincipalName.toLowerCase() === k);
}

export function resolveGroup(s: Services, key: string): DirectoryGroup | undefined {
  const k = key.toLowerCase();
  return s.dir.groups.get(key) ?? [...s.dir.groups.values()].find((g) => g.id.toLowerCase() === k);
}

const userObject = (u: DirectoryUser): Record<string, unknown> => ({ ...u });
const groupObject = ({ members: _m, ...g }: DirectoryGroup): Record<string, unknown> => g;

/** Object types getByIds accepts in `types` (directoryObject and types that derive from it; compared ignoring case). */
const DIRECTORY_TYPES = new Set(["directoryobject", "user", "group", "serviceprincipal", "application", "device", "orgcontact", "directoryrole", "administrativeunit"]);

export function registerUserGroupRoutes(router: Router, s: Services): void {
  const defs = [
    { set: "users", type: "user", props: USER_PROPS, filterable: USER_FILTERABLE, all: () => [...s.dir.users.values()].map(userObject) },
    { set: "groups", type: "group", props: GROUP_PROPS, filterable: GROUP_FILTERABLE, all: () => [...s.dir.groups.values()].map(groupObject) },
  ];
  for (const d of defs) {
    router.add({
      method: "GET", pattern: `/${d.set}`, permission: DIRECTORY_READ, identity: true,
      handler: (ctx) => {
        rejectUnsupportedOptions(ctx, ["$filter", "$select", "$top", "$skiptoken", "$count"]);
        const filter = readDirectoryFilter(ctx, d.filterable, d.type);
        const sel = select(ctx.query.get("$select"), d.props, d.type);
        return page(ctx, d.all().filter((x) => matches(filter, x)), { context: d.set, map: (x) => pick(x, sel) });
      },
    });
    router.add({
      method: "GET", pattern: `/${d.set}/{id}`, permission: DIRECTORY_READ, identity: true,
      handler: (ctx) => {
        const found = d.set === "users" ? resolveUser(s, ctx.params.id) : resolveGroup(s, ctx.params.id);
        if (!found) throw notFound(ctx.params.id);
        const obj = d.set === "users" ? userObject(found as DirectoryUser) : groupObject(found as DirectoryGroup);
        return ok({ "@odata.context": odataContext(ctx, `${d.set}/$entity`), ...pick(obj, select(ctx.query.get("$select"), d.props, d.type)) });
      },
    });
  }

  // Group members (direct): GET /groups/{id}/members.
  router.add({
    method: "GET", pattern: "/groups/{id}/members",
    permission: ["GroupMember.Read.All", "Group.Read.All", "GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"],
    identity: true,
    handler: (ctx) => {
      rejectUnsupportedOptions(ctx, ["$top", "$skiptoken", "$count"]);
      const group = resolveGroup(s, ctx.params.id);
      if (!group) throw notFound(ctx.params.id);
      const members = group.members.map((id) => s.dir.users.get(id)).filter((u): u is DirectoryUser => !!u);
      return page(ctx, members, { context: "directoryObjects", map: (u) => ({ "@odata.type": "#microsoft.graph.user", ...userObject(u) }) });
    },
  });

  // Deleting a user or group deletes its app role assignments and memberships.
  router.add({
    method: "DELETE", pattern: "/users/{id}", permission: ["User.ReadWrite.All"], identity: true,
    handler: (ctx) => {
      const user = resolveUser(s, ctx.params.id);
      if (!user) throw notFound(ctx.params.id);
      s.dir.deletePrincipal(user.id);
      return noContent();
    },
  });
  router.add({
    method: "DELETE", pattern: "/groups/{id}", permission: ["Group.ReadWrite.All", "Directory.ReadWrite.All"], identity: true,
    handler: (ctx) => {
      const group = resolveGroup(s, ctx.params.id);
      if (!group) throw notFound(ctx.params.id);
      s.dir.deletePrincipal(group.id);
      return noContent();
    },
  });

  router.add({
    method: "POST", pattern: "/directoryObjects/getByIds", permission: ["Directory.Read.All", "Directory.ReadWrite.All"], identity: true,
    handler: (ctx) => {
      const body = asObject(ctx.body, "getByIds");
      assertKnownProperties(body, new Set(["ids", "types"]), "directoryObject.getByIds");
      if (!Array.isArray(body.ids) || body.ids.some((x) => typeof x !== "string")) throw badRequest("'ids' must be a collection of strings.");
      const ids = body.ids as string[];
      if (ids.length > MAX_GET_BY_IDS) throw badRequest(`'ids' may contain at most ${MAX_GET_BY_IDS} values; it contains ${ids.length}.`);
      for (const id of ids) if (!isGuid(id)) throw badRequest(`Invalid object identifier '${id}'.`);
      let types: Set<string> | undefined;
      if (body.types !== undefined && body.types !== null) {
        if (!Array.isArray(body.types) || body.types.some((x) => typeof x !== "string")) throw badRequest("'types' must be a collection of strings.");
        types = new Set((body.types as string[]).map((t) => t.toLowerCase()));
        for (const t of types) if (!DIRECTORY_TYPES.has(t)) throw badRequest(`Invalid type '${t}' in 'types'.`);
        if (types.has("directoryobject")) types = undefined;
      }
      const wants = (t: string) => !types || types.has(t);
      const value: Record<string, unknown>[] = [];
      const seen = new Set<string>();
      for (const raw of ids) {
        const id = raw.toLowerCase();
        if (seen.has(id)) continue;
        seen.add(id);
        const user = wants("user") ? resolveUser(s, id) : undefined;
        const group = !user && wants("group") ? resolveGroup(s, id) : undefined;
        if (user) value.push({ "@odata.type": "#microsoft.graph.user", ...userObject(user) });
        else if (group) value.push({ "@odata.type": "#microsoft.graph.group", ...groupObject(group) });
        else {
          for (const type of ["servicePrincipal", "application"] as const) {
            if (!wants(type.toLowerCase())) continue;
            const entity = s.dir.find(type, { id }, ctx.replica);
            if (entity) {
              value.push({ "@odata.type": `#microsoft.graph.${type}`, ...project(entity, type, ctx.version) });
              break;
            }
          }
        }
      }
      return ok({ "@odata.context": odataContext(ctx, "directoryObjects"), value });
    },
  });
}
