// The declarative spec of ProvisioningSchema and its three operations on a synchronizationSchema
// (https://learn.microsoft.com/graph/api/resources/synchronization-synchronizationschema): validate
// it (statically, then against the template's default schema), apply it to the default (the full
// schema to PUT), and project a live schema back onto it (what spec would produce the live schema:
// equal to the program's spec when nothing changed elsewhere).
import { InputError } from "../errors";
import { Checker, closest, describe, isUnknown } from "./inputs";
import {
  attributesOf, ExpressionError, FILTER_OPERATORS, formatExpression, fromMappingSource, MappingSource, parseExpression,
  toMappingSource, UNARY_OPERATORS,
} from "./schema-expression";

export const FLOW_BEHAVIORS = ["FlowWhenChanged", "FlowAlways"] as const;
export const FLOW_TYPES = ["Always", "ObjectAddOnly", "MultiValueAddOnly", "ValueAddOnly", "AttributeAddOnly"] as const;

/** One attribute mapping: target ← exactly one of source attribute, constant or expression. */
export interface AttributeMappingSpec {
  /** Attribute of the target directory's object, e.g. "title" or 'emails[type eq "work"].value'. */
  target: string;
  /** Source attribute name, e.g. "jobTitle". */
  source?: string;
  /** A constant value. */
  constant?: string;
  /** An expression, e.g. 'Join(" ", [givenName], [surname])'. */
  expression?: string;
  /** Value used when the source evaluates to null. */
  defaultValue?: string;
  /** > 0 makes this a matching attribute (1 = first). */
  matchingPriority?: number;
  flowBehavior?: (typeof FLOW_BEHAVIORS)[number];
  flowType?: (typeof FLOW_TYPES)[number];
}

export interface ScopeClauseSpec {
  /** Source attribute the clause tests, e.g. "jobTitle". */
  attribute: string;
  /** Scoping operator, e.g. "EQUALS", "IS NOT NULL", "REGEX MATCH". */
  operator: string;
  /** Operands; none for IS TRUE / IS FALSE / IS NULL / IS NOT NULL. */
  values?: string[];
}

/** Clauses within a group are ANDed; groups are ORed. */
export interface ScopeGroupSpec {
  name?: string;
  clauses: ScopeClauseSpec[];
}

export interface ObjectMappingSpec {
  /** Turn provisioning of this object type on or off. */
  enabled?: boolean;
  /** Mappings to add, or to change (by target) in the template default. */
  attributes?: AttributeMappingSpec[];
  /** Targets whose default mapping is removed. */
  removeAttributes?: string[];
  /** Scoping filter groups; replaces the default's. `[]` = no filter (everything assigned is in scope). */
  scope?: ScopeGroupSpec[];
}

/** Object mapping key (source object name like "User"/"Group", or the mapping's full name) → changes. */
export type SchemaSpec = Record<string, ObjectMappingSpec>;

type Obj = Record<string, unknown>;
export interface GraphAttributeMapping {
  targetAttributeName: string;
  source: MappingSource;
  defaultValue: string | null;
  exportMissingReferences?: boolean;
  flowBehavior: string;
  flowType: string;
  matchingPriority: number;
}
interface GraphObjectMapping {
  name: string;
  enabled: boolean;
  sourceObjectName: string;
  targetObjectName: string;
  scope?: { groups?: { name: string; clauses: { operatorName: string; sourceOperandName: string; targetOperand?: { values?: string[] } }[] }[] } & Obj;
  attributeMappings: GraphAttributeMapping[];
}
interface GraphRule {
  sourceDirectoryName: string;
  targetDirectoryName: string;
  objectMappings: GraphObjectMapping[];
}
export interface GraphSchema {
  directories: { name: string; objects: { name: string; attributes: { name: string }[] }[] }[];
  synchronizationRules: GraphRule[];
  [key: string]: unknown;
}

const OBJECT_KEYS = ["enabled", "attributes", "removeAttributes", "scope"];
const ATTRIBUTE_KEYS = ["target", "source", "constant", "expression", "defaultValue", "matchingPriority", "flowBehavior", "flowType"];
const SOURCE_KEYS = ["source", "constant", "expression"] as const;
const NEW_MAPPING_DEFAULTS = { defaultValue: null, flowBehavior: "FlowWhenChanged", flowType: "Always", matchingPriority: 0 } as const;
const OPTIONAL_FIELDS = ["defaultValue", "matchingPriority", "flowBehavior", "flowType"] as const;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === "string" && v.trim() !== "";

