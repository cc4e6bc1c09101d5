import { unsupportedQuery, badRequest } from "./errors";

/**
 * A small OData `$filter` parser and evaluator covering what Graph supports on the resources the
 * emulator serves: eq/ne/gt/ge/lt/le, and/or/not, parentheses, contains/startswith/endswith and
 * lambda `any` over collections (`tags/any(t:t eq 'x')`, `categories/any(c:contains(c,'x'))`).
 */
export type Literal = string | number | boolean | null | { date: number };

export type FilterNode =
  | { t: "cmp"; op: "eq" | "ne" | "gt" | "ge" | "lt" | "le"; path: string[]; value: Literal }
  | { t: "fn"; fn: "contains" | "startswith" | "endswith"; path: string[]; value: string }
  | { t: "and" | "or"; a: FilterNode; b: FilterNode }
  | { t: "not"; e: FilterNode }
  | { t: "any"; path: string[]; v: string; e: FilterNode };

const DATE_RE = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/;

function tokenize(src: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === " " || c === "\t") {
      i++;
    } else if ("(),:/".includes(c)) {
      tokens.push(c);
      i++;
    } else if (c === "'") {
      let s = "'";
      i++;
      for (;;) {
        if (i >= src.length) throw badRequest("Invalid filter clause: unterminated string literal.");
        if (src[i] === "'") {
          if (src[i + 1] === "'") {
            s += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        s += src[i++];
      }
      tokens.push(s + "'");
    } else {
      // Numbers and date-times may contain ':' '.' '-' '+'; identifiers may contain '.' and '_'.
      const re = /[0-9]/.test(c) || c === "-" ? /^[-+0-9A-Za-z:.]+/ : /^[A-Za-z_$@][A-Za-z0-9_.$@]*/;
      const m = re.exec(src.slice(i));
      if (!m) throw badRequest(`Invalid filter clause: unexpected character '${c}' at position ${i}.`);
      tokens.push(m[0]);
      i += m[0].length;
    }
  }
  return tokens;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: string[]) {}

  parse(): FilterNode {
    const node = this.or();
    if (this.pos < this.tokens.length) throw badRequest(`Invalid filter clause: unexpected '${this.tokens[this.pos]}'.`);
    return node;
  }

  private peek(): string | undefined {
    return this.tokens[this.pos];
  }

  private take(expected?: string): string {
    const tok = this.tokens[this.pos++];
    if (tok === undefined) throw badRequest("Invalid filter clause: unexpected end of expression.");
    if (expected !== undefined && tok.toLowerCase() !== expected) {
      throw badRequest(`Invalid filter clause: expected '${expected}' but found '${tok}'.`);
    }
    return tok;
  }

  private or(): FilterNode {
    let node = this.and();
    while (this.peek()?.toLowerCase() === "or") {
      this.pos++;
      node = { t: "or", a: node, b: this.and() };
    }
    return node;
  }

  private and(): FilterNode {
    let node = this.unary();
    while (this.peek()?.toLowerCase() === "and") {
      this.pos++;
      node = { t: "and", a: node, b: this.unary() };
    }
    return node;
  }

  private unary(): FilterNode {
    if (this.peek()?.toLowerCase() === "not") {
      this.pos++;
      return { t: "not", e: this.unary() };
    }
    return this.primary();
  }

  private primary(): FilterNode {
    const tok = this.take();
    if (tok === "(") {
      const inner = this.or();
      this.take(")");
      return inner;
    }
    const fn = tok.toLowerCase();
    if ((fn === "contains" || fn === "startswith" || fn === "endswith") && this.peek() === "(") {
      this.take("(");
      const path = this.path(this.take());
      this.take(",");
      const value = literal(this.take());
      this.take(")");
      if (typeof value !== "string") throw badRequest(`Invalid filter clause: ${fn} needs a string literal.`);
      return { t: "fn", fn, path, value };
    }
    const path = this.path(tok);
    if (path[path.length - 1]?.toLowerCase() === "any" && this.peek() === "(") {
      this.take("(");
      const v = this.take();
      this.take(":");
      const e = this.or();
      this.take(")");
      return { t: "any", path: path.slice(0, -1), v, e };
    }
    const op = this.take().toLowerCase();
    if (!["eq", "ne", "gt", "ge", "lt", "le"].includes(op)) throw unsupportedQuery(`Unsupported filter operator '${op}'.`);
    return { t: "cmp", op: op as "eq", path, value: literal(this.take()) };
  }

  private path(first: string): string[] {
    const path = [first];
    while (this.peek() === "/") {
      this.pos++;
      path.push(this.take());
    }
    return path;
  }
}

