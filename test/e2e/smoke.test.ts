// Proves the toolchain: the real pulumi binary built from Go modules, our language host and the
// SDK's dynamic-provider plugin run a program through up, a no-change preview, refresh and
// destroy on a local file backend.
import * as fs from "node:fs";
import * as path from "node:path";
import { openProgram, ProgramRun, repoRoot } from "../helpers/pulumi";

jest.setTimeout(300_000);

describe("the real Pulumi engine", () => {
  let run: ProgramRun;
  let journal: string;

  beforeAll(async () => {
    run = await openProgram(path.join(repoRoot, "test", "fixtures", "smoke"));
    journal = path.join(run.stateDir, "..", "journal.log");
    await run.stack.setConfig("journal", { value: journal });
  });
  afterAll(() => run?.cleanup());

  const calls = () => (fs.existsSync(journal) ? fs.readFileSync(journal, "utf8").trim().split("\n") : []);

  it("is the pinned version built from Go modules", () => {
    const version = run.pulumi.version?.format();
    process.stdout.write(`pulumi engine: ${run.pulumi.command} v${version}\n`);
    expect(version).toBe("3.248.0");
  });

  it("creates through the dynamic provider on up", async () => {
    const result = await run.stack.up();
    expect(result.summary.result).toBe("succeeded");
    expect(result.outputs.resourceId.value).toBe("smoke-one");
    expect(calls()).toEqual(["create smoke-one"]);
  });

  it("previews no changes with --expect-no-changes", async () => {
    const preview = await run.stack.preview({ expectNoChanges: true });
    expect(preview.changeSummary.same).toBe(2);
  });

  it("reads through the provider on refresh", async () => {
    await run.stack.refresh();
    expect(calls()).toContain("read smoke-one");
  });

  it("deletes through the provider on destroy", async () => {
    await run.stack.destroy();
    expect(calls()[calls().length - 1]).toBe("delete smoke-one");
  });
});