function unknownKeys(c: Checker, path: string, value: Obj, known: string[]): void {
  for (const k of Object.keys(value)) {
    if (known.includes(k) || value[k] === undefined) continue;
    const near = closest(k, known, 1)[0];
    c.fail(`${path}.${k}`, `is not a known setting${near ? `; did you mean "${near}"?` : ` (known: ${known.join(", ")}).`}`);
  }
}

/** Static checks (no schema needed). Values unknown at preview are skipped. */
export function checkSpecStatic(c: Checker, spec: unknown): void {
  if (isUnknown(spec) && !isObj(spec)) return;
  if (!isObj(spec)) {
    c.fail("mappings", `must be a map of object mapping names (e.g. "User") to their changes, got ${describe(spec)}.`);
    return;
  }
  for (const [key, om] of Object.entries(spec)) {
    const p = `mappings.${key}`;
    if (isUnknown(om) && !isObj(om)) continue;
    if (!isObj(om)) {
      c.fail(p, `must be an object with enabled, attributes, removeAttributes and/or scope, got ${describe(om)}.`);
      continue;
    }
    unknownKeys(c, p, om, OBJECT_KEYS);
    if (om.enabled !== undefined && !isUnknown(om.enabled) && typeof om.enabled !== "boolean") c.fail(`${p}.enabled`, `must be true or false, got ${describe(om.enabled)}.`);
    const targets = new Map<string, number>();
    if (om.attributes !== undefined && !isUnknown(om.attributes)) {
      if (!Array.isArray(om.attributes)) c.fail(`${p}.attributes`, `must be a list of attribute mappings, got ${describe(om.attributes)}.`);
      else om.attributes.forEach((a: unknown, i: number) => checkAttributeStatic(c, `${p}.attributes[${i}]`, a, targets, i));
    }
    if (om.removeAttributes !== undefined && !isUnknown(om.removeAttributes)) {
      if (!Array.isArray(om.removeAttributes)) c.fail(`${p}.removeAttributes`, `must be a list of target attribute names, got ${describe(om.removeAttributes)}.`);
      else {
        om.removeAttributes.forEach((t: unknown, i: number) => {
          if (isUnknown(t)) return;
          if (!isStr(t)) c.fail(`${p}.removeAttributes[${i}]`, `must be a target attribute name, got ${describe(t)}.`);
          else if (targets.has(t)) c.fail(`${p}.removeAttributes[${i}]`, `"${t}" is also mapped in attributes[${targets.get(t)}]; remove it from one of the two.`);
        });
      }
    }
    if (om.scope !== undefined && !isUnknown(om.scope)) {
      if (!Array.isArray(om.scope)) c.fail(`${p}.scope`, `must be a list of scoping filter groups ({ clauses: [...] }), got ${describe(om.scope)}.`);
      else om.scope.forEach((g: unknown, gi: number) => checkGroupStatic(c, `${p}.scope[${gi}]`, g));
    }
  }
}

function checkAttributeStatic(c: Checker, p: string, a: unknown, targets: Map<string, number>, i: number): void {
  if (isUnknown(a) && !isObj(a)) return;
  if (!isObj(a)) {
    c.fail(p, `must be an attribute mapping like { target: "title", source: "jobTitle" }, got ${describe(a)}.`);
    return;
  }
  unknownKeys(c, p, a, ATTRIBUTE_KEYS);
  if (!isUnknown(a.target)) {
    if (!isStr(a.target)) c.fail(`${p}.target`, `is required: the target attribute name, got ${describe(a.target)}.`);
    else if (targets.has(a.target)) c.fail(`${p}.target`, `"${a.target}" is already mapped in attributes[${targets.get(a.target)}]; map each target once.`);
    else targets.set(a.target, i);
  }
  const given = SOURCE_KEYS.filter((k) => a[k] !== undefined);
  if (given.length > 1) c.fail(`${p}.${given[1]}`, `set only one of source, constant or expression (got ${given.join(" and ")}).`);
  for (const k of given) {
    if (isUnknown(a[k])) continue;
    if (typeof a[k] !== "string" || (k !== "constant" && !isStr(a[k]))) c.fail(`${p}.${k}`, `must be a non-empty string, got ${describe(a[k])}.`);
    else if (k === "expression") {
      try {
        parseExpression(a[k] as string);
      } catch (e) {
        if (!(e instanceof ExpressionError)) throw e;
        c.fail(`${p}.expression`, `is not a valid expression: ${e.message}.`);
      }
    }
  }
  if (a.defaultValue !== undefined && !isUnknown(a.defaultValue) && typeof a.defaultValue !== "string") c.fail(`${p}.defaultValue`, `must be a string, got ${describe(a.defaultValue)}.`);
  if (a.matchingPriority !== undefined && !isUnknown(a.matchingPriority) && !(Number.isInteger(a.matchingPriority) && (a.matchingPriority as number) >= 0)) {
    c.fail(`${p}.matchingPriority`, `must be a whole number ≥ 0 (0 = not used for matching), got ${describe(a.matchingPriority)}.`);
  }
  for (const [k, allowed] of [["flowBehavior", FLOW_BEHAVIORS], ["flowType", FLOW_TYPES]] as const) {
    if (a[k] !== undefined && !isUnknown(a[k]) && !(allowed as readonly unknown[]).includes(a[k])) c.fail(`${p}.${k}`, `must be one of ${allowed.join(", ")}, got ${describe(a[k])}.`);
  }
}

