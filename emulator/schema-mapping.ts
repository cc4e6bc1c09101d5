import { ErrorDetail } from "./errors";
import {
  attributesOf, clauseMatches, clauseProblems, evaluateExpression, Expr, ExpressionError, fromMappingSource, functionsOf, SCOPING_OPERATORS, Value, Values,
} from "./expressions";
import { Principal } from "./provisioning-records";

/**
 * What a job's synchronizationSchema means to the emulator: validation of a PUT body (Graph-style
 * 400 details naming the JSON path), and, per provisioning cycle, the object mapping for a
 * principal, whether it is in the mapping's scope (scoping filter groups are ORed, clauses within
 * a group ANDed), and the target attribute values its attribute mappings produce. Expressions and
 * scoping operators are evaluated by expressions.ts, written from Microsoft's references.
 */
type Obj = Record<string, unknown>;
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);
const FLOW_BEHAVIORS = new Set(["FlowWhenChanged", "FlowAlways"]);
const FLOW_TYPES = new Set(["Always", "ObjectAddOnly", "MultiValueAddOnly", "ValueAddOnly", "AttributeAddOnly"]);

export { SCOPING_OPERATORS };

interface AttributeInfo {
  multivalued: boolean;
}

function attributes(schema: Obj, directory: unknown, object: unknown): Map<string, AttributeInfo> | undefined {
  const dir = arr(schema.directories).find((d) => d.name === directory);
  const obj = arr(dir?.objects).find((o) => o.name === object);
  return obj ? new Map(arr(obj.attributes).map((a) => [String(a.name), { multivalued: a.multivalued === true }])) : undefined;
}

/** Problems of a schema PUT body, each with the JSON path it is about. */
export function schemaProblems(schema: Obj): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  const bad = (target: string, message: string) => out.push({ code: "InvalidSchema", message, target });
  const dirNames = new Set(arr(schema.directories).map((d) => d.name));
  arr(schema.synchronizationRules).forEach((rule, r) => {
    const rp = `synchronizationRules[${r}]`;
    for (const side of ["sourceDirectoryName", "targetDirectoryName"] as const) {
      if (!dirNames.has(rule[side])) bad(`${rp}.${side}`, `The directory '${String(rule[side])}' is not defined in 'directories'.`);
    }
    arr(rule.objectMappings).forEach((om, m) => {
      const mp = `${rp}.objectMappings[${m}]`;
      const src = attributes(schema, rule.sourceDirectoryName, om.sourceObjectName);
      const dst = attributes(schema, rule.targetDirectoryName, om.targetObjectName);
      if (!src) bad(`${mp}.sourceObjectName`, `The object '${String(om.sourceObjectName)}' is not defined in directory '${String(rule.sourceDirectoryName)}'.`);
      if (!dst) bad(`${mp}.targetObjectName`, `The object '${String(om.targetObjectName)}' is not defined in directory '${String(rule.targetDirectoryName)}'.`);
      if (om.enabled !== undefined && typeof om.enabled !== "boolean") bad(`${mp}.enabled`, "'enabled' must be a Boolean.");
      arr(om.attributeMappings).forEach((am, a) => {
        const ap = `${mp}.attributeMappings[${a}]`;
        const target = String(am.targetAttributeName ?? "");
        if (dst && !dst.has(target)) bad(`${ap}.targetAttributeName`, `The attribute '${target}' is not defined on object '${String(om.targetObjectName)}' of directory '${String(rule.targetDirectoryName)}'.`);
        if (am.flowBehavior !== undefined && !FLOW_BEHAVIORS.has(String(am.flowBehavior))) bad(`${ap}.flowBehavior`, `'${String(am.flowBehavior)}' is not a valid 'microsoft.graph.attributeFlowBehavior' member.`);
        if (am.flowType !== undefined && !FLOW_TYPES.has(String(am.flowType))) bad(`${ap}.flowType`, `'${String(am.flowType)}' is not a valid 'microsoft.graph.attributeFlowType' member.`);
        let node: Expr | undefined;
        try {
          node = fromMappingSource(am.source as never);
        } catch (e) {
          bad(`${ap}.source`, `The expression is not valid: ${e instanceof ExpressionError ? e.message : String(e)}.`);
        }
        if (!node) return;
        const fns = functionsOf(node);
        // SelectUniqueValue "is currently supported for use with" Workday/SuccessFactors/API-driven
        // provisioning to on-premises Active Directory only, and "can't be nested".
        if (fns.includes("SelectUniqueValue")) {
          bad(`${ap}.source`, fns.indexOf("SelectUniqueValue") > 0
            ? "SelectUniqueValue must be at the top level of an expression and can't be nested."
            : `SelectUniqueValue isn't supported for provisioning to '${String(rule.targetDirectoryName)}' (only to on-premises Active Directory).`);
        }
        if (src) {
          for (const name of attributesOf(node)) {
            if (!src.has(name)) bad(`${ap}.source`, `The attribute '${name}' is not defined on object '${String(om.sourceObjectName)}' of directory '${String(rule.sourceDirectoryName)}'.`);
          }
        }
      });
      const scope = (om.scope ?? {}) as Obj;
      arr(scope.groups).forEach((g, gi) => {
        arr(g.clauses).forEach((c, ci) => {
          const cp = `${mp}.scope.groups[${gi}].clauses[${ci}]`;
          const op = String(c.operatorName ?? "");
          const operand = String(c.sourceOperandName ?? "");
          for (const problem of clauseProblems(op, ((c.targetOperand ?? {}) as Obj).values)) bad(`${cp}.${problem.field}`, problem.message);
          const info = src?.get(operand);
          if (src && !info) bad(`${cp}.sourceOperandName`, `The attribute '${operand}' is not defined on object '${String(om.sourceObjectName)}'.`);
          // "Filtering is not supported for multi-valued attributes." / "The members attribute on a group is not supported currently."
          else if (info?.multivalued || (om.sourceObjectName === "Group" && operand === "members")) {
            bad(`${cp}.sourceOperandName`, `Scoping filters are not supported on the multi-valued attribute '${operand}'.`);
          }
        });
      });
    });
  });
  return out;
}

