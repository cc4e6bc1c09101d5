import { randomUUID } from "node:crypto";

/**
 * The attribute-mapping expression language and the scoping-filter operators of the Entra
 * provisioning service, written from Microsoft's references:
 *
 * - "Reference for writing expressions for attribute mappings in Microsoft Entra ID"
 *   (https://learn.microsoft.com/en-us/entra/identity/app-provisioning/functions-for-customizing-application-data,
 *   source MicrosoftDocs/entra-docs docs/identity/app-provisioning/functions-for-customizing-application-data.md)
 * - "Scoping users or groups to be provisioned with scoping filters"
 *   (https://learn.microsoft.com/en-us/entra/identity/app-provisioning/define-conditional-rules-for-provisioning-user-accounts)
 *
 * Where the reference is silent the stricter reading is taken, and each such choice is named in a
 * comment (and in emulator/FIDELITY.md). Values are strings ("True"/"False" for Booleans), string
 * arrays for multi-valued attributes, or null (an absent attribute).
 */

export type Value = string | string[] | null;
export type Values = Readonly<Record<string, Value | undefined>>;

export type ComparisonOperator = "=" | "<>" | ">" | ">=" | "<" | "<=";

export type Expr =
  | { kind: "attribute"; name: string }
  | { kind: "constant"; value: string }
  /** An empty argument slot, e.g. the 2nd and 4th of `Replace([mail], "@x", , , "", , )`. */
  | { kind: "omitted" }
  | { kind: "compare"; op: ComparisonOperator; left: Expr; right: Expr }
  | { kind: "call"; name: string; args: Expr[] };

export class ExpressionError extends Error {
  constructor(
    message: string,
    /** "syntax": the text or tree is not a valid expression; "evaluation": it is, but fails on this object. */
    readonly phase: "syntax" | "evaluation",
    /** 1-based character position for syntax errors in expression text. */
    readonly position?: number,
  ) {
    super(message);
  }
}

const syntax = (message: string, position?: number): never => {
  throw new ExpressionError(message, "syntax", position);
};
const failure = (message: string): never => {
  throw new ExpressionError(message, "evaluation");
};

// ---------------------------------------------------------------------------------------------
// Function signatures (names, parameters, which are required) as the reference lists them.
// `!` = required, `*` = repeating (variable number of times). Optional parameters in the middle of
// a signature are passed as empty slots (`, ,`), as every example in the reference does.

interface Signature {
  params: readonly string[];
  /** Exact argument count when set (functions whose examples always pass every slot). */
  exact?: number;
  /** Extra shape rule, e.g. Switch's key/value pairs. */
  check?: (argc: number) => string | undefined;
}

const sig = (params: string[], extra: Omit<Signature, "params"> = {}): Signature => ({ params, ...extra });

export const FUNCTIONS: Readonly<Record<string, Signature>> = {
  Append: sig(["source!", "suffix!"]),
  AppRoleAssignmentsComplex: sig(["appRoleAssignments!"]),
  BitAnd: sig(["value1!", "value2!"]),
  CBool: sig(["expression!"]),
  CDate: sig(["expression!"]),
  Coalesce: sig(["source!*"]),
  ConvertToBase64: sig(["source!"]),
  ConvertToUTF8Hex: sig(["source!"]),
  Count: sig(["attribute!"]),
  CStr: sig(["value!"]),
  DateAdd: sig(["interval!", "value!", "dateTime!"]),
  DateDiff: sig(["interval!", "date1!", "date2!"]),
  DateFromNum: sig(["value!"]),
  // FormatDateTime(source, dateTimeStyles, inputFormat, outputFormat): dateTimeStyles is optional
  // but positional; the reference's example passes an empty slot for it. Stricter reading: the
  // older three-parameter form is not accepted.
  FormatDateTime: sig(["source!", "dateTimeStyles", "inputFormat!", "outputFormat!"], { exact: 4 }),
  Guid: sig([]),
  IgnoreFlowIfNullOrEmpty: sig(["expression!"]),
  IIF: sig(["condition!", "valueIfTrue!", "valueIfFalse!"]),
  InStr: sig(["value1!", "value2!", "start", "compareType"]),
  IsNull: sig(["expression!"]),
  IsNullOrEmpty: sig(["expression!"]),
  IsPresent: sig(["expression!"]),
  IsString: sig(["expression!"]),
  Item: sig(["attribute!", "index!"]),
  Join: sig(["separator!", "source!*"]),
  Left: sig(["string!", "numChars!"]),
  Mid: sig(["source!", "start!", "length!"]),
  NormalizeDiacritics: sig(["source!"]),
  Not: sig(["source!"]),
  Now: sig([]),
  NumFromDate: sig(["value!"]),
  PCase: sig(["source!", "wordSeparators"]),
  RandomString: sig(["length!", "minimumNumbers!", "minimumSpecialCharacters!", "minimumCapital!", "minimumLowerCase!", "charactersToAvoid"]),
  Redact: sig(["attribute!"]),
  RemoveDuplicates: sig(["attribute!"]),
  // Every example in the reference passes all seven slots; the stricter reading requires them.
  Replace: sig(["source!", "oldValue", "regexPattern", "regexGroupName", "replacementValue", "replacementAttributeName", "template"], { exact: 7 }),
  SelectUniqueValue: sig(["uniqueValueRule!*"], { check: (n) => (n < 2 ? "SelectUniqueValue requires a minimum of two arguments" : undefined) }),
  SingleAppRoleAssignment: sig(["appRoleAssignments!"]),
  Split: sig(["source!", "delimiter!"]),
  StripSpaces: sig(["source!"]),
  // Switch(source, defaultValue, key1, value1, key2, value2, …): "Key and value parameters must
  // always come in pairs. The function always expects an even number of parameters."
  Switch: sig(["source!", "defaultValue", "key!", "value!*"], {
    check: (n) => (n < 4 ? "Switch needs a source, a default value and at least one key/value pair" : n % 2 !== 0 ? "Switch expects an even number of parameters (key and value parameters come in pairs)" : undefined),
  }),
  ToLower: sig(["source!", "culture"]),
  ToUpper: sig(["source!", "culture"]),
  Word: sig(["string!", "wordNumber!", "delimiters!"]),
};