function checkGroupStatic(c: Checker, p: string, g: unknown): void {
  if (isUnknown(g) && !isObj(g)) return;
  if (!isObj(g)) {
    c.fail(p, `must be a scoping filter group { name?, clauses: [...] }, got ${describe(g)}.`);
    return;
  }
  unknownKeys(c, p, g, ["name", "clauses"]);
  if (g.name !== undefined && !isUnknown(g.name) && !isStr(g.name)) c.fail(`${p}.name`, `must be a non-empty string, got ${describe(g.name)}.`);
  if (isUnknown(g.clauses)) return;
  if (!Array.isArray(g.clauses) || g.clauses.length === 0) {
    c.fail(`${p}.clauses`, "must be a non-empty list of clauses like { attribute: \"jobTitle\", operator: \"EQUALS\", values: [\"Developer\"] }.");
    return;
  }
  g.clauses.forEach((cl: unknown, i: number) => {
    const cp = `${p}.clauses[${i}]`;
    if (isUnknown(cl) && !isObj(cl)) return;
    if (!isObj(cl)) return c.fail(cp, `must be a clause { attribute, operator, values }, got ${describe(cl)}.`);
    unknownKeys(c, cp, cl, ["attribute", "operator", "values"]);
    if (!isUnknown(cl.attribute) && !isStr(cl.attribute)) c.fail(`${cp}.attribute`, `is required: the source attribute to test, got ${describe(cl.attribute)}.`);
    if (isUnknown(cl.operator)) return;
    const op = cl.operator;
    if (typeof op !== "string" || !(FILTER_OPERATORS as readonly string[]).includes(op)) {
      const near = typeof op === "string" ? closest(op, FILTER_OPERATORS, 1)[0] : undefined;
      c.fail(`${cp}.operator`, `${describe(op)} is not a scoping filter operator${near ? `; did you mean "${near}"?` : ""} (operators: ${FILTER_OPERATORS.join(", ")}).`);
      return;
    }
    if (isUnknown(cl.values)) return;
    const values = cl.values ?? [];
    if (!Array.isArray(values) || values.some((v) => typeof v !== "string")) c.fail(`${cp}.values`, `must be a list of strings, got ${describe(cl.values)}.`);
    else if (UNARY_OPERATORS.has(op) && values.length) c.fail(`${cp}.values`, `must be empty: "${op}" takes no values.`);
    // Every other operator compares with one input value (the scoping-filter page); to match
    // several values, use one group per value (groups are ORed) or REGEX MATCH.
    else if (!UNARY_OPERATORS.has(op) && values.length !== 1) {
      c.fail(`${cp}.values`, `needs exactly one value for "${op}"${values.length > 1 ? `; for several, use one group per value (groups are ORed) or REGEX MATCH "^(a|b)$"` : ""}.`);
    } else if (/^Greater_Than/.test(op) && !/^-?\d+$/.test(values[0])) c.fail(`${cp}.values`, `must be a whole number for "${op}", got "${values[0]}".`);
  });
}

/** Where an object mapping key points in a schema. */
interface Located {
  rule: GraphRule;
  om: GraphObjectMapping;
  sourceAttrs: Set<string>;
  targetAttrs: Set<string>;
}

