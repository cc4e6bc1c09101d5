// ProvisioningSchema's spec logic without Graph: validation paths, apply, and the projection that
// refresh uses (equal to the spec when the live schema is what apply produced).
import { buildSchema } from "../../emulator/sync-schema";
import { schemaProblems } from "../../emulator/schema-mapping";
import { Checker } from "../../provider/resources/inputs";
import { parseExpression } from "../../provider/resources/schema-expression";
import { applySpec, checkSpecAgainst, checkSpecStatic, GraphSchema, projectSpec, SchemaSpec, stableJson } from "../../provider/resources/schema-spec";

const def = buildSchema({ templateId: "scim", targetDirectory: "customappsso", direction: "outbound", groups: true }) as unknown as GraphSchema;

const spec: SchemaSpec = {
  User: {
    attributes: [
      { target: "displayName", expression: 'Join(", ",[surname],[givenName])' },
      { target: "externalId", source: "objectId", matchingPriority: 2 },
      { target: "title", constant: "Staff" },
    ],
    removeAttributes: ["name.familyName"],
    scope: [{ clauses: [{ attribute: "jobTitle", operator: "EQUALS", values: ["Developer"] }, { attribute: "mail", operator: "IS NOT NULL" }] }],
  },
  Group: { enabled: false },
};

function failures(s: unknown): string[] {
  const c = new Checker("ProvisioningSchema");
  checkSpecStatic(c, s);
  if (!c.failures.length) checkSpecAgainst(c, s as SchemaSpec, def);
  return c.failures.map((f) => f.property);
}

describe("ProvisioningSchema spec", () => {
  it("accepts a valid spec, and the applied schema passes the emulator's PUT validation", () => {
    expect(failures(spec)).toEqual([]);
    const applied = applySpec(def, spec);
    expect(schemaProblems(applied as never)).toEqual([]);
    const users = applied.synchronizationRules[0].objectMappings[0];
    expect(users.attributeMappings.map((m) => m.targetAttributeName)).not.toContain("name.familyName");
    expect(users.attributeMappings.find((m) => m.targetAttributeName === "displayName")!.source).toMatchObject({ type: "Function", name: "Join", expression: 'Join(", ", [surname], [givenName])' });
    expect(users.scope!.groups![0].clauses[1]).toEqual({ operatorName: "IS NOT NULL", sourceOperandName: "mail", targetOperand: { values: [] } });
    expect(applied.synchronizationRules[0].objectMappings[1].enabled).toBe(false);
    expect(def.synchronizationRules[0].objectMappings[1].enabled).toBe(true); // default untouched
  });

  it("names the path of each problem", () => {
    expect(failures({ Usr: {} })).toEqual(["mappings.Usr"]);
    expect(failures({ User: { attributes: [{ target: "title", source: "jobTitle" }, { target: "nope", source: "jobTitle" }, { target: "title2", source: "jobTitel" }] } }))
      .toEqual(["mappings.User.attributes[1].target", "mappings.User.attributes[2].target", "mappings.User.attributes[2].source"]);
    expect(failures({ User: { attributes: [{ target: "title", expression: 'Join(" ", [givenName]' }] } })).toEqual(["mappings.User.attributes[0].expression"]);
    expect(failures({ User: { attributes: [{ target: "title", expression: "Frobnicate([givenName])" }] } })).toEqual(["mappings.User.attributes[0].expression"]);
    expect(failures({ User: { attributes: [{ target: "title", expression: 'ToLower("abc)' }] } })).toEqual(["mappings.User.attributes[0].expression"]);
    expect(failures({ User: { attributes: [{ target: "title", expression: "ToLower([nope])" }] } })).toEqual(["mappings.User.attributes[0].expression"]);
    expect(failures({ User: { scope: [{ clauses: [{ attribute: "jobTitle", operator: "EQUAL", values: ["x"] }] }] } })).toEqual(["mappings.User.scope[0].clauses[0].operator"]);
    expect(failures({ User: { scope: [{ clauses: [{ attribute: "jobTitel", operator: "IS NULL" }] }] } })).toEqual(["mappings.User.scope[0].clauses[0].attribute"]);
    expect(failures({ User: { removeAttributes: ["manager"], flowz: 1 } })).toEqual(["mappings.User.flowz"]);
    expect(failures({ User: { removeAttributes: ["userName2"] } })).toEqual(["mappings.User.removeAttributes[0]"]);
    expect(failures({ User: { attributes: [{ target: "title", source: "jobTitle", constant: "x" }] } })).toEqual(["mappings.User.attributes[0].constant"]);
  });

  it("explains expression errors", () => {
    expect(() => parseExpression('Join(" ", [a]')).toThrow(/unbalanced parentheses/);
    expect(() => parseExpression("Joyn([a])")).toThrow(/unknown function 'Joyn'/);
    expect(() => parseExpression("IIF([a], \"x\")")).toThrow(/IIF takes 3 arguments, got 2/);
    expect(parseExpression('Switch([a], "d", "k", "v")')).toMatchObject({ kind: "call", name: "Switch" });
  });

  it("projects the applied schema back onto the spec exactly, and shows changes made elsewhere", () => {
    const applied = applySpec(def, spec);
    expect(stableJson(projectSpec(def, applied, spec))).toBe(stableJson(spec));
    expect(projectSpec(def, def, {})).toEqual({});

    const edited = structuredClone(applied);
    const users = edited.synchronizationRules[0].objectMappings[0];
    users.attributeMappings.find((m) => m.targetAttributeName === "title")!.source = { type: "Attribute", name: "jobTitle", expression: "[jobTitle]", parameters: [] };
    users.scope!.groups = [];
    edited.synchronizationRules[0].objectMappings[1].attributeMappings.pop(); // Group "members" removed elsewhere
    const projected = projectSpec(def, edited, spec);
    expect(projected.User.attributes![2]).toEqual({ target: "title", source: "jobTitle" });
    expect(projected.User.scope).toEqual([]);
    expect(projected.Group).toEqual({ enabled: false, removeAttributes: ["members"] });
  });
});