/** InStr's compareType members, written as bare words in the reference's example. */
const KEYWORDS = new Set(["vbTextCompare", "vbBinaryCompare"]);

function paramInfo(name: string, index: number): { name: string; required: boolean } {
  const params = FUNCTIONS[name].params;
  const last = params[params.length - 1];
  const raw = index < params.length ? params[index] : last;
  return { name: raw.replace(/[!*]/g, ""), required: raw.includes("!") };
}

function maxArgs(name: string): number {
  const s = FUNCTIONS[name];
  if (s.exact !== undefined) return s.exact;
  return s.params.some((p) => p.endsWith("*")) ? Infinity : s.params.length;
}

function minArgs(name: string): number {
  const s = FUNCTIONS[name];
  if (s.exact !== undefined) return s.exact;
  let last = -1;
  s.params.forEach((p, i) => {
    if (p.includes("!")) last = i;
  });
  return last + 1;
}

/** Checks argument count and required slots of one call; throws a syntax ExpressionError. */
function checkCall(name: string, args: Expr[], position?: number): void {
  const min = minArgs(name);
  const max = maxArgs(name);
  if (args.length < min || args.length > max) {
    const range = max === Infinity ? `at least ${min}` : min === max ? String(min) : `${min} to ${max}`;
    syntax(`${name} takes ${range} argument${max === 1 ? "" : "s"}, got ${args.length}`, position);
  }
  const extra = FUNCTIONS[name].check?.(args.length);
  if (extra) syntax(extra, position);
  args.forEach((a, i) => {
    const p = paramInfo(name, i);
    if (a.kind === "omitted" && p.required) syntax(`the parameter '${p.name}' of ${name} is required and cannot be left empty`, position);
  });
}

// ---------------------------------------------------------------------------------------------
// Parser for expression text.

const CASE_HINT = new Map(Object.keys(FUNCTIONS).map((f) => [f.toLowerCase(), f]));

/**
 * Parses expression text. The syntax is the reference's: function calls, `[attribute]`,
 * `"string"` constants (only `\"` and `\\` are escapes), numbers, `&H` hexadecimal numbers, the
 * InStr keywords, empty argument slots, and the comparison operators (= <> > >= < <=) that the
 * reference allows in an IIF condition and CBool's argument. Function names are case-sensitive
 * ("The syntax is case-sensitive").
 */