function attributesOfObject(schema: GraphSchema, directory: string, object: string): Set<string> {
  const dir = schema.directories.find((d) => d.name === directory);
  const obj = dir?.objects.find((o) => o.name === object);
  return new Set((obj?.attributes ?? []).map((a) => a.name));
}

/** The object mappings of a schema with the keys a spec may use for them. */
export function objectMappingKeys(schema: GraphSchema): { key: string; rule: GraphRule; om: GraphObjectMapping }[] {
  const all = schema.synchronizationRules.flatMap((rule) => rule.objectMappings.map((om) => ({ rule, om })));
  return all.map(({ rule, om }) => ({
    key: all.filter((x) => x.om.sourceObjectName === om.sourceObjectName).length === 1 ? om.sourceObjectName : om.name,
    rule,
    om,
  }));
}

function locate(schema: GraphSchema, key: string): Located | undefined {
  const all = schema.synchronizationRules.flatMap((rule) => rule.objectMappings.map((om) => ({ rule, om })));
  const found = all.find((x) => x.om.name === key) ?? (() => {
    const bySource = all.filter((x) => x.om.sourceObjectName.toLowerCase() === key.toLowerCase());
    return bySource.length === 1 ? bySource[0] : undefined;
  })();
  if (!found) return undefined;
  return {
    ...found,
    sourceAttrs: attributesOfObject(schema, found.rule.sourceDirectoryName, found.om.sourceObjectName),
    targetAttrs: attributesOfObject(schema, found.rule.targetDirectoryName, found.om.targetObjectName),
  };
}

function unknownAttribute(name: string, known: Set<string>, side: string): string {
  const near = closest(name, [...known], 3);
  return `"${name}" is not an attribute of the ${side}${near.length ? `; did you mean ${near.map((n) => `"${n}"`).join(" or ")}?` : ` (attributes: ${[...known].join(", ")}).`}`;
}

/** Checks that need the schema: object mapping keys and attribute names. */
export function checkSpecAgainst(c: Checker, spec: SchemaSpec, schema: GraphSchema): void {
  if (!isObj(spec)) return;
  for (const [key, om] of Object.entries(spec)) {
    const p = `mappings.${key}`;
    if (!isObj(om)) continue;
    const at = locate(schema, key);
    if (!at) {
      const keys = objectMappingKeys(schema).map((k) => `"${k.key}" (${k.om.name})`);
      c.fail(p, `the schema has no object mapping "${key}"; use one of: ${keys.join(", ")}.`);
      continue;
    }
    const srcSide = `source object ${at.om.sourceObjectName} in "${at.rule.sourceDirectoryName}"`;
    const dstSide = `target object ${at.om.targetObjectName} in "${at.rule.targetDirectoryName}"`;
    const defaults = new Set(at.om.attributeMappings.map((m) => m.targetAttributeName));
    (Array.isArray(om.attributes) ? om.attributes : []).forEach((a, i) => {
      const ap = `${p}.attributes[${i}]`;
      if (!isObj(a)) return;
      if (isStr(a.target) && !at.targetAttrs.has(a.target)) c.fail(`${ap}.target`, unknownAttribute(a.target, at.targetAttrs, dstSide));
      if (isStr(a.target) && !SOURCE_KEYS.some((k) => a[k] !== undefined) && !defaults.has(a.target)) {
        c.fail(ap, `"${a.target}" has no mapping in the default schema, so it needs one of source, constant or expression.`);
      }
      if (isStr(a.source) && !isUnknown(a.source) && !at.sourceAttrs.has(a.source)) c.fail(`${ap}.source`, unknownAttribute(a.source, at.sourceAttrs, srcSide));
      if (isStr(a.expression) && !isUnknown(a.expression)) {
        let names: string[] = [];
        try {
          names = attributesOf(parseExpression(a.expression));
        } catch {
          // reported by the static check
        }
        for (const n of names) if (!at.sourceAttrs.has(n)) c.fail(`${ap}.expression`, `[${n}]: ${unknownAttribute(n, at.sourceAttrs, srcSide)}`);
      }
    });
    (Array.isArray(om.removeAttributes) ? om.removeAttributes : []).forEach((t, i) => {
      if (isStr(t) && !isUnknown(t) && !defaults.has(t)) c.fail(`${p}.removeAttributes[${i}]`, `"${t}" is not mapped in the default schema (mapped: ${[...defaults].join(", ")}).`);
    });
    (Array.isArray(om.scope) ? om.scope : []).forEach((g, gi) => {
      (isObj(g) && Array.isArray(g.clauses) ? g.clauses : []).forEach((cl: unknown, ci: number) => {
        if (isObj(cl) && isStr(cl.attribute) && !isUnknown(cl.attribute) && !at.sourceAttrs.has(cl.attribute)) {
          c.fail(`${p}.scope[${gi}].clauses[${ci}].attribute`, unknownAttribute(cl.attribute, at.sourceAttrs, srcSide));
        }
      });
    });
  }
}

