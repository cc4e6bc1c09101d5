import {
  attributesOf, clauseMatches, evaluate, ExpressionError, ExprNode, FILTER_OPERATORS, fromMappingSource, UNARY_OPERATORS, Values,
} from "../provider/resources/schema-expression";
import { ErrorDetail } from "./errors";
import { Principal } from "./provisioning-records";

/**
 * What a job's synchronizationSchema means to the emulator: validation of a PUT body (Graph-style
 * 400 details naming the JSON path), and, per provisioning cycle, the object mapping for a
 * principal, whether it is in the mapping's scope (scoping filter groups are ORed, clauses within
 * a group ANDed), and the target attribute values its attribute mappings produce.
 */
type Obj = Record<string, unknown>;
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);
const FLOW_BEHAVIORS = new Set(["FlowWhenChanged", "FlowAlways"]);
const FLOW_TYPES = new Set(["Always", "ObjectAddOnly", "MultiValueAddOnly", "ValueAddOnly", "AttributeAddOnly"]);
const OPERATORS: ReadonlySet<string> = new Set(FILTER_OPERATORS);

function attributeNames(schema: Obj, directory: unknown, object: unknown): Set<string> | undefined {
  const dir = arr(schema.directories).find((d) => d.name === directory);
  const obj = arr(dir?.objects).find((o) => o.name === object);
  return obj ? new Set(arr(obj.attributes).map((a) => String(a.name))) : undefined;
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
      const src = attributeNames(schema, rule.sourceDirectoryName, om.sourceObjectName);
      const dst = attributeNames(schema, rule.targetDirectoryName, om.targetObjectName);
      if (!src) bad(`${mp}.sourceObjectName`, `The object '${String(om.sourceObjectName)}' is not defined in directory '${String(rule.sourceDirectoryName)}'.`);
      if (!dst) bad(`${mp}.targetObjectName`, `The object '${String(om.targetObjectName)}' is not defined in directory '${String(rule.targetDirectoryName)}'.`);
      if (om.enabled !== undefined && typeof om.enabled !== "boolean") bad(`${mp}.enabled`, "'enabled' must be a Boolean.");
      arr(om.attributeMappings).forEach((am, a) => {
        const ap = `${mp}.attributeMappings[${a}]`;
        const target = String(am.targetAttributeName ?? "");
        if (dst && !dst.has(target)) bad(`${ap}.targetAttributeName`, `The attribute '${target}' is not defined on object '${String(om.targetObjectName)}' of directory '${String(rule.targetDirectoryName)}'.`);
        if (am.flowBehavior !== undefined && !FLOW_BEHAVIORS.has(String(am.flowBehavior))) bad(`${ap}.flowBehavior`, `'${String(am.flowBehavior)}' is not a valid 'microsoft.graph.attributeFlowBehavior' member.`);
        if (am.flowType !== undefined && !FLOW_TYPES.has(String(am.flowType))) bad(`${ap}.flowType`, `'${String(am.flowType)}' is not a valid 'microsoft.graph.attributeFlowType' member.`);
        let node: ExprNode | undefined;
        try {
          node = fromMappingSource(am.source as never);
        } catch (e) {
          bad(`${ap}.source`, `The expression is not valid: ${e instanceof ExpressionError ? e.message : String(e)}.`);
        }
        if (node && src) {
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
          if (!OPERATORS.has(op)) bad(`${cp}.operatorName`, `The scoping filter operator '${op}' is not supported (supported: ${FILTER_OPERATORS.join(", ")}).`);
          if (src && !src.has(String(c.sourceOperandName))) bad(`${cp}.sourceOperandName`, `The attribute '${String(c.sourceOperandName)}' is not defined on object '${String(om.sourceObjectName)}'.`);
          const values = ((c.targetOperand ?? {}) as Obj).values;
          if (OPERATORS.has(op) && !UNARY_OPERATORS.has(op) && (!Array.isArray(values) || values.length === 0)) bad(`${cp}.targetOperand.values`, `The operator '${op}' needs at least one value.`);
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
    return { objectId: g.id, displayName: g.displayName, mailNickname: g.mailNickname, members: g.members.join(";"), externalId: g.id };
  }
  const u = p.user;
  return {
    objectId: u.id, userPrincipalName: u.userPrincipalName, mail: u.mail, mailNickname: u.mailNickname, displayName: u.displayName,
    givenName: u.givenName, surname: u.surname, jobTitle: u.jobTitle, accountEnabled: u.accountEnabled ? "True" : "False",
    IsSoftDeleted: "False", manager: null,
    // Inbound (HR → Entra) connectors read the worker under app-side names.
    id: u.id, userName: u.userPrincipalName, active: u.accountEnabled ? "True" : "False", "name.givenName": u.givenName,
    "name.familyName": u.surname, title: u.jobTitle, externalId: u.mailNickname, 'emails[type eq "work"].value': u.mail,
  };
}

export interface MappingPlan {
  mappingName: string;
  enabled: boolean;
  inScope: boolean;
  /** target attribute → value, for the mappings whose value is not null. */
  values: Record<string, string>;
}

/** How the job's schema treats a principal; undefined when no object mapping covers its kind. */
export function planFor(schema: Obj, p: Principal): MappingPlan | undefined {
  for (const rule of arr(schema.synchronizationRules)) {
    const om = arr(rule.objectMappings).find((m) => m.sourceObjectName === p.kind);
    if (!om) continue;
    const values = principalValues(p);
    const scope = (om.scope ?? {}) as Obj;
    const groups = arr(scope.groups);
    const inScope = groups.length === 0 || groups.some((g) => arr(g.clauses).every((c) =>
      clauseMatches(String(c.operatorName), values[String(c.sourceOperandName)], arr(((c.targetOperand ?? {}) as Obj).values) as unknown as string[])));
    const out: Record<string, string> = {};
    for (const am of arr(om.attributeMappings)) {
      let v: string | null;
      try {
        v = evaluate(fromMappingSource(am.source as never), values);
      } catch {
        v = null;
      }
      if (v === null && typeof am.defaultValue === "string") v = am.defaultValue;
      if (v !== null) out[String(am.targetAttributeName)] = v;
    }
    return { mappingName: String(om.name ?? p.kind), enabled: om.enabled !== false, inScope, values: out };
  }
  return undefined;
}
