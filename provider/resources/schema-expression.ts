// The attribute-mapping expression language of Entra provisioning ("Writing expressions for
// attribute mappings"): function calls, [attribute] references, "string" constants and bare
// numbers. Pure (no Pulumi, no I/O): ProvisioningSchema's check() validates with it and the
// Graph emulator evaluates with it.
import { EntraError } from "../errors";
import { closest } from "../suggest";

export type ExprNode =
  | { kind: "attribute"; name: string }
  | { kind: "constant"; value: string }
  | { kind: "call"; name: string; args: ExprNode[] };

/** Known functions → [min args, max args, parameter keys used in attributeMappingSource.parameters]. */
export const FUNCTIONS: Readonly<Record<string, readonly [number, number, readonly string[]]>> = {
  Append: [2, 2, ["source", "suffix"]],
  AppRoleAssignmentsComplex: [1, 1, ["source"]],
  BitAnd: [2, 2, ["value1", "value2"]],
  CBool: [1, 1, ["expression"]],
  CDate: [1, 1, ["expression"]],
  Coalesce: [1, 20, ["source"]],
  ConvertToBase64: [1, 1, ["source"]],
  ConvertToUTF8Hex: [1, 1, ["source"]],
  Count: [1, 1, ["attribute"]],
  CStr: [1, 1, ["value"]],
  DateAdd: [3, 3, ["interval", "value", "dateTime"]],
  DateDiff: [3, 3, ["interval", "date1", "date2"]],
  DateFromNum: [1, 1, ["value"]],
  FormatDateTime: [3, 4, ["source", "dateTimeStyles", "inputFormat", "outputFormat"]],
  Guid: [0, 0, []],
  IgnoreFlowIfNullOrEmpty: [1, 1, ["expression"]],
  IIF: [3, 3, ["condition", "valueIfTrue", "valueIfFalse"]],
  InStr: [2, 4, ["value1", "value2", "start", "compareType"]],
  IsNull: [1, 1, ["expression"]],
  IsNullOrEmpty: [1, 1, ["expression"]],
  IsPresent: [1, 1, ["expression"]],
  IsString: [1, 1, ["expression"]],
  Item: [2, 2, ["attribute", "index"]],
  Join: [2, 20, ["separator", "source"]],
  Left: [2, 2, ["string", "numChars"]],
  Mid: [3, 3, ["source", "start", "length"]],
  NormalizeDiacritics: [1, 1, ["source"]],
  Not: [1, 1, ["source"]],
  Now: [0, 0, []],
  NumFromDate: [1, 1, ["value"]],
  PCase: [1, 2, ["source", "wordSeparators"]],
  RandomString: [3, 6, ["length", "minimumNumbers", "minimumSpecialCharacters", "minimumCapital", "minimumLowerCase", "charactersToAvoid"]],
  Redact: [1, 1, ["attribute"]],
  RemoveDuplicates: [1, 1, ["attribute"]],
  Replace: [3, 7, ["source", "oldValue", "regexPattern", "regexGroupName", "replacementValue", "replacementAttributeName", "template"]],
  SelectUniqueValue: [1, 10, ["uniqueValueRule"]],
  SingleAppRoleAssignment: [1, 1, ["attribute"]],
  Split: [2, 2, ["source", "delimiter"]],
  StripSpaces: [1, 1, ["source"]],
  Switch: [2, 41, ["source", "defaultValue", "key", "value"]],
  ToLower: [1, 2, ["source", "culture"]],
  ToUpper: [1, 2, ["source", "culture"]],
  Word: [3, 3, ["string", "wordNumber", "delimiters"]],
};

/**
 * Scoping-filter operators (filterClause.operatorName) as the Entra scoping filters document them.
 * Unary ones take no values.
 */
/**
 * Scoping filter operators, as Microsoft lists them
 * (https://learn.microsoft.com/entra/identity/app-provisioning/define-conditional-rules-for-provisioning-user-accounts).
 */
export const FILTER_OPERATORS = [
  "&", "!&", "ENDS_WITH", "EQUALS", "NOT EQUALS", "IS TRUE", "IS FALSE", "IS NULL", "IS NOT NULL", "REGEX MATCH", "NOT REGEX MATCH",
  "Greater_Than", "Greater_Than_OR_EQUALS", "Includes",
] as const;
export const UNARY_OPERATORS: ReadonlySet<string> = new Set(["IS TRUE", "IS FALSE", "IS NULL", "IS NOT NULL"]);

