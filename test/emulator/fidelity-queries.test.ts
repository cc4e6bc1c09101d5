import { parseEmulatorArgs } from "../../emulator/cli";
import { DirectoryGroup, DirectoryUser } from "../../emulator/directory";
import { Rng } from "../../emulator/random";
import { ReplicatedTable, ReplicationModel } from "../../emulator/replication";
import { planFor } from "../../emulator/schema-mapping";
import { buildSchema } from "../../emulator/sync-schema";
import { assignSome } from "./assign";
import { AWS_TEMPLATE, createJob, CUSTOM, harness, Harness, instantiate, until } from "./helpers";

/**
 * Query behaviour: $orderby on provisioning logs and directory objects, the advanced-query
 * operators, list/$filter lag (listLagMs), and the schema rules the emulator's own expression and
 * scoping evaluation enforces.
 */
const SECRETS = {
  value: [
    { key: "BaseAddress", value: "https://scim.example.com/v2" },
    { key: "SecretToken", value: "t" },
    { key: "SyncAll", value: "false" },
    { key: "SyncNotificationSettings", value: "{\"Enabled\":false,\"DeleteThresholdEnabled\":false}" },
  ],
};
const EVENTUAL = { ConsistencyLevel: "eventual" };

describe("fidelity: provisioning logs $orderby and shape", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({ cycleIntervalMs: 40 });
    const ids = await instantiate(h, CUSTOM, "Log source");
    const jobId = await createJob(h, ids.spId, "scim");
    await assignSome(h, ids.spId); // a new service principal has no assignments
    await h.call("PUT", `/servicePrincipals/${ids.spId}/synchronization/secrets`, SECRETS);
    await h.call("POST", `/servicePrincipals/${ids.spId}/synchronization/jobs/${jobId}/start`);
    await until(() => h.admin("GET", "/state"), (r) => r.body.provisioningLogs.count >= 10);
    await h.call("POST", `/servicePrincipals/${ids.spId}/synchronization/jobs/${jobId}/pause`);
  });
  afterAll(() => h.close());

  it("sorts by activityDateTime desc/asc, rejects other $orderby, and returns the documented record shape", async () => {
    // Five requests: the reports limit is 5 per 10 s per app and tenant.
    const desc = await h.call("GET", "/auditLogs/provisioning?$orderby=activityDateTime desc&$top=999");
    expect(desc.status).toBe(200);
    const times = desc.body.value.map((r: { activityDateTime: string }) => r.activityDateTime);
    expect(times.length).toBeGreaterThanOrEqual(10);
    expect([...times].sort().reverse()).toEqual(times);
    const asc = await h.call("GET", "/auditLogs/provisioning?$orderby=activityDateTime asc&$top=999");
    expect(asc.body.value.map((r: { activityDateTime: string }) => r.activityDateTime)).toEqual([...times].sort());
    const bad = await h.call("GET", "/auditLogs/provisioning?$orderby=jobId");
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("BadRequest");
    expect(bad.body.error.message).toContain("jobId");
    expect((await h.call("GET", "/auditLogs/provisioning?$orderby=activityDateTime sideways")).status).toBe(400);
    // Every property of the documented example record (provisioningobjectsummary-list.md, v1.0).
    const rec = (await h.call("GET", "/auditLogs/provisioning?$filter=provisioningStatusInfo/status eq 'failure'&$top=1")).body.value[0];
    for (const key of ["id", "activityDateTime", "tenantId", "jobId", "cycleId", "changeId", "provisioningAction", "durationInMilliseconds",
      "provisioningStatusInfo", "provisioningSteps", "modifiedProperties", "servicePrincipal", "sourceSystem", "targetSystem", "initiatedBy",
      "sourceIdentity", "targetIdentity"]) expect(rec).toHaveProperty(key);
    expect(Object.keys(rec.provisioningStatusInfo.errorInformation).sort()).toEqual(["additionalDetails", "errorCategory", "errorCode", "reason", "recommendedAction"]);
    expect(Object.keys(rec.initiatedBy).sort()).toEqual(["displayName", "id", "initiatorType"]);
    expect(Object.keys(rec.targetSystem.details).sort()).toEqual(["ApplicationId", "ServicePrincipalDisplayName", "ServicePrincipalId"]);
    for (const step of rec.provisioningSteps) expect(Object.keys(step).sort()).toEqual(["description", "details", "name", "provisioningStepType", "status"]);
    for (const side of ["sourceIdentity", "targetIdentity"]) expect(Object.keys(rec[side]).sort()).toEqual(["details", "displayName", "id", "identityType"]);
  });
});