/** The source-side attribute values of a principal, under Entra names and the SCIM names inbound connectors use. */
export function principalValues(p: Principal): Values {
  if (p.kind === "Group") {
    const g = p.group;
    return { objectId: g.id, displayName: g.displayName, mailNickname: g.mailNickname, members: [...g.members], externalId: g.id };
  }
  const u = p.user;
  return {
    objectId: u.id, userPrincipalName: u.userPrincipalName, mail: u.mail, mailNickname: u.mailNickname, displayName: u.displayName,
    givenName: u.givenName, surname: u.surname, jobTitle: u.jobTitle, accountEnabled: u.accountEnabled ? "True" : "False",
    IsSoftDeleted: "False", manager: null,
    // The emulator's assignments carry no app role (emulator/FIDELITY.md, known differences).
    appRoleAssignments: [],
    // Inbound (HR → Entra) connectors read the worker under app-side names.
    id: u.id, userName: u.userPrincipalName, active: u.accountEnabled ? "True" : "False", "name.givenName": u.givenName,
    "name.familyName": u.surname, title: u.jobTitle, externalId: u.mailNickname, 'emails[type eq "work"].value': u.mail,
  };
}

export interface MappingPlan {
  mappingName: string;
  enabled: boolean;
  inScope: boolean;
  /** target attribute → value, for the mappings whose value is not null ("[Redact]" where Redact() applies). */
  values: Record<string, string>;
}

const flat = (v: Value): string | null => (v === null ? null : Array.isArray(v) ? v.join(";") : v);

/** How the job's schema treats a principal; undefined when no object mapping covers its kind. */
export function planFor(schema: Obj, p: Principal): MappingPlan | undefined {
  for (const rule of arr(schema.synchronizationRules)) {
    const om = arr(rule.objectMappings).find((m) => m.sourceObjectName === p.kind);
    if (!om) continue;
    const values = principalValues(p);
    const scope = (om.scope ?? {}) as Obj;
    const groups = arr(scope.groups);
    const inScope = groups.length === 0 || groups.some((g) => arr(g.clauses).every((c) => {
      const operands = ((c.targetOperand ?? {}) as Obj).values;
      return clauseMatches(String(c.operatorName), values[String(c.sourceOperandName)], Array.isArray(operands) ? operands.map(String) : []);
    }));
    const out: Record<string, string> = {};
    for (const am of arr(om.attributeMappings)) {
      let v: string | null;
      try {
        const r = evaluateExpression(fromMappingSource(am.source as never), values);
        if (r.ignoreFlow) continue; // IgnoreFlowIfNullOrEmpty: the attribute is dropped from the flow.
        v = flat(r.value);
        if (v !== null && r.redacted) v = "[Redact]";
      } catch {
        // An expression that fails on this object (e.g. IIF over an empty attribute) flows no value.
        v = null;
      }
      if (v === null && typeof am.defaultValue === "string") v = am.defaultValue;
      if (v !== null) out[String(am.targetAttributeName)] = v;
    }
    return { mappingName: String(om.name ?? p.kind), enabled: om.enabled !== false, inScope, values: out };
  }
  return undefined;
}