/** An attribute-mapping expression that does not parse; `position` is the 0-based offset of the problem. */
export class ExpressionError extends EntraError<"EXPRESSION_INVALID"> {
  override readonly name = "ExpressionError";
  constructor(
    message: string,
    readonly position: number,
  ) {
    super("EXPRESSION_INVALID", message);
  }
}

const functionByLower = new Map(Object.keys(FUNCTIONS).map((f) => [f.toLowerCase(), f]));

/** Parses an expression; throws ExpressionError with a message that says where and what. */
export function parseExpression(text: string): ExprNode {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const fail = (msg: string): never => {
    throw new ExpressionError(`${msg} at position ${i + 1}`, i);
  };
  const node = (): ExprNode => {
    ws();
    const c = text[i];
    if (c === undefined) return fail("expected a value (function call, [attribute] or \"constant\") but the expression ended");
    if (c === "[") {
      const end = text.indexOf("]", i + 1);
      if (end < 0) return fail("unclosed '[': attribute references look like [givenName]");
      const name = text.slice(i + 1, end).trim();
      if (!name) return fail("empty attribute reference []");
      i = end + 1;
      return { kind: "attribute", name };
    }
    if (c === "\"") {
      let value = "";
      i++;
      for (;;) {
        if (i >= text.length) return fail("unclosed string: a \"constant\" needs its closing quote");
        if (text[i] === "\\" && i + 1 < text.length) {
          value += text[i + 1];
          i += 2;
        } else if (text[i] === "\"") {
          i++;
          return { kind: "constant", value };
        } else value += text[i++];
      }
    }
    const num = /^-?\d+(\.\d+)?/.exec(text.slice(i));
    if (num) {
      i += num[0].length;
      return { kind: "constant", value: num[0] };
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (!ident) return fail(`unexpected character '${c}'`);
    const start = i;
    i += ident[0].length;
    ws();
    if (text[i] !== "(") {
      i = start;
      return fail(`'${ident[0]}' is neither a function call nor a value; write [${ident[0]}] for an attribute or "${ident[0]}" for a constant`);
    }
    const name = functionByLower.get(ident[0].toLowerCase());
    if (!name) {
      i = start;
      const near = closest(ident[0], Object.keys(FUNCTIONS), 2);
      return fail(`unknown function '${ident[0]}'${near.length ? ` (did you mean ${near.join(" or ")}?)` : ` (known: ${Object.keys(FUNCTIONS).join(", ")})`}`);
    }
    i++;
    const args: ExprNode[] = [];
    ws();
    if (text[i] === ")") i++;
    else {
      for (;;) {
        args.push(node());
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === ")") {
          i++;
          break;
        }
        if (i >= text.length) return fail(`unbalanced parentheses: '${name}(' is not closed`);
        return fail(`expected ',' or ')' in the arguments of ${name}, got '${text[i]}'`);
      }
    }
    const [min, max] = FUNCTIONS[name];
    if (args.length < min || args.length > max) {
      i = start;
      return fail(`${name} takes ${min === max ? min : `${min} to ${max}`} argument${max === 1 ? "" : "s"}, got ${args.length}`);
    }
    return { kind: "call", name, args };
  };
  const result = node();
  ws();
  if (i < text.length) fail(text[i] === ")" ? "unbalanced parentheses: unexpected ')'" : `unexpected '${text.slice(i, i + 10)}' after the end of the expression`);
  return result;
}

/** Attribute names an expression reads. */
export function attributesOf(n: ExprNode): string[] {
  if (n.kind === "attribute") return [n.name];
  if (n.kind === "constant") return [];
  return n.args.flatMap(attributesOf);
}

/** The canonical text of an expression (what Graph stores in attributeMappingSource.expression). */
export function formatExpression(n: ExprNode): string {
  if (n.kind === "attribute") return `[${n.name}]`;
  if (n.kind === "constant") return JSON.stringify(n.value);
  return `${n.name}(${n.args.map(formatExpression).join(", ")})`;
}

export interface MappingSource {
  type: "Attribute" | "Constant" | "Function";
  name: string | null;
  expression: string | null;
  parameters: { key: string; value: MappingSource }[];
}

/** The attributeMappingSource Graph expects for an expression tree. */
export function toMappingSource(n: ExprNode): MappingSource {
  if (n.kind === "attribute") return { type: "Attribute", name: n.name, expression: formatExpression(n), parameters: [] };
  if (n.kind === "constant") return { type: "Constant", name: n.value, expression: formatExpression(n), parameters: [] };
  const keys = FUNCTIONS[n.name][2];
  return {
    type: "Function",
    name: n.name,
    expression: formatExpression(n),
    parameters: n.args.map((a, k) => ({ key: keys[Math.min(k, keys.length - 1)] ?? `p${k}`, value: toMappingSource(a) })),
  };
}