describe("fidelity: directory queries need the advanced query parameters for $orderby, ne, not and endsWith", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
    await instantiate(h, CUSTOM, "Bravo");
    await instantiate(h, CUSTOM, "alpha");
    await instantiate(h, AWS_TEMPLATE, "Charlie");
  });
  afterAll(() => h.close());

  it("sorts applications and servicePrincipals only with ConsistencyLevel: eventual and $count=true", async () => {
    const plain = await h.call("GET", "/applications?$orderby=displayName");
    expect(plain.status).toBe(400);
    expect(plain.body.error).toMatchObject({ code: "Request_UnsupportedQuery", message: "Sorting not supported for current query." });
    expect((await h.call("GET", "/applications?$orderby=displayName", undefined, EVENTUAL)).status).toBe(400); // no $count=true
    const sorted = await h.call("GET", "/applications?$orderby=displayName desc&$count=true", undefined, EVENTUAL);
    expect(sorted.status).toBe(200);
    expect(sorted.body.value.map((a: { displayName: string }) => a.displayName)).toEqual(["Charlie", "Bravo", "alpha"]);
    expect(sorted.body["@odata.count"]).toBe(3);
    const byDate = await h.call("GET", "/servicePrincipals?$orderby=createdDateTime&$count=true&$select=id,displayName", undefined, EVENTUAL);
    expect(byDate.status).toBe(200);
    const unsupported = await h.call("GET", "/applications?$orderby=appId&$count=true", undefined, EVENTUAL);
    expect(unsupported.body.error).toMatchObject({ code: "Request_UnsupportedQuery", message: "Unsupported sort property 'appId' for 'Application'." });
    const filterAndSort = await h.call("GET", "/servicePrincipals?$filter=startswith(displayName,'a')&$orderby=displayName");
    expect(filterAndSort.body.error.message).toBe("Sorting not supported for current query.");
  });

  it("answers ne, not and endsWith only in advanced queries", async () => {
    for (const f of ["displayName ne 'alpha'", "not(displayName eq 'alpha')", "endswith(displayName,'rlie')"]) {
      const r = await h.call("GET", `/applications?$filter=${encodeURIComponent(f)}`);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe("Request_UnsupportedQuery");
      expect(r.body.error.message).toMatch(/^Operator '(ne|not|endsWith)' is not supported because the required parameters might be missing/);
    }
    const ok = await h.call("GET", `/applications?$filter=${encodeURIComponent("displayName ne 'alpha'")}&$count=true`, undefined, EVENTUAL);
    expect(ok.status).toBe(200);
    expect(ok.body.value.map((a: { displayName: string }) => a.displayName).sort()).toEqual(["Bravo", "Charlie"]);
  });
});