function literal(tok: string): Literal {
  if (tok.startsWith("'")) return tok.slice(1, -1);
  const lower = tok.toLowerCase();
  if (lower === "true") return true;
  if (lower === "false") return false;
  if (lower === "null") return null;
  if (DATE_RE.test(tok)) return { date: Date.parse(tok) };
  if (/^[-+]?\d+(\.\d+)?$/.test(tok)) return Number(tok);
  throw badRequest(`Invalid filter clause: '${tok}' is not a literal.`);
}

export function parseFilter(src: string): FilterNode {
  return new Parser(tokenize(src)).parse();
}

/**
 * Throws Request_UnsupportedQuery when the filter uses a property the resource does not filter on.
 * Lambda bodies are not checked: they only see the collection element.
 */
export function assertFilterable(node: FilterNode, allowed: ReadonlySet<string>, resource: string): void {
  const reject = (path: string[]): never => {
    throw unsupportedQuery(
      `Unsupported or invalid query filter clause specified for property '${path.join("/")}' of resource '${resource}'.`,
    );
  };
  switch (node.t) {
    case "cmp":
    case "fn":
      if (!allowed.has(node.path.join("/"))) reject(node.path);
      return;
    case "and":
    case "or":
      assertFilterable(node.a, allowed, resource);
      assertFilterable(node.b, allowed, resource);
      return;
    case "not":
      assertFilterable(node.e, allowed, resource);
      return;
    case "any":
      if (!allowed.has(`${node.path.join("/")}/any`)) reject(node.path);
      return;
  }
}

export interface EvalOptions {
  /** Directory data compares strings case-insensitively; provisioning logs do not (https://learn.microsoft.com/graph/api/provisioningobjectsummary-list). */
  caseInsensitive: boolean;
}

function resolve(obj: unknown, path: string[], scope: Record<string, unknown>): unknown {
  let cur: unknown = path[0] in scope ? scope[path[0]] : (obj as Record<string, unknown> | null)?.[path[0]];
  for (let i = 1; i < path.length && cur !== undefined && cur !== null; i++) {
    cur = (cur as Record<string, unknown>)[path[i]];
  }
  return cur;
}

function norm(v: unknown, ci: boolean): unknown {
  return ci && typeof v === "string" ? v.toLowerCase() : v;
}

function compare(actual: unknown, op: string, value: Literal, ci: boolean): boolean {
  let a: unknown = actual;
  let b: unknown = value;
  if (value !== null && typeof value === "object") {
    if (typeof actual !== "string") return false;
    a = Date.parse(actual);
    b = value.date;
  } else {
    a = norm(actual, ci);
    b = norm(value, ci);
  }
  if (a === undefined) a = null;
  switch (op) {
    case "eq":
      return a === b;
    case "ne":
      return a !== b;
  }
  if (a === null || b === null) return false;
  const x = a as number | string;
  const y = b as number | string;
  switch (op) {
    case "gt":
      return x > y;
    case "ge":
      return x >= y;
    case "lt":
      return x < y;
    default:
      return x <= y;
  }
}

export function evaluate(node: FilterNode, obj: unknown, opts: EvalOptions, scope: Record<string, unknown> = {}): boolean {
  const ci = opts.caseInsensitive;
  switch (node.t) {
    case "and":
      return evaluate(node.a, obj, opts, scope) && evaluate(node.b, obj, opts, scope);
    case "or":
      return evaluate(node.a, obj, opts, scope) || evaluate(node.b, obj, opts, scope);
    case "not":
      return !evaluate(node.e, obj, opts, scope);
    case "cmp":
      return compare(resolve(obj, node.path, scope), node.op, node.value, ci);
    case "fn": {
      const actual = resolve(obj, node.path, scope);
      if (typeof actual !== "string") return false;
      const a = ci ? actual.toLowerCase() : actual;
      const v = ci ? node.value.toLowerCase() : node.value;
      if (node.fn === "contains") return a.includes(v);
      if (node.fn === "startswith") return a.startsWith(v);
      return a.endsWith(v);
    }
    case "any": {
      const coll = resolve(obj, node.path, scope);
      if (!Array.isArray(coll)) return false;
      return coll.some((item) => evaluate(node.e, obj, opts, { ...scope, [node.v]: item }));
    }
  }
}

/**
 * If the filter pins a property to one value (`p eq 'x'` or `p/any(t:t eq 'x')`, possibly inside an
 * `and`), returns it so the caller can answer from an index instead of scanning.
 */
export function indexHint(node: FilterNode): { path: string; value: string } | undefined {
  if (node.t === "cmp" && node.op === "eq" && typeof node.value === "string") {
    return { path: node.path.join("/"), value: node.value };
  }
  if (node.t === "any" && node.e.t === "cmp" && node.e.op === "eq" && typeof node.e.value === "string" && node.e.path.length === 1) {
    return { path: `${node.path.join("/")}/any`, value: node.e.value };
  }
  if (node.t === "and") return indexHint(node.a) ?? indexHint(node.b);
  return undefined;
}