/** The expression tree of an attributeMappingSource (the expression text wins when present). */
export function fromMappingSource(s: Partial<MappingSource> | null | undefined): ExprNode {
  if (!s) throw new ExpressionError("the mapping has no source", 0);
  if (s.type === "Attribute") return { kind: "attribute", name: String(s.name ?? "") };
  if (s.type === "Constant") return { kind: "constant", value: String(s.name ?? "") };
  if (s.expression) return parseExpression(s.expression);
  const name = functionByLower.get(String(s.name ?? "").toLowerCase());
  if (!name) throw new ExpressionError(`unknown function '${String(s.name)}'`, 0);
  return { kind: "call", name, args: (s.parameters ?? []).map((p) => fromMappingSource(p.value)) };
}

export type Values = Record<string, string | null | undefined>;

const truthy = (v: string | null | undefined) => v !== null && v !== undefined && v.toLowerCase() === "true";

/**
 * Evaluates an expression against an object's attribute values. Implements the common functions;
 * the rest pass their first argument through (enough for a simulation).
 */
export function evaluate(n: ExprNode, values: Values): string | null {
  if (n.kind === "attribute") return values[n.name] ?? null;
  if (n.kind === "constant") return n.value;
  const a = n.args.map((x) => evaluate(x, values));
  switch (n.name) {
    case "Append":
      return a[0] === null ? null : `${a[0]}${a[1] ?? ""}`;
    case "Coalesce":
      return a.find((v) => v !== null && v !== "") ?? null;
    case "CStr":
      return a[0];
    case "IIF":
      return truthy(a[0]) ? a[1] : a[2];
    case "IsNull":
      return a[0] === null ? "True" : "False";
    case "IsNullOrEmpty":
      return a[0] === null || a[0] === "" ? "True" : "False";
    case "IsPresent":
      return a[0] === null || a[0] === "" ? "False" : "True";
    case "Join":
      return a.slice(1).filter((v) => v !== null && v !== "").join(a[0] ?? "");
    case "Left":
      return a[0] === null ? null : a[0].slice(0, Number(a[1]));
    case "Mid":
      return a[0] === null ? null : a[0].substr(Number(a[1]) - 1, Number(a[2]));
    case "Not":
      return truthy(a[0]) ? "False" : "True";
    case "Replace":
      return a[0] === null ? null : a[0].split(a[1] ?? "").join(a[4] ?? "");
    case "StripSpaces":
      return a[0] === null ? null : a[0].replace(/\s+/g, "");
    case "Switch": {
      for (let k = 2; k + 1 < a.length; k += 2) if (a[k] === a[0]) return a[k + 1];
      return a[1];
    }
    case "ToLower":
      return a[0]?.toLowerCase() ?? null;
    case "ToUpper":
      return a[0]?.toUpperCase() ?? null;
    case "Word": {
      const words = (a[0] ?? "").split(new RegExp(`[${(a[2] ?? " ").replace(/[\]\\^-]/g, "\\$&")}]`)).filter(Boolean);
      return words[Number(a[1]) - 1] ?? null;
    }
    default:
      return a[0] ?? null;
  }
}

/** One scoping clause against an object's values. */
export function clauseMatches(operator: string, value: string | null | undefined, operands: readonly string[]): boolean {
  const v = value ?? null;
  switch (operator) {
    case "EQUALS":
      return v !== null && operands.includes(v);
    case "NOT EQUALS":
      return v === null || !operands.includes(v);
    case "IS TRUE":
      return truthy(v);
    case "IS FALSE":
      return !truthy(v);
    case "IS NULL":
      return v === null || v === "";
    case "IS NOT NULL":
      return v !== null && v !== "";
    case "REGEX MATCH":
      return v !== null && operands.some((o) => new RegExp(o).test(v));
    case "NOT REGEX MATCH":
      return v === null || !operands.some((o) => new RegExp(o).test(v));
    case "Greater_Than":
      return v !== null && Number(v) > Number(operands[0]);
    case "Greater_Than_OR_EQUALS":
      return v !== null && Number(v) >= Number(operands[0]);
    case "Includes":
      return v !== null && operands.some((o) => v.includes(o));
    case "IS IN":
      return v !== null && operands.includes(v);
    case "IS NOT IN":
      return v === null || !operands.includes(v);
    default:
      return false;
  }
}
