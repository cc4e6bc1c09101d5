// The demo's progress comes from the Automation API's engine events, not from Pulumi's text:
// finished steps counted once per resource (default providers left out, as Pulumi's display
// does), warnings and errors shown as they arrive, the summary from the SummaryEvent, and a
// failure's error lines without the command line (which can hold secret config values).
import type { EngineEvent, SummaryEvent } from "@pulumi/pulumi/automation";
import { commandErrorLines, describeDiagnostic, ProgressLine, summaryLines, withEngineProgress } from "../../provider/cli/engine-progress";

const STACK = "urn:pulumi:demo::p::pulumi:pulumi:Stack::p-demo";
const APP = "urn:pulumi:demo::p::entra:index:ProvisionedApplication$pulumi-nodejs:dynamic/entra:GalleryApplication::zoom";
const PROVIDER = "urn:pulumi:demo::p::pulumi:providers:pulumi-nodejs::default";

const outputs = (urn: string, type = urn.split("::")[2]): EngineEvent =>
  ({ sequence: 1, timestamp: 0, resOutputsEvent: { metadata: { op: "create", urn, type } } }) as unknown as EngineEvent;
const diagnostic = (severity: string, message: string, urn?: string): EngineEvent =>
  ({ sequence: 2, timestamp: 0, diagnosticEvent: { severity, message, color: "never", urn } }) as unknown as EngineEvent;
const summary = (resourceChanges: Record<string, number>, durationSeconds: number): SummaryEvent =>
  ({ maybeCorrupt: false, durationSeconds, resourceChanges, policyPacks: {} }) as SummaryEvent;

it("counts each resource's finished step once, leaving out default providers", () => {
  const written: string[] = [];
  const line = new ProgressLine({ expected: 2 }, (t) => written.push(t));
  for (const e of [outputs(PROVIDER, "pulumi:providers:pulumi-nodejs"), outputs(APP), outputs(STACK), outputs(STACK)]) line.onEvent(e);
  line.finish();
  expect(line.done).toBe(2);
  expect(written.at(-1)).toMatch(/\[#{25}\] 2\/2 resources/);
});

it("shows warnings and errors as they arrive, with the resource's name; not info, debug or package.json noise", () => {
  const written: string[] = [];
  const line = new ProgressLine("quiet", (t) => written.push(t));
  line.onEvent(diagnostic("info", "hello"));
  line.onEvent(diagnostic("debug", "RegisterResource RPC prepared"));
  line.onEvent(diagnostic("warning", "Could not find a package.json or package.yaml file for the program."));
  line.onEvent(diagnostic("warning", "careful\nsecond line\n"));
  line.onEvent(diagnostic("error", "<{%fg 1%}>Graph said no<{%reset%}>\n", APP));
  expect(written).toEqual(["  warning: careful\n    second line\n", "  error: zoom: Graph said no\n"]);
  expect(describeDiagnostic({ severity: "info#err", message: "x", color: "never" })).toBeUndefined();
});

it("words the summary as Pulumi does", () => {
  expect(summaryLines(summary({ create: 801 }, 83))).toEqual(["Resources:", "+ 801 created", "Duration: 1m23s"]);
  expect(summaryLines(summary({ update: 2, same: 799, replace: 1 }, 3723))).toEqual(["Resources:", "~ 2 updated", "+-1 replaced", "799 unchanged", "Duration: 1h2m3s"]);
  expect(summaryLines(undefined)).toEqual([]);
});

it("keeps Pulumi's error lines of a failed command, never the command line", () => {
  // As the Automation API words a failed `pulumi stack init` (pulumi 3.248).
  const err = new Error(
    "code: -2\n stdout: \n stderr: Command failed with exit code 1: /x/.tools/bin/pulumi config set-all --secret entra:clientSecret=s3cret --non-interactive\n" +
      "error: stack 'organization/exp/demo' already exists\n err?: Error: Command failed with exit code 1: /x/.tools/bin/pulumi config set-all --secret entra:clientSecret=s3cret\n" +
      "error: stack 'organization/exp/demo' already exists\n",
  );
  expect(commandErrorLines(err)).toEqual(["error: stack 'organization/exp/demo' already exists"]);
  const noErrorLine = new Error("code: -2\n stdout: \n stderr: Command failed with exit code 1: pulumi config set-all --secret k=s3cret\nspawn pulumi ENOENT\n err?: Error: Command failed\n");
  expect(commandErrorLines(noErrorLine)).toEqual(["spawn pulumi ENOENT"]);
});

describe("withEngineProgress", () => {
  let spy: jest.SpyInstance;
  beforeEach(() => {
    spy = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
  });
  afterEach(() => spy.mockRestore());

  it("returns the result and the summary event", async () => {
    const outcome = await withEngineProgress({ expected: 1 }, async (hooks) => {
      expect(hooks.color).toBe("never");
      hooks.onOutput("Updating (demo)\n  +  zo");
      hooks.onOutput("om created\n");
      hooks.onEvent(outputs(APP));
      hooks.onEvent({ sequence: 3, timestamp: 0, summaryEvent: summary({ create: 1 }, 2) });
      return "done";
    });
    expect(outcome).toEqual({ result: "done", summary: summary({ create: 1 }, 2), lines: ["Updating (demo)", "  +  zoom created"] });
  });

  it("never throws for a failed operation: the outcome carries the error and the output's tail", async () => {
    const failure = new Error("code: -2\n stderr: Command failed with exit code 255: pulumi up\nerror: update failed\n");
    const withOutput = await withEngineProgress("quiet", async (hooks) => {
      hooks.onError("error: something broke\n");
      throw failure;
    });
    expect(withOutput).toEqual({ error: failure, summary: undefined, lines: ["error: something broke"] });
    const silent = await withEngineProgress("quiet", async () => {
      throw failure;
    });
    expect(silent.lines).toEqual(["error: update failed"]);
  });
});