function sourceOf(a: AttributeMappingSpec): MappingSource | undefined {
  if (a.source !== undefined) return toMappingSource({ kind: "attribute", name: a.source });
  if (a.constant !== undefined) return toMappingSource({ kind: "constant", value: a.constant });
  if (a.expression !== undefined) return toMappingSource(parseExpression(a.expression));
  return undefined;
}

/** Canonical text of a mapping source, for comparisons. */
function canonical(s: MappingSource | undefined | null): string {
  try {
    return formatExpression(fromMappingSource(s));
  } catch {
    return JSON.stringify(s ?? null);
  }
}

function canonicalSpecSource(a: AttributeMappingSpec): string | undefined {
  const s = sourceOf(a);
  return s ? canonical(s) : undefined;
}

function toGraphGroups(groups: ScopeGroupSpec[]) {
  return groups.map((g, i) => ({
    name: g.name ?? `Scope group ${i + 1}`,
    clauses: g.clauses.map((cl) => ({ operatorName: cl.operator, sourceOperandName: cl.attribute, targetOperand: { values: cl.values ?? [] } })),
  }));
}

/** The full schema to PUT: the default with the spec applied (the default is not modified). */
export function applySpec(defaultSchema: GraphSchema, spec: SchemaSpec): GraphSchema {
  const schema = structuredClone(defaultSchema);
  for (const [key, s] of Object.entries(spec)) {
    const at = locate(schema, key);
    if (!at) throw new InputError(`ProvisioningSchema.mappings.${key}: the schema has no object mapping "${key}".`);
    const om = at.om;
    if (s.enabled !== undefined) om.enabled = s.enabled;
    const removed = new Set(s.removeAttributes ?? []);
    om.attributeMappings = om.attributeMappings.filter((m) => !removed.has(m.targetAttributeName));
    for (const a of s.attributes ?? []) {
      const existing = om.attributeMappings.find((m) => m.targetAttributeName === a.target);
      const m: GraphAttributeMapping = existing ?? { targetAttributeName: a.target, source: undefined as unknown as MappingSource, exportMissingReferences: false, ...NEW_MAPPING_DEFAULTS };
      const src = sourceOf(a);
      if (src) m.source = src;
      for (const f of OPTIONAL_FIELDS) if (a[f] !== undefined) (m as unknown as Obj)[f] = a[f];
      if (!existing) om.attributeMappings.push(m);
    }
    if (s.scope !== undefined) om.scope = { categoryFilterGroups: [], inputFilterGroups: [], ...(om.scope ?? {}), groups: toGraphGroups(s.scope) };
  }
  return schema;
}