export function parseExpression(text: string): Expr {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const fail = (msg: string, at = i): never => syntax(`${msg} at position ${at + 1}`, at + 1);

  const operand = (): Expr => {
    ws();
    const c = text[i];
    if (c === undefined) return fail("expected a value (function call, [attribute] or \"constant\") but the expression ended");
    if (c === "[") {
      // Attribute names may themselves contain brackets (`emails[type eq "work"].value`).
      let depth = 0;
      const start = i;
      for (; i < text.length; i++) {
        if (text[i] === "[") depth++;
        else if (text[i] === "]" && --depth === 0) break;
      }
      if (depth !== 0) return fail("unclosed '[' in an attribute reference", start);
      const name = text.slice(start + 1, i).trim();
      i++;
      if (!name) return fail("empty attribute reference []", start);
      return { kind: "attribute", name };
    }
    if (c === "\"") {
      const start = i;
      let value = "";
      i++;
      for (;;) {
        if (i >= text.length) return fail("unclosed string constant", start);
        const ch = text[i];
        if (ch === "\\") {
          const next = text[i + 1];
          if (next !== "\\" && next !== "\"") return fail("a backslash in a string constant must be escaped as \\\\ (only \\\\ and \\\" are escapes)");
          value += next;
          i += 2;
        } else if (ch === "\"") {
          i++;
          return { kind: "constant", value };
        } else {
          value += ch;
          i++;
        }
      }
    }
    const hex = /^&H([0-9A-Fa-f]+)/.exec(text.slice(i));
    if (hex) {
      i += hex[0].length;
      return { kind: "constant", value: String(parseInt(hex[1], 16)) };
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
      if (KEYWORDS.has(ident[0])) return { kind: "constant", value: ident[0] };
      return fail(`'${ident[0]}' is neither a function call nor a value; write [${ident[0]}] for an attribute or "${ident[0]}" for a constant`, start);
    }
    const name = ident[0];
    if (!FUNCTIONS[name]) {
      const hint = CASE_HINT.get(name.toLowerCase());
      return fail(hint ? `unknown function '${name}' (function names are case-sensitive: ${hint})` : `unknown function '${name}'`, start);
    }
    i++;
    const args: Expr[] = [];
    ws();
    if (text[i] === ")") {
      i++;
    } else {
      for (;;) {
        ws();
        args.push(text[i] === "," || text[i] === ")" ? { kind: "omitted" } : argument());
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
    checkCall(name, args, start + 1);
    return { kind: "call", name, args };
  };

  // A function argument: an operand, optionally compared with another operand.
  const argument = (): Expr => {
    const left = operand();
    ws();
    const op = /^(<>|>=|<=|=|>|<)/.exec(text.slice(i));
    if (!op) return left;
    i += op[0].length;
    const right = operand();
    ws();
    if (/^(<>|>=|<=|=|>|<)/.test(text.slice(i))) return fail("comparisons cannot be chained");
    return { kind: "compare", op: op[0] as ComparisonOperator, left, right };
  };

  const result = operand();
  ws();
  if (i < text.length) {
    if (/^(<>|>=|<=|=|>|<)/.test(text.slice(i))) fail("a comparison is only allowed as a function argument (e.g. the condition of IIF)");
    fail(text[i] === ")" ? "unbalanced parentheses: unexpected ')'" : `unexpected '${text.slice(i, i + 10)}' after the end of the expression`);
  }
  return result;
}

/** attributeMappingSource as Graph stores it. */
export interface MappingSource {
  type?: unknown;
  name?: unknown;
  expression?: unknown;
  parameters?: unknown;
}

/**
 * The expression tree of an attributeMappingSource. `Attribute` and `Constant` sources use `name`;
 * a `Function` source is read from its `expression` text when present (and its `name` must then
 * match the expression's function), otherwise from `name` + `parameters` in order.
 */
export function fromMappingSource(s: MappingSource | null | undefined): Expr {
  if (!s || typeof s !== "object") return syntax("the attribute mapping has no source");
  switch (s.type) {
    case "Attribute":
      if (typeof s.name !== "string" || s.name === "") return syntax("an Attribute source needs the attribute's name in 'name'");
      return { kind: "attribute", name: s.name };
    case "Constant":
      return { kind: "constant", value: s.name === null || s.name === undefined ? "" : String(s.name) };
    case "Function": {
      if (typeof s.expression === "string" && s.expression.trim() !== "") {
        const tree = parseExpression(s.expression);
        if (typeof s.name === "string" && s.name !== "" && (tree.kind !== "call" || tree.name !== s.name)) {
          syntax(`the source's name '${s.name}' does not match its expression '${s.expression}'`);
        }
        return tree;
      }
      const name = String(s.name ?? "");
      if (!FUNCTIONS[name]) {
        const hint = CASE_HINT.get(name.toLowerCase());
        return syntax(hint ? `unknown function '${name}' (function names are case-sensitive: ${hint})` : `unknown function '${name}'`);
      }
      const params = Array.isArray(s.parameters) ? (s.parameters as { key?: unknown; value?: MappingSource }[]) : [];
      const args = params.map((p) => fromMappingSource(p?.value));
      checkCall(name, args);
      return { kind: "call", name, args };
    }
    default:
      return syntax(`'${String(s.type)}' is not a valid 'microsoft.graph.attributeMappingSourceType' member (Attribute, Constant, Function)`);
  }
}

/** Attribute names an expression reads. */
export function attributesOf(e: Expr): string[] {
  switch (e.kind) {
    case "attribute":
      return [e.name];
    case "compare":
      return [...attributesOf(e.left), ...attributesOf(e.right)];
    case "call":
      return e.args.flatMap(attributesOf);
    default:
      return [];
  }
}

/** Function names an expression calls, outermost first. */
export function functionsOf(e: Expr): string[] {
  if (e.kind === "call") return [e.name, ...e.args.flatMap(functionsOf)];
  if (e.kind === "compare") return [...functionsOf(e.left), ...functionsOf(e.right)];
  return [];
}

// ---------------------------------------------------------------------------------------------
// Evaluation.

export interface EvalOptions {
  /** Clock for Now() (default: the system clock). */
  now?: () => Date;
  /** Randomness in [0, 1) for RandomString (default Math.random). */
  random?: () => number;
  /** GUIDs for Guid() (default crypto.randomUUID). */
  guid?: () => string;
}

export interface EvalResult {
  value: Value;
  /** IgnoreFlowIfNullOrEmpty saw null/empty: the attribute is dropped from the flow. */
  ignoreFlow: boolean;
  /** Redact() was applied: provisioning logs show "[Redact]" instead of the value. */
  redacted: boolean;
}

interface Ctx {
  values: Values;
  opts: EvalOptions;
  ignoreFlow: boolean;
  redacted: boolean;
}

const TRUE = "True";
const FALSE = "False";
const bool = (b: boolean): string => (b ? TRUE : FALSE);
const isEmpty = (v: Value | undefined): boolean => v === null || v === undefined || v === "" || (Array.isArray(v) && v.length === 0);

function single(fn: string, v: Value | undefined, param: string): string | null {
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) return failure(`${fn}: the parameter '${param}' must be a single value, not a multi-valued attribute`);
  return v;
}

function integer(fn: string, v: Value | undefined, param: string): number {
  const s = single(fn, v, param);
  if (s === null || !/^-?\d+$/.test(s.trim())) return failure(`${fn}: the parameter '${param}' must be an integer, got ${s === null ? "null" : `'${s}'`}`);
  return Number(s.trim());
}

/** Evaluates an expression against an object's attribute values. Throws ExpressionError (phase "evaluation"). */
export function evaluateExpression(e: Expr, values: Values, opts: EvalOptions = {}): EvalResult {
  const ctx: Ctx = { values, opts, ignoreFlow: false, redacted: false };
  const value = ev(e, ctx, true);
  return { value: value === undefined ? null : value, ignoreFlow: ctx.ignoreFlow, redacted: ctx.redacted };
}

function ev(e: Expr, ctx: Ctx, top = false): Value | undefined {
  switch (e.kind) {
    case "attribute": {
      const v = ctx.values[e.name];
      return v === undefined ? null : v;
    }
    case "constant":
      return e.value;
    case "omitted":
      return undefined;
    case "compare":
      return bool(compare(e.op, single("comparison", ev(e.left, ctx), "left"), single("comparison", ev(e.right, ctx), "right")));
    case "call":
      return call(e, ctx, top);
  }
}

function compare(op: ComparisonOperator, a: string | null, b: string | null): boolean {
  // Numbers compare numerically, everything else as case-sensitive strings (the reference's
  // string comparisons — Switch, EQUALS — are case-sensitive; it says nothing else for IIF).
  const numeric = a !== null && b !== null && /^-?\d+(\.\d+)?$/.test(a) && /^-?\d+(\.\d+)?$/.test(b);
  const x: string | number | null = numeric ? Number(a) : a;
  const y: string | number | null = numeric ? Number(b) : b;
  switch (op) {
    case "=":
      return x === y;
    case "<>":
      return x !== y;
  }
  if (x === null || y === null) return false;
  switch (op) {
    case ">":
      return x > y;
    case ">=":
      return x >= y;
    case "<":
      return x < y;
    default:
      return x <= y;
  }
}

function call(e: { name: string; args: Expr[] }, ctx: Ctx, top: boolean): Value | undefined {
  const { name, args } = e;
  const arg = (k: number): Value | undefined => (k < args.length ? ev(args[k], ctx) : undefined);
  const str = (k: number): string | null => single(name, arg(k), paramInfo(name, k).name);
  const int = (k: number): number => integer(name, arg(k), paramInfo(name, k).name);
  switch (name) {
    case "Append": {
      const s = str(0);
      return s === null ? null : s + (str(1) ?? "");
    }
    case "AppRoleAssignmentsComplex":
      return arg(0) ?? null;
    case "BitAnd":
      return String(int(0) & int(1));
    case "CBool": {
      const v = str(0);
      if (v === null) return FALSE;
      if (/^(true|false)$/i.test(v)) return bool(v.toLowerCase() === "true");
      if (/^-?\d+(\.\d+)?$/.test(v)) return bool(Number(v) !== 0);
      return failure(`CBool: '${v}' is neither a Boolean nor a number`);
    }
    case "CDate": {
      const v = str(0);
      return v === null ? null : formatUS(parseDate(name, v));
    }
    case "Coalesce": {
      // "Returns the first source value that isn't NULL": an empty string is a value.
      for (let k = 0; k < args.length; k++) {
        const v = arg(k);
        if (v !== null && v !== undefined) return v;
      }
      return null;
    }
    case "ConvertToBase64": {
      const v = str(0);
      return v === null ? null : Buffer.from(v, "utf16le").toString("base64");
    }
    case "ConvertToUTF8Hex": {
      const v = str(0);
      return v === null ? null : Buffer.from(v, "utf8").toString("hex").toUpperCase();
    }
    case "Count": {
      const v = arg(0);
      return String(v === null || v === undefined ? 0 : Array.isArray(v) ? v.length : 1);
    }
    case "CStr": {
      const v = str(0);
      return v;
    }
    case "DateAdd":
      return formatUS(dateAdd(str(0) ?? "", int(1), parseDate(name, str(2) ?? failure("DateAdd: 'dateTime' is null"))));
    case "DateDiff":
      return String(dateDiff(str(0) ?? "", parseDate(name, str(1) ?? failure("DateDiff: 'date1' is null")), parseDate(name, str(2) ?? failure("DateDiff: 'date2' is null"))));
    case "DateFromNum": {
      const v = str(0);
      if (v === null) return null;
      if (!/^\d+$/.test(v)) return failure(`DateFromNum: '${v}' is not an Active Directory date number`);
      return formatUS(Number(BigInt(v) / 10000n) - FILETIME_EPOCH_OFFSET_MS);
    }
    case "FormatDateTime": {
      const v = str(0);
      if (v === null) return null;
      const styles = str(1);
      if (styles !== null && styles !== "" && !/^[A-Za-z, ]+$/.test(styles)) return failure(`FormatDateTime: '${styles}' is not a DateTimeStyles value`);
      return formatDotNet(parseDotNet(v, str(2) ?? ""), str(3) ?? "");
    }
    case "Guid":
      return (ctx.opts.guid ?? randomUUID)();
    case "IgnoreFlowIfNullOrEmpty": {
      const v = arg(0);
      if (isEmpty(v)) {
        ctx.ignoreFlow = true;
        return null;
      }
      return v ?? null;
    }
    case "IIF": {
      // "If the source attribute used within the IIF function is empty or null, the condition
      // check fails" (Known limitations): an evaluation error, not a silent false.
      for (const a of attributesOf(args[0])) {
        if (isEmpty(ctx.values[a])) return failure(`IIF: the condition uses [${a}], which is null or empty, so the condition check fails (use Switch to test for empty values)`);
      }
      const c = str(0);
      if (c === null || !/^(true|false)$/i.test(c)) return failure(`IIF: the condition must evaluate to True or False, got ${c === null ? "null" : `'${c}'`}`);
      return c.toLowerCase() === "true" ? (arg(1) ?? null) : (arg(2) ?? null);
    }
    case "InStr": {
      const hay = str(0);
      const needle = str(1);
      if (hay === null || needle === null) return null;
      const start = args.length > 2 && args[2].kind !== "omitted" ? int(2) : 1;
      if (start < 1) return failure("InStr: 'start' must be 1 or more");
      const mode = args.length > 3 ? str(3) : null;
      if (mode !== null && mode !== "" && !KEYWORDS.has(mode)) return failure(`InStr: compareType must be vbTextCompare or vbBinaryCompare, got '${mode}'`);
      const text = mode === "vbTextCompare" ? hay.toLowerCase() : hay;
      const find = mode === "vbTextCompare" ? needle.toLowerCase() : needle;
      return String(text.indexOf(find, start - 1) + 1);
    }
    case "IsNull":
      return bool(arg(0) === null || arg(0) === undefined);
    case "IsNullOrEmpty":
      return bool(isEmpty(arg(0)));
    case "IsPresent":
      return bool(!isEmpty(arg(0)));
    case "IsString": {
      const v = arg(0);
      return bool(typeof v === "string");
    }
    case "Item": {
      const v = arg(0);
      const index = int(1);
      // "Index 0 shouldn't be used": items are numbered from 1.
      if (index < 1) return failure("Item: the index starts at 1");
      if (v === null || v === undefined) return null;
      const list = Array.isArray(v) ? v : [v];
      return list[index - 1] ?? null;
    }
    case "Join": {
      const sep = str(0) ?? "";
      const parts: string[] = [];
      for (let k = 1; k < args.length; k++) {
        const v = arg(k);
        // Null and empty sources are left out: the reference's `Join(", ", "", [surname], [givenName])`
        // gives "Doe, John".
        for (const x of v === null || v === undefined ? [] : Array.isArray(v) ? v : [v]) if (x !== "") parts.push(x);
      }
      return parts.join(sep);
    }
    case "Left": {
      const s = str(0);
      const n = int(1);
      if (s === null) return "";
      if (n === 0) return "";
      if (n < 0) return s;
      return s.slice(0, n);
    }
    case "Mid": {
      const s = str(0);
      const start = int(1);
      const length = int(2);
      if (start < 1) return failure("Mid: 'start' is 1-based (the first character has index 1)");
      if (length < 0) return failure("Mid: 'length' must not be negative");
      if (s === null) return null;
      return s.substr(start - 1, length);
    }
    case "NormalizeDiacritics": {
      const s = str(0);
      return s === null ? null : normalizeDiacritics(s);
    }
    case "Not": {
      const s = str(0);
      return bool(!(s !== null && s.toLowerCase() === "true"));
    }
    case "Now":
      return formatUS((ctx.opts.now ?? (() => new Date()))().getTime());
    case "NumFromDate": {
      const s = str(0);
      if (s === null) return null;
      return String(BigInt(parseDate(name, s) + FILETIME_EPOCH_OFFSET_MS) * 10000n);
    }
    case "PCase": {
      const s = str(0);
      if (s === null) return null;
      const seps = args.length > 1 ? str(1) : null;
      return pcase(s, seps === null || seps === "" ? undefined : seps);
    }
    case "RandomString":
      return randomString(
        int(0), int(1), int(2), int(3), int(4), args.length > 5 ? (str(5) ?? "") : "", ctx.opts.random ?? Math.random,
      );
    case "Redact":
      ctx.redacted = true;
      return arg(0) ?? null;
    case "RemoveDuplicates": {
      const v = arg(0);
      if (v === null || v === undefined) return null;
      return Array.isArray(v) ? [...new Set(v)] : v;
    }
    case "Replace":
      return replace(args, ctx);
    case "SelectUniqueValue":
      if (!top) return failure("SelectUniqueValue must be at the top level of an expression and can't be nested");
      // Uniqueness is checked in the target directory; the emulator has none, so the first rule wins.
      return arg(0) ?? null;
    case "SingleAppRoleAssignment": {
      const v = arg(0);
      if (v === null || v === undefined) return null;
      const roles = Array.isArray(v) ? v : [v];
      if (roles.length > 1) return failure("SingleAppRoleAssignment isn't supported when the user has more than one app role assignment (use AppRoleAssignmentsComplex)");
      return roles[0] ?? null;
    }
    case "Split": {
      const s = str(0);
      const d = str(1);
      if (s === null) return null;
      if (d === null || d === "") return failure("Split: 'delimiter' must not be empty");
      return s.split(d);
    }
    case "StripSpaces": {
      const s = str(0);
      return s === null ? null : s.replace(/ /g, "");
    }
    case "Switch": {
      const source = arg(0);
      if (Array.isArray(source)) return failure("Switch shouldn't be used with multi-valued or reference attributes");
      // A null source matches the "" key: the reference's workaround `Switch([country],[country],"","Other")`.
      const s = source ?? "";
      for (let k = 2; k + 1 < args.length; k += 2) {
        if (str(k) === s) return arg(k + 1) ?? null;
      }
      return arg(1) ?? null;
    }
    case "ToLower":
    case "ToUpper": {
      const s = str(0);
      if (s === null) return null;
      const culture = args.length > 1 ? str(1) : null;
      try {
        if (culture) return name === "ToLower" ? s.toLocaleLowerCase(culture) : s.toLocaleUpperCase(culture);
      } catch {
        return failure(`${name}: '${culture}' is not a culture name`);
      }
      return name === "ToLower" ? s.toLowerCase() : s.toUpperCase();
    }
    case "Word": {
      const s = str(0);
      const n = int(1);
      const delims = str(2) ?? "";
      if (s === null || n < 1) return "";
      const words: string[] = [];
      let cur = "";
      for (const ch of s) {
        if (delims.includes(ch)) {
          if (cur) words.push(cur);
          cur = "";
        } else cur += ch;
      }
      if (cur) words.push(cur);
      return words[n - 1] ?? "";
    }
  }
  return failure(`unknown function '${name}'`);
}

function replace(args: Expr[], ctx: Ctx): Value {
  const get = (k: number): string | null | undefined => {
    if (args[k].kind === "omitted") return undefined;
    return single("Replace", ev(args[k], ctx), paramInfo("Replace", k).name);
  };
  const source = get(0) ?? null;
  const oldValue = get(1);
  const pattern = get(2);
  const group = get(3);
  const replacement = get(4);
  const replacementAttribute = get(5);
  const template = get(6);
  const regex = (p: string, flags: string): RegExp => {
    try {
      return new RegExp(p, flags);
    } catch (err) {
      return failure(`Replace: the regexPattern is not a valid regular expression: ${(err as Error).message}`);
    }
  };
  if (pattern !== undefined && pattern !== null) {
    if (group !== undefined && group !== null && replacementAttribute !== undefined) {
      // Source has a value → source; else the named group extracted from the replacement attribute.
      if (!isEmpty(source)) return source;
      if (replacementAttribute === null) return null;
      const m = regex(pattern, "").exec(replacementAttribute);
      return m?.groups?.[group] ?? null;
    }
    if (replacement === undefined) return failure("Replace: a regexPattern needs a replacementValue or a regexGroupName with a replacementAttributeName");
    if (source === null) return null;
    const r = regex(pattern, "gd");
    if (group !== undefined && group !== null) {
      // Replace only the text the named group matched, in every match.
      let out = "";
      let last = 0;
      for (const m of source.matchAll(r)) {
        const span = (m as RegExpMatchArray & { indices?: { groups?: Record<string, [number, number] | undefined> } }).indices?.groups?.[group];
        if (!span) continue;
        out += source.slice(last, span[0]) + (replacement ?? "");
        last = span[1];
      }
      return out + source.slice(last);
    }
    // .NET substitutions: ${name} → JavaScript's $<name>; $1 and $$ are the same.
    return source.replace(r, (replacement ?? "").replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, "$<$1>"));
  }
  if (oldValue !== undefined && oldValue !== null && oldValue !== "") {
    if (template !== undefined && template !== null) return source === null ? null : template.split(oldValue).join(source);
    if (replacement !== undefined) return source === null ? null : source.split(oldValue).join(replacement ?? "");
  }
  return failure("Replace needs oldValue with replacementValue or template, or regexPattern with replacementValue or regexGroupName");
}