describe("fidelity: lists and $filter lag behind reads by id", () => {
  it("models a separate list lag per replica, never ahead of reads, default 2 × replication lag", () => {
    const draws = [0.1, 0.9, 0.2, 0.1, 0.3, 0.5];
    const rng = { next: () => draws.shift() ?? 0, int: () => 0 } as unknown as Rng;
    const model = new ReplicationModel(rng, 3, 100);
    expect(model.effectiveListLagMs()).toBe(200);
    model.listLagMs = 1000;
    const table = new ReplicatedTable<{ id: string; v: number }>(model);
    table.put({ id: "a", v: 1 }, 0);
    // replica 0: read 10 ms, list 900 ms; replica 1: read 20 ms, list max(20, 100) = 100; replica 2: read 30, list 500.
    expect(table.get("a", 0, 10)).toEqual({ id: "a", v: 1 });
    expect(table.get("a", 0, 10, "list")).toBeUndefined();
    expect(table.get("a", 0, 899, "list")).toBeUndefined();
    expect(table.get("a", 0, 900, "list")).toEqual({ id: "a", v: 1 });
    expect(table.get("a", 1, 19, "list")).toBeUndefined();
    expect(table.get("a", 1, 100, "list")).toEqual({ id: "a", v: 1 });
    expect([...table.values(2, 499)]).toEqual([]);
    expect([...table.values(2, 500)]).toEqual([{ id: "a", v: 1 }]);
    expect([...table.values(2, 40, "read")]).toEqual([{ id: "a", v: 1 }]);
    model.listLagMs = null;
    model.lagMs = 0;
    expect(model.effectiveListLagMs()).toBe(0);
    expect(model.stamp(0)).toBeUndefined();
    model.listLagMs = 50;
    expect(model.stamp(0)?.visibleAt).toEqual([0, 0, 0]); // lists lag even when reads do not
  });

  it("an object readable by id can be missing from lists and $filter until the list lag passes", async () => {
    // replicationLagMs 300 → reads by id everywhere within 300 ms, lists within 600 ms (2×).
    const h = await harness({ replicationLagMs: 300 });
    try {
      const made = await Promise.all(Array.from({ length: 10 }, (_, i) => instantiate(h, CUSTOM, `Lagged ${i}`)));
      await new Promise((r) => setTimeout(r, 320));
      for (const ids of made) expect((await h.call("GET", `/applications/${ids.appObjectId}`)).status).toBe(200);
      const list = () => h.call("GET", "/applications?$filter=startswith(displayName,'Lagged')&$top=999");
      const counts: number[] = [];
      for (let i = 0; i < 3; i++) counts.push((await list()).body.value.length);
      // Each replica's index shows each app after its own delay in [0, 600] ms: all 10 at once is unlikely (< 1 in 500).
      expect(Math.min(...counts)).toBeLessThan(10);
      await new Promise((r) => setTimeout(r, 320));
      for (let i = 0; i < 5; i++) expect((await list()).body.value).toHaveLength(10);
    } finally {
      await h.close();
    }
  });

  it("takes --list-lag-ms on the command line", () => {
    expect(parseEmulatorArgs(["--list-lag-ms", "1500", "--replication-lag-ms", "500"]).options).toEqual({ listLagMs: 1500, replicationLagMs: 500 });
    expect(() => parseEmulatorArgs(["--list-lag-ms", "-1"])).toThrow(/list-lag-ms/);
  });
});

