// The one error model: every code in the union has a README row and every README row a code;
// every error class carries its code and the cross-copy brand; context keeps the code.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EntraError, ERROR_CODES, InputError, isEntraError, withContext } from "../../provider/errors";
import { ConfigError, GraphError, isGraphError, type GraphClient } from "../../provider/graph";
import { findApplicationTemplate, lookupTemplate, TemplateLookupError } from "../../provider/functions/templates";
import { RuleSelectionError } from "../../provider/functions/on-demand";
import { ExpressionError, parseExpression } from "../../provider/resources/schema-expression";
import { FleetFileError, loadFleet } from "../../provider/fleet";
import { closest, editDistance } from "../../provider/suggest";
import { pulumiFailed, usageError } from "../../provider/cli/errors";
import { partialCreate } from "../../provider/resources/define";

/** The codes in the first column of the README's Troubleshooting table (a row may name several). */
function readmeCodes(): string[] {
  const readme = fs.readFileSync(path.join(__dirname, "../../README.md"), "utf8");
  const header = readme.indexOf("| code | meaning | what to do |");
  expect(header).toBeGreaterThanOrEqual(0);
  const rows = readme.slice(header).split("\n").slice(2);
  const codes: string[] = [];
  for (const row of rows) {
    if (!row.startsWith("|")) break;
    const first = row.split("|")[1];
    codes.push(...[...first.matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]));
  }
  return codes;
}

describe("error codes", () => {
  it("the README table lists exactly the exported codes, once each", () => {
    const documented = readmeCodes();
    expect(new Set(documented).size).toBe(documented.length);
    expect([...documented].sort()).toEqual([...ERROR_CODES].sort());
  });

  it("every error class is an EntraError with its code", () => {
    const cases: [Error, string][] = [
      [new GraphError({ code: "GRAPH_NOT_FOUND", summary: "gone." }), "GRAPH_NOT_FOUND"],
      [new ConfigError("entra:maxRetries", "bad"), "CONFIG_INVALID"],
      [new TemplateLookupError("TEMPLATE_AMBIGUOUS", "two"), "TEMPLATE_AMBIGUOUS"],
      [new RuleSelectionError("none"), "RULE_SELECTION"],
      [new FleetFileError("bad entry"), "FLEET_FILE_INVALID"],
      [new InputError("bad input"), "INPUT_INVALID"],
      [usageError("--since: no"), "CLI_USAGE"],
      [pulumiFailed("pulumi preview failed"), "PULUMI_COMMAND_FAILED"],
    ];
    for (const [error, code] of cases) {
      expect(isEntraError(error, code as never)).toBe(true);
      expect(error).toBeInstanceOf(EntraError);
      expect(error.name).not.toBe("Error");
      expect(ERROR_CODES).toContain(code);
    }
    const parsed = (() => {
      try {
        parseExpression("Join(");
      } catch (e) {
        return e;
      }
    })();
    expect(parsed).toBeInstanceOf(ExpressionError);
    expect(isEntraError(parsed, "EXPRESSION_INVALID")).toBe(true);
  });

  it("recognises errors from another copy of the package (the brand, not instanceof)", () => {
    let other: typeof import("../../provider/graph/errors") | undefined;
    jest.isolateModules(() => {
      other = require("../../provider/graph/errors");
    });
    const foreign = new other!.GraphError({ code: "GRAPH_THROTTLED", summary: "slow down." });
    expect(foreign).not.toBeInstanceOf(GraphError);
    expect(isGraphError(foreign, "GRAPH_THROTTLED")).toBe(true);
    expect(isEntraError(foreign, "GRAPH_THROTTLED")).toBe(true);
    expect(isEntraError(new Error("plain"))).toBe(false);
  });

  it("withContext keeps class, code and fields, and keeps the original as cause", () => {
    const original = new GraphError({ code: "GRAPH_FORBIDDEN", summary: "no access.", status: 403, requestId: "r-1" });
    const told = original.withContext("ProvisionOnDemand.ruleId: ");
    expect(told).toBeInstanceOf(GraphError);
    expect(told.code).toBe("GRAPH_FORBIDDEN");
    expect(told.status).toBe(403);
    expect(told.requestId).toBe("r-1");
    expect(told.message).toBe(`ProvisionOnDemand.ruleId: ${original.message}`);
    expect(told.cause).toBe(original);
    expect(told.stack).toContain("ProvisionOnDemand.ruleId: ");
    const plain = withContext(new TypeError("boom"), "X: ");
    expect(plain.message).toBe("X: boom");
    expect(isEntraError(plain)).toBe(false);
  });

  it("a partial create keeps the code of the error it reports", () => {
    const partial = partialCreate(new GraphError({ code: "GRAPH_UNAVAILABLE", summary: "down." }), "obj-1", { a: 1 }) as GraphError & { id: string; reasons: string[] };
    expect(isGraphError(partial, "GRAPH_UNAVAILABLE")).toBe(true);
    expect(partial.id).toBe("obj-1");
    expect(partial.reasons).toEqual([partial.message]);
  });

  it("GraphError.rephrased keeps the code and ids under a new summary and next step", () => {
    const original = new GraphError({ code: "GRAPH_BAD_REQUEST", summary: "bad.", status: 400, requestId: "r-2", graphCode: "Bad" });
    const told = original.rephrased("The app rejected the credentials.", "Fix them.");
    expect(told.code).toBe("GRAPH_BAD_REQUEST");
    expect(told.graphCode).toBe("Bad");
    expect(told.message).toBe("The app rejected the credentials. Fix them. (request-id: r-2)");
    expect(told.cause).toBe(original);
  });
});