function sameValues(a: string[] | undefined, b: string[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function liveGroups(om: GraphObjectMapping | undefined): ScopeGroupSpec[] {
  return (om?.scope?.groups ?? []).map((g) => ({
    name: g.name,
    clauses: (g.clauses ?? []).map((cl) => {
      const values = cl.targetOperand?.values ?? [];
      return { attribute: cl.sourceOperandName, operator: cl.operatorName, ...(values.length ? { values } : {}) };
    }),
  }));
}

/** Whether `live` groups satisfy `want` (a name `want` leaves unset is not compared). */
function sameScope(live: ScopeGroupSpec[], want: ScopeGroupSpec[]): boolean {
  return live.length === want.length && want.every((g, i) =>
    (g.name === undefined || g.name === live[i].name) &&
    g.clauses.length === live[i].clauses.length &&
    g.clauses.every((cl, j) => {
      const l = live[i].clauses[j];
      return cl.attribute === l.attribute && cl.operator === l.operator && sameValues(cl.values, l.values);
    }));
}

function sourceSpec(s: MappingSource): Pick<AttributeMappingSpec, "source" | "constant" | "expression"> {
  if (s?.type === "Attribute") return { source: String(s.name) };
  if (s?.type === "Constant") return { constant: String(s.name ?? "") };
  return { expression: canonical(s) };
}

function projectEntry(want: AttributeMappingSpec, live: GraphAttributeMapping, def: GraphAttributeMapping | undefined): AttributeMappingSpec {
  const out: AttributeMappingSpec = { target: live.targetAttributeName };
  const wantSource = canonicalSpecSource(want);
  const liveSource = canonical(live.source);
  if (wantSource !== undefined || !def || liveSource !== canonical(def.source)) {
    if (wantSource === liveSource) for (const k of SOURCE_KEYS) if (want[k] !== undefined) out[k] = want[k];
    if (wantSource !== liveSource) Object.assign(out, sourceSpec(live.source));
  }
  const base = (def ?? NEW_MAPPING_DEFAULTS) as unknown as Obj;
  for (const f of OPTIONAL_FIELDS) {
    const lv = (live as unknown as Obj)[f] ?? null;
    if (want[f] !== undefined || lv !== (base[f] ?? null)) (out as unknown as Obj)[f] = lv;
  }
  return out;
}

function projectObjectMapping(want: ObjectMappingSpec, def: GraphObjectMapping, live: GraphObjectMapping): ObjectMappingSpec {
  const out: ObjectMappingSpec = {};
  if (want.enabled !== undefined || live.enabled !== def.enabled) out.enabled = live.enabled;
  const liveBy = new Map(live.attributeMappings.map((m) => [m.targetAttributeName, m]));
  const defBy = new Map(def.attributeMappings.map((m) => [m.targetAttributeName, m]));
  const wanted = want.attributes ?? [];
  const wantedTargets = new Set(wanted.map((a) => a.target));
  const wantRemoved = new Set(want.removeAttributes ?? []);
  const attributes: AttributeMappingSpec[] = [];
  for (const a of wanted) {
    const l = liveBy.get(a.target);
    if (l) attributes.push(projectEntry(a, l, defBy.get(a.target)));
  }
  for (const l of live.attributeMappings) {
    if (wantedTargets.has(l.targetAttributeName)) continue;
    const d = defBy.get(l.targetAttributeName);
    const entry = projectEntry({ target: l.targetAttributeName }, l, d);
    if (!d || Object.keys(entry).length > 1) attributes.push(entry);
  }
  if (attributes.length || want.attributes !== undefined) out.attributes = attributes;
  const removed: string[] = [];
  for (const t of want.removeAttributes ?? []) if (!liveBy.has(t)) removed.push(t);
  for (const d of def.attributeMappings) {
    const t = d.targetAttributeName;
    if (!liveBy.has(t) && !wantRemoved.has(t)) removed.push(t);
  }
  if (removed.length || want.removeAttributes !== undefined) out.removeAttributes = removed;
  const scope = liveGroups(live);
  if (want.scope !== undefined) out.scope = sameScope(scope, want.scope) ? want.scope : scope;
  else if (!sameScope(scope, liveGroups(def))) out.scope = scope;
  return out;
}

/**
 * The spec that, applied to `defaultSchema`, gives `live` — phrased like `want` wherever the live
 * schema agrees with it, so it equals `want` exactly when nothing was changed elsewhere. Object
 * mappings the spec does not name appear only when they differ from the default.
 */
export function projectSpec(defaultSchema: GraphSchema, live: GraphSchema, want: SchemaSpec): SchemaSpec {
  const out: SchemaSpec = {};
  for (const { key, om: def } of objectMappingKeys(defaultSchema)) {
    const specKey = Object.keys(want).find((k) => locate(defaultSchema, k)?.om === def);
    const liveOm = live.synchronizationRules.flatMap((r) => r.objectMappings).find((m) => m.name === def.name);
    if (!liveOm) {
      // The object mapping was deleted elsewhere: nothing of it is provisioned.
      out[specKey ?? key] = { ...(specKey ? want[specKey] : {}), enabled: false };
      continue;
    }
    const projected = projectObjectMapping(specKey ? want[specKey] : {}, def, liveOm);
    if (specKey || Object.keys(projected).length) out[specKey ?? key] = projected;
  }
  return out;
}

/** JSON with sorted keys and no undefined, for comparing specs. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(",")}]`;
  if (isObj(v)) {
    return `{${Object.keys(v).filter((k) => v[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${stableJson(v[k])}`).join(",")}}`;
  }
  return JSON.stringify(v ?? null);
}