describe("fidelity: job schemas are evaluated by the emulator's own expressions and scoping filters", () => {
  const user: DirectoryUser = {
    id: "u1", displayName: "Adele Vance", givenName: "Adele", surname: "Vance", userPrincipalName: "AdeleV@contoso.com",
    mail: "AdeleV@contoso.com", mailNickname: "AdeleV", jobTitle: "Retail Manager", accountEnabled: true,
  };
  const schemaWith = (mappings: Record<string, unknown>[], clauses: Record<string, unknown>[] = []) => {
    const schema = buildSchema({ templateId: "scim", targetDirectory: "customappsso", direction: "outbound", groups: true }) as { synchronizationRules: { objectMappings: Record<string, unknown>[] }[] };
    const om = schema.synchronizationRules[0].objectMappings[0];
    om.attributeMappings = mappings;
    om.scope = { categoryFilterGroups: [], inputFilterGroups: [], groups: clauses.length ? [{ name: "g", clauses }] : [] };
    return schema as unknown as Record<string, unknown>;
  };
  const fn = (target: string, expression: string, defaultValue: string | null = null) => ({
    targetAttributeName: target, source: { type: "Function", name: /^\w+/.exec(expression)![0], expression, parameters: [] }, defaultValue,
    exportMissingReferences: false, flowBehavior: "FlowWhenChanged", flowType: "Always", matchingPriority: 0,
  });

  it("maps values, drops IgnoreFlowIfNullOrEmpty attributes, redacts, and falls back to defaultValue on evaluation failures", () => {
    const schema = schemaWith([
      fn("displayName", 'Join(", ", [surname], [givenName])'),
      fn("userName", 'Replace([userPrincipalName], "@contoso.com", , , "", , )'),
      fn("title", "IgnoreFlowIfNullOrEmpty([manager])"),
      fn("externalId", "Redact([objectId])"),
      fn("name.givenName", 'IIF(IsPresent([manager]), [manager], "none")', "fallback"),
    ]);
    const plan = planFor(schema, { kind: "User", user })!;
    expect(plan.values).toEqual({ displayName: "Vance, Adele", userName: "AdeleV", externalId: "[Redact]", "name.givenName": "fallback" });
  });

  it("scopes with the documented operators (ENDS_WITH, Includes) and treats empty values as not matching", () => {
    const inScope = (clauses: Record<string, unknown>[]) => planFor(schemaWith([], clauses), { kind: "User", user })!.inScope;
    const clause = (sourceOperandName: string, operatorName: string, values: string[] = []) => ({ sourceOperandName, operatorName, targetOperand: { values } });
    expect(inScope([clause("mail", "ENDS_WITH", ["@contoso.com"])])).toBe(true);
    expect(inScope([clause("jobTitle", "Includes", ["Manager"]), clause("accountEnabled", "IS TRUE")])).toBe(true);
    expect(inScope([clause("jobTitle", "Includes", ["manager"])])).toBe(false);
    expect(inScope([clause("manager", "NOT EQUALS", ["x"])])).toBe(false);
    expect(inScope([clause("manager", "IS NULL")])).toBe(true);
    const group: DirectoryGroup = { id: "g1", displayName: "Sales", mailNickname: "Sales", mailEnabled: false, securityEnabled: true, members: ["u1", "u2"] };
    expect(planFor(schemaWith([]), { kind: "Group", group })?.values.members).toBe("u1;u2");
  });

  it("rejects schemas Graph would reject: undocumented operators, multi-valued scoping, case-mismatched functions, nested SelectUniqueValue", async () => {
    const h = await harness();
    try {
      const ids = await instantiate(h, CUSTOM, "Strict schema");
      const jobId = await createJob(h, ids.spId, "scim");
      const base = (await h.call("GET", `/servicePrincipals/${ids.spId}/synchronization/jobs/${jobId}/schema`)).body;
      const put = (mutate: (om: Record<string, unknown>) => void) => {
        const { "@odata.context": _c, ...schema } = structuredClone(base);
        mutate(schema.synchronizationRules[0].objectMappings[0]);
        return h.call("PUT", `/servicePrincipals/${ids.spId}/synchronization/jobs/${jobId}/schema`, schema);
      };
      const scope = (clauses: unknown[]) => (om: Record<string, unknown>) => {
        om.scope = { categoryFilterGroups: [], inputFilterGroups: [], groups: [{ name: "g", clauses }] };
      };
      const expression = (text: string) => (om: Record<string, unknown>) => {
        (om.attributeMappings as Record<string, unknown>[])[2].source = { type: "Function", name: /^\w+/.exec(text)![0], expression: text, parameters: [] };
      };
      const isIn = await put(scope([{ sourceOperandName: "jobTitle", operatorName: "IS IN", targetOperand: { values: ["Developer", "Designer"] } }]));
      expect(isIn.status).toBe(400);
      expect(isIn.body.error.details[0]).toMatchObject({ code: "InvalidSchema", target: "synchronizationRules[0].objectMappings[0].scope.groups[0].clauses[0].operatorName" });
      expect((await put(scope([{ sourceOperandName: "jobTitle", operatorName: "EQUALS", targetOperand: { values: ["a", "b"] } }]))).status).toBe(400);
      expect((await put(scope([{ sourceOperandName: "jobTitle", operatorName: "Greater_Than", targetOperand: { values: ["x"] } }]))).status).toBe(400);
      expect((await put(scope([{ sourceOperandName: "appRoleAssignments", operatorName: "EQUALS", targetOperand: { values: ["x"] } }]))).status).toBe(400);
      expect((await put(expression("toupper([displayName])"))).body.error.message).toContain("case-sensitive");
      expect((await put(expression('Join(" ", SelectUniqueValue([givenName], [surname]))'))).status).toBe(400);
      expect((await put(expression("SelectUniqueValue([givenName], [surname])"))).status).toBe(400);
      // Valid: documented operators and empty argument slots.
      expect((await put(scope([{ sourceOperandName: "userPrincipalName", operatorName: "ENDS_WITH", targetOperand: { values: ["@emulator.onmicrosoft.com"] } },
        { sourceOperandName: "accountEnabled", operatorName: "IS TRUE", targetOperand: { values: [] } }]))).status).toBe(204);
      expect((await put(expression('Replace([displayName], " ", , , ".", , )'))).status).toBe(204);
    } finally {
      await h.close();
    }
  });
});