describe("template lookup", () => {
  const ID = "11111111-2222-3333-4444-555555555555";
  /** A client that answers the template queries from `templates` (no HTTP). */
  function fakeClient(templates: { id: string; displayName: string; publisher?: string }[]): GraphClient {
    return {
      async get(req: { params?: { templateId?: string }; query?: { $filter?: string } }) {
        if (req.params?.templateId) {
          const found = templates.find((t) => t.id === req.params!.templateId);
          if (!found) throw new GraphError({ code: "GRAPH_NOT_FOUND", summary: "not found.", status: 404 });
          return { body: found };
        }
        const prefix = /startswith\(displayName,'(.*)'\)/.exec(req.query?.$filter ?? "")?.[1];
        const word = /contains\(displayName,'(.*)'\)/.exec(req.query?.$filter ?? "")?.[1];
        const value = templates.filter((t) => (prefix !== undefined && t.displayName.startsWith(prefix)) || (word !== undefined && t.displayName.includes(word)));
        return { body: { value } };
      },
      async list(req: { query: { $filter: string } }) {
        const name = /displayName eq '(.*)'/.exec(req.query.$filter)![1];
        return templates.filter((t) => t.displayName === name);
      },
    } as unknown as GraphClient;
  }
  const client = fakeClient([
    { id: ID, displayName: "Zoom", publisher: "Zoom" },
    { id: "a", displayName: "Box", publisher: "Box Inc" },
    { id: "b", displayName: "Box", publisher: "Someone else" },
  ]);

  it("finds by id and by the one matching name", async () => {
    expect((await lookupTemplate(client, { id: ID })).displayName).toBe("Zoom");
    expect((await lookupTemplate(client, { displayName: "Zoom" })).id).toBe(ID);
  });

  it("an ambiguous name is TEMPLATE_AMBIGUOUS and lists the candidates", async () => {
    const e = await lookupTemplate(client, { displayName: "Box" }).catch((x: unknown) => x);
    expect(isEntraError(e, "TEMPLATE_AMBIGUOUS")).toBe(true);
    expect((e as Error).message).toBe(`"Box" matches 2 gallery templates (a by Box Inc, b by Someone else); use the template id instead.`);
  });

  it("an unknown name is TEMPLATE_NOT_FOUND with suggestions; an unknown id keeps Graph's 404 as cause", async () => {
    const byName = await lookupTemplate(client, { displayName: "Zoomm" }).catch((x: unknown) => x);
    expect(isEntraError(byName, "TEMPLATE_NOT_FOUND")).toBe(true);
    expect((byName as Error).message).toBe(`no gallery application template is named "Zoomm". Did you mean "Zoom"?`);
    const other = "99999999-2222-3333-4444-555555555555";
    const byId = await lookupTemplate(client, { id: other }).catch((x: unknown) => x);
    expect(isEntraError(byId, "TEMPLATE_NOT_FOUND")).toBe(true);
    expect(isGraphError((byId as Error).cause, "GRAPH_NOT_FOUND")).toBe(true);
  });

  it("getApplicationTemplate names itself and rejects bad arguments as INPUT_INVALID", async () => {
    const e = await findApplicationTemplate(client, { displayName: "Box" }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TemplateLookupError);
    expect((e as Error).message).toMatch(/^getApplicationTemplate: "Box" matches 2/);
    await expect(findApplicationTemplate(client, {})).rejects.toMatchObject({ code: "INPUT_INVALID" });
    await expect(findApplicationTemplate(client, { id: "not-a-guid" })).rejects.toMatchObject({ code: "INPUT_INVALID" });
  });
});

describe("fleet file errors", () => {
  it("an unreadable or malformed file is FLEET_FILE_INVALID, naming the file", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-"));
    const missing = path.join(dir, "missing.yaml");
    expect(() => loadFleet(missing)).toThrow(expect.objectContaining({ code: "FLEET_FILE_INVALID", message: expect.stringContaining(missing) }));
    const bad = path.join(dir, "bad.yaml");
    fs.writeFileSync(bad, "instances: [\n");
    expect(() => loadFleet(bad)).toThrow(expect.objectContaining({ code: "FLEET_FILE_INVALID", message: expect.stringMatching(/not valid YAML/) }));
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe("suggestions", () => {
  it("one edit distance serves every 'did you mean'", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(closest("Zoomm", ["Zoom", "Box", "Slack"], 3)).toEqual(["Zoom"]);
  });
});