// --- dates ------------------------------------------------------------------------------------

const FILETIME_EPOCH_OFFSET_MS = 11644473600000; // 1601-01-01 → 1970-01-01
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** Parses the date strings the reference's examples use (ISO 8601 with optional offset, or M/d/yyyy h:mm:ss tt); UTC ms. */
function parseDate(fn: string, s: string): number {
  const t = s.trim();
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(AM|PM)?)?$/i.exec(t);
  if (us) {
    let h = Number(us[4] ?? 0);
    const pm = us[7]?.toUpperCase();
    if (pm === "PM" && h < 12) h += 12;
    if (pm === "AM" && h === 12) h = 0;
    return Date.UTC(Number(us[3]), Number(us[1]) - 1, Number(us[2]), h, Number(us[5] ?? 0), Number(us[6] ?? 0));
  }
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(t);
  if (iso) {
    const ms = Date.UTC(Number(iso[1]), Number(iso[2]) - 1, Number(iso[3]), Number(iso[4] ?? 0), Number(iso[5] ?? 0), Number(iso[6] ?? 0), Number((iso[7] ?? "0").slice(0, 3).padEnd(3, "0")));
    const off = iso[8];
    if (!off || off.toUpperCase() === "Z") return ms;
    const m = /^([+-])(\d{2}):?(\d{2})$/.exec(off)!;
    const minutes = (Number(m[2]) * 60 + Number(m[3])) * (m[1] === "-" ? -1 : 1);
    return ms - minutes * 60000;
  }
  return failure(`${fn}: '${s}' is not a date/time the provisioning service can read`);
}

