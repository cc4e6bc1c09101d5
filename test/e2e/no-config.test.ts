// A stack with no config at all (credentials from AZURE_* env, no `pulumi config set` yet) runs a
// program that reads config through the real CLI and our language host: preview and up succeed
// and the program sees an empty config, not a crash in the SDK's parseConfig.
import * as fs from "node:fs";
import * as path from "node:path";
import { openProgram, ProgramRun, repoRoot, runPulumi } from "../helpers/pulumi";

jest.setTimeout(300_000);

const TENANT = "00000000-0000-4000-8000-00000000feed";

describe("a stack with no config", () => {
  let run: ProgramRun;

  beforeAll(async () => {
    run = await openProgram(path.join(repoRoot, "test", "fixtures", "no-config"), {
      stackName: "fresh",
      env: { AZURE_TENANT_ID: TENANT },
    });
  });
  afterAll(() => run?.cleanup());

  it("has no config", async () => {
    expect(await run.stack.getAllConfig()).toEqual({});
    // The stack file holds only the passphrase salt, no `config:` section.
    expect(fs.readFileSync(path.join(run.workDir, "Pulumi.fresh.yaml"), "utf8")).not.toMatch(/^config:/m);
  });

  it("previews a config-reading program (exit 0, no parseConfig crash)", async () => {
    const preview = await runPulumi(run, ["preview", "--diff"]);
    const output = preview.stdout + preview.stderr;
    expect(output).not.toMatch(/TypeError|Cannot convert undefined or null to object/);
    expect(preview.code).toBe(0);
    expect(output).toMatch(/anything\s*:\s*"unset"/);
    expect(output).toContain(TENANT);
  });

  it("deploys it and exports what the program read", async () => {
    const up = await run.stack.up();
    expect(up.summary.result).toBe("succeeded");
    const outputs = Object.fromEntries(Object.entries(up.outputs).map(([k, v]) => [k, v.value]));
    expect(outputs).toEqual({
      anything: "unset",
      tenantId: TENANT,
      clientSecretSet: false,
      configKeys: 0,
      project: "no-config",
      stack: "fresh",
      organization: "organization",
    });
  });
});