/** M/d/yyyy h:mm:ss tt in UTC, the format CDate, DateAdd and Now return. */
function formatUS(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return failure("the date is out of range");
  const h = d.getUTCHours();
  const h12 = h % 12 === 0 ? 12 : h % 12;
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${h12}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${h < 12 ? "AM" : "PM"}`;
}

const UNIT_MS: Record<string, number> = { d: 86400000, ww: 7 * 86400000, h: 3600000, n: 60000, s: 1000 };

function dateAdd(interval: string, n: number, ms: number): number {
  const d = new Date(ms);
  if (interval === "yyyy") d.setUTCFullYear(d.getUTCFullYear() + n);
  else if (interval === "m") d.setUTCMonth(d.getUTCMonth() + n);
  else if (UNIT_MS[interval]) return ms + n * UNIT_MS[interval];
  else return failure(`DateAdd: '${interval}' is not an interval (yyyy, m, d, ww, h, n, s)`);
  return d.getTime();
}

/** Calendar boundaries crossed from date1 to date2 (VB DateDiff semantics, as the reference's table shows). */
function dateDiff(interval: string, a: number, b: number): number {
  const A = new Date(a);
  const B = new Date(b);
  switch (interval) {
    case "yyyy":
      return B.getUTCFullYear() - A.getUTCFullYear();
    case "m":
      return (B.getUTCFullYear() - A.getUTCFullYear()) * 12 + (B.getUTCMonth() - A.getUTCMonth());
    case "d":
      return Math.floor(b / 86400000) - Math.floor(a / 86400000);
    case "ww":
      // Weeks start on Sunday; 1970-01-01 was a Thursday.
      return Math.floor((Math.floor(b / 86400000) + 4) / 7) - Math.floor((Math.floor(a / 86400000) + 4) / 7);
    case "h":
      return Math.floor(b / 3600000) - Math.floor(a / 3600000);
    case "n":
      return Math.floor(b / 60000) - Math.floor(a / 60000);
    case "s":
      return Math.floor(b / 1000) - Math.floor(a / 1000);
  }
  return failure(`DateDiff: '${interval}' is not an interval (yyyy, m, d, ww, h, n, s)`);
}

interface DateParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  fraction: string;
  offsetMinutes: number | null;
}

type FormatToken = { spec: string } | { literal: string };

/** Tokenizes a .NET custom date and time format string. */
function formatTokens(format: string): FormatToken[] {
  const out: FormatToken[] = [];
  let i = 0;
  while (i < format.length) {
    const c = format[i];
    if (c === "'" || c === "\"") {
      const end = format.indexOf(c, i + 1);
      if (end < 0) return failure(`FormatDateTime: unclosed quote in the format '${format}'`);
      out.push({ literal: format.slice(i + 1, end) });
      i = end + 1;
    } else if (c === "\\") {
      out.push({ literal: format[i + 1] ?? "" });
      i += 2;
    } else if ("yMdHhmsfFtzK".includes(c)) {
      let j = i;
      while (format[j] === c) j++;
      out.push({ spec: format.slice(i, j) });
      i = j;
    } else {
      out.push({ literal: c });
      i++;
    }
  }
  return out;
}

function parseDotNet(value: string, format: string): DateParts {
  const parts: DateParts = { year: 1, month: 1, day: 1, hour: 0, minute: 0, second: 0, fraction: "", offsetMinutes: null };
  const groups: ((m: string) => void)[] = [];
  let pm: boolean | undefined;
  let hour12 = false;
  let re = "^\\s*";
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  for (const t of formatTokens(format)) {
    if ("literal" in t) {
      re += esc(t.literal);
      continue;
    }
    const s = t.spec;
    const capture = (pattern: string, set: (m: string) => void) => {
      re += `(${pattern})`;
      groups.push(set);
    };
    if (s[0] === "y") capture(s.length >= 4 ? "\\d{4}" : s.length === 2 ? "\\d{2}" : "\\d{1,4}", (m) => (parts.year = m.length === 2 ? 2000 + Number(m) : Number(m)));
    else if (s === "MMMM") capture(MONTHS.join("|"), (m) => (parts.month = MONTHS.indexOf(m) + 1));
    else if (s === "MMM") capture(MONTHS.map((x) => x.slice(0, 3)).join("|"), (m) => (parts.month = MONTHS.findIndex((x) => x.startsWith(m)) + 1));
    else if (s[0] === "M") capture(s.length === 2 ? "\\d{2}" : "\\d{1,2}", (m) => (parts.month = Number(m)));
    else if (s === "dddd") capture(DAYS.join("|"), () => undefined);
    else if (s === "ddd") capture(DAYS.map((x) => x.slice(0, 3)).join("|"), () => undefined);
    else if (s[0] === "d") capture(s.length === 2 ? "\\d{2}" : "\\d{1,2}", (m) => (parts.day = Number(m)));
    else if (s[0] === "H") capture(s.length === 2 ? "\\d{2}" : "\\d{1,2}", (m) => (parts.hour = Number(m)));
    else if (s[0] === "h") {
      hour12 = true;
      capture(s.length === 2 ? "\\d{2}" : "\\d{1,2}", (m) => (parts.hour = Number(m) % 12));
    } else if (s[0] === "m") capture(s.length === 2 ? "\\d{2}" : "\\d{1,2}", (m) => (parts.minute = Number(m)));
    else if (s[0] === "s") capture(s.length === 2 ? "\\d{2}" : "\\d{1,2}", (m) => (parts.second = Number(m)));
    else if (s[0] === "f") capture(`\\d{${s.length}}`, (m) => (parts.fraction = m));
    else if (s[0] === "F") capture(`\\d{0,${s.length}}`, (m) => (parts.fraction = m));
    else if (s[0] === "t") capture(s.length === 1 ? "[AP]" : "AM|PM", (m) => (pm = m.toUpperCase().startsWith("P")));
    else if (s[0] === "z" || s === "K") {
      capture(s === "K" ? "Z|[+-]\\d{2}:\\d{2}|" : s.length >= 3 ? "[+-]\\d{2}:\\d{2}" : "[+-]\\d{1,2}", (m) => {
        if (m === "" ) return;
        if (m === "Z") parts.offsetMinutes = 0;
        else {
          const [hh, mm = "0"] = m.slice(1).split(":");
          parts.offsetMinutes = (Number(hh) * 60 + Number(mm)) * (m[0] === "-" ? -1 : 1);
        }
      });
    } else return failure(`FormatDateTime: '${s}' is not a supported format specifier`);
  }
  const m = new RegExp(`${re}\\s*$`, "i").exec(value);
  if (!m) return failure(`FormatDateTime: '${value}' does not match the input format '${format}'`);
  groups.forEach((set, k) => set(m[k + 1]));
  if (hour12 && pm) parts.hour += 12;
  return parts;
}

function formatDotNet(p: DateParts, format: string): string {
  const pad = (n: number, w: number) => String(n).padStart(w, "0");
  let out = "";
  for (const t of formatTokens(format)) {
    if ("literal" in t) {
      out += t.literal;
      continue;
    }
    const s = t.spec;
    const h12 = p.hour % 12 === 0 ? 12 : p.hour % 12;
    const off = p.offsetMinutes ?? 0;
    const sign = off < 0 ? "-" : "+";
    const abs = Math.abs(off);
    if (s[0] === "y") out += s.length === 2 ? pad(p.year % 100, 2) : pad(p.year, s.length === 1 ? 1 : Math.max(4, s.length));
    else if (s === "MMMM") out += MONTHS[p.month - 1];
    else if (s === "MMM") out += MONTHS[p.month - 1].slice(0, 3);
    else if (s[0] === "M") out += pad(p.month, s.length);
    else if (s === "dddd" || s === "ddd") {
      const name = DAYS[new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay()];
      out += s === "ddd" ? name.slice(0, 3) : name;
    } else if (s[0] === "d") out += pad(p.day, s.length);
    else if (s[0] === "H") out += pad(p.hour, s.length);
    else if (s[0] === "h") out += pad(h12, s.length);
    else if (s[0] === "m") out += pad(p.minute, s.length);
    else if (s[0] === "s") out += pad(p.second, s.length);
    else if (s[0] === "f") out += p.fraction.padEnd(s.length, "0").slice(0, s.length);
    else if (s[0] === "F") out += p.fraction.slice(0, s.length).replace(/0+$/, "");
    else if (s[0] === "t") out += s.length === 1 ? (p.hour < 12 ? "A" : "P") : p.hour < 12 ? "AM" : "PM";
    else if (s === "K") out += p.offsetMinutes === null ? "" : p.offsetMinutes === 0 ? "Z" : `${sign}${pad(Math.floor(abs / 60), 2)}:${pad(abs % 60, 2)}`;
    else if (s[0] === "z") out += s.length >= 3 ? `${sign}${pad(Math.floor(abs / 60), 2)}:${pad(abs % 60, 2)}` : `${sign}${pad(Math.floor(abs / 60), s.length)}`;
    else return failure(`FormatDateTime: '${s}' is not a supported format specifier`);
  }
  return out;
}

// --- strings ----------------------------------------------------------------------------------

/** Characters the reference's NormalizeDiacritics table maps to more than their base letter. */
const DIACRITIC_SPECIALS: Record<string, string> = {
  "æ": "ae", "ǣ": "ae", "Æ": "AE", "Ǣ": "AE", "ø": "oe", "œ": "oe", "Ø": "OE", "Œ": "OE", "ß": "ss",
  "ł": "l", "Ł": "L", "ı": "i",
};

function normalizeDiacritics(s: string): string {
  return s
    .normalize("NFC")
    .replace(/[æǣÆǢøœØŒßłŁı]/g, (c) => DIACRITIC_SPECIALS[c])
    .normalize("NFD")
    .replace(/\p{M}/gu, "");
}

function pcase(s: string, separators?: string): string {
  const isSep = (ch: string) => (separators !== undefined ? separators.includes(ch) : !/[\p{L}\p{N}\p{M}']/u.test(ch));
  let out = "";
  let start = true;
  for (const ch of s) {
    if (isSep(ch)) {
      out += ch;
      start = true;
    } else {
      out += start ? ch.toUpperCase() : ch.toLowerCase();
      start = false;
    }
  }
  return out;
}

const SPECIALS = "!@#$%^&*()_+-=[]{}|;:,.<>?/~`'\"\\";

function randomString(length: number, numbers: number, specials: number, capitals: number, lowers: number, avoid: string, random: () => number): string {
  if (length > 256) return failure("RandomString: the length is at most 256 characters");
  if (length < numbers + specials + capitals + lowers) return failure("RandomString: the length must be at least the sum of the minimums");
  const pool = (chars: string) => [...chars].filter((c) => !avoid.includes(c));
  const digits = pool("0123456789");
  const special = pool(SPECIALS);
  const upper = pool("ABCDEFGHIJKLMNOPQRSTUVWXYZ");
  const lower = pool("abcdefghijklmnopqrstuvwxyz");
  const pick = (from: string[]) => {
    if (from.length === 0) return failure("RandomString: charactersToAvoid leaves no characters to choose from");
    return from[Math.floor(random() * from.length)];
  };
  const chars: string[] = [];
  for (let k = 0; k < numbers; k++) chars.push(pick(digits));
  for (let k = 0; k < specials; k++) chars.push(pick(special));
  for (let k = 0; k < capitals; k++) chars.push(pick(upper));
  for (let k = 0; k < lowers; k++) chars.push(pick(lower));
  const all = [...digits, ...upper, ...lower];
  while (chars.length < length) chars.push(pick(all));
  for (let k = chars.length - 1; k > 0; k--) {
    const j = Math.floor(random() * (k + 1));
    [chars[k], chars[j]] = [chars[j], chars[k]];
  }
  return chars.join("");
}

// ---------------------------------------------------------------------------------------------
// Scoping filters.

/**
 * filterClause.operatorName values, as the scoping-filter page lists them (a–n). `IS IN` and
 * `IS NOT IN` are not among them, so the emulator rejects them.
 */
export const SCOPING_OPERATORS = [
  "&", "!&", "ENDS_WITH", "EQUALS", "Greater_Than", "Greater_Than_OR_EQUALS", "Includes", "IS FALSE",
  "IS NOT NULL", "IS NULL", "IS TRUE", "NOT EQUALS", "NOT REGEX MATCH", "REGEX MATCH",
] as const;
export const UNARY_SCOPING_OPERATORS: ReadonlySet<string> = new Set(["IS FALSE", "IS NOT NULL", "IS NULL", "IS TRUE"]);
const OPERATOR_SET: ReadonlySet<string> = new Set(SCOPING_OPERATORS);

/** Problems of one clause's operator and values (not its attribute); empty when valid. */
export function clauseProblems(operator: string, values: unknown): { field: "operatorName" | "targetOperand.values"; message: string }[] {
  const op = (message: string) => [{ field: "operatorName" as const, message }];
  const vals = (message: string) => [{ field: "targetOperand.values" as const, message }];
  if (!OPERATOR_SET.has(operator)) return op(`The scoping filter operator '${operator}' is not supported (supported: ${SCOPING_OPERATORS.join(", ")}).`);
  const list = values === undefined || values === null ? [] : values;
  if (!Array.isArray(list) || list.some((v) => typeof v !== "string")) return vals("'targetOperand.values' must be an array of strings.");
  if (UNARY_SCOPING_OPERATORS.has(operator)) {
    return list.length === 0 ? [] : vals(`The operator '${operator}' takes no values.`);
  }
  // Every binary operator compares against "the input string value": exactly one value.
  if (list.length !== 1) return vals(`The operator '${operator}' needs exactly one value, got ${list.length}.`);
  const v = list[0] as string;
  if ((operator === "Greater_Than" || operator === "Greater_Than_OR_EQUALS") && !/^\d+$/.test(v)) {
    return vals(`The operator '${operator}' compares integers: the value must be an integer, got '${v}'.`);
  }
  if (operator === "REGEX MATCH" || operator === "NOT REGEX MATCH") {
    try {
      new RegExp(v);
    } catch (err) {
      return vals(`'${v}' is not a valid regular expression: ${(err as Error).message}`);
    }
  }
  return [];
}

/**
 * One scoping clause against an attribute value. "Scoping filters will return false if the value
 * is null / empty" — for every operator except IS NULL; multi-valued attributes are not
 * supported and never match.
 */
export function clauseMatches(operator: string, value: Value | undefined, operands: readonly string[]): boolean {
  if (Array.isArray(value)) return false;
  const empty = value === null || value === undefined || value === "";
  if (operator === "IS NULL") return empty;
  if (empty) return false;
  const v = value as string;
  const o = operands[0] ?? "";
  switch (operator) {
    case "&":
      return o.includes(v);
    case "!&":
      return !o.includes(v);
    case "ENDS_WITH":
      return v.endsWith(o);
    case "EQUALS":
      return v === o;
    case "NOT EQUALS":
      return v !== o;
    case "Greater_Than":
    case "Greater_Than_OR_EQUALS":
      if (!/^\d+$/.test(v) || !/^\d+$/.test(o)) return false;
      return operator === "Greater_Than" ? Number(v) > Number(o) : Number(v) >= Number(o);
    case "Includes":
      return v.includes(o);
    case "IS TRUE":
      return v.toLowerCase() === "true";
    case "IS FALSE":
      return v.toLowerCase() === "false";
    case "IS NOT NULL":
      return true;
    case "REGEX MATCH":
      return new RegExp(o).test(v);
    case "NOT REGEX MATCH":
      return !new RegExp(o).test(v);
  }
  return false;
}
