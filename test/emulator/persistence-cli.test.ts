import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runEmulatorCli } from "../../emulator/cli";
import { parseEmulatorArgs } from "../../emulator/cli";
import { createJob, CUSTOM, harness, instantiate, secretsSet } from "./helpers";

describe("state file and CLI", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "emu-test-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps state and credentials across restarts (atomic writes)", async () => {
    const stateFile = join(dir, "state.json");
    const h1 = await harness({ stateFile, http: true });
    const ids = await instantiate(h1, CUSTOM, "Persistent");
    const jobId = await createJob(h1, ids.spId);
    await h1.call("PUT", `/servicePrincipals/${ids.spId}/synchronization/secrets`, secretsSet([{ key: "BaseAddress", value: "https://x" }]));
    const creds = { tenantId: h1.emu.tenantId, clientId: h1.emu.clientId, clientSecret: h1.emu.clientSecret };
    await h1.close();
    expect(existsSync(stateFile)).toBe(true);
    expect(JSON.parse(readFileSync(stateFile, "utf8")).format).toBe(1);

    const h2 = await harness({ stateFile, http: true });
    expect({ tenantId: h2.emu.tenantId, clientId: h2.emu.clientId, clientSecret: h2.emu.clientSecret }).toEqual(creds);
    expect((await h2.call("GET", `/applications/${ids.appObjectId}`)).body.displayName).toBe("Persistent");
    expect((await h2.call("GET", `/servicePrincipals/${ids.spId}/synchronization/jobs/${jobId}`)).status).toBe(200);
    expect((await h2.call("GET", `/servicePrincipals/${ids.spId}/synchronization/secrets`)).body.value).toEqual(secretsSet([{ key: "BaseAddress", value: "https://x" }]).value);
    await h2.close();
  });

  it("parses flags", () => {
    const p = parseEmulatorArgs(["--port", "0", "--http", "--throttle", "identity-default", "--fault-rate", "0.1", "--seed", "3", "--json"]);
    expect(p.options).toEqual({ port: 0, http: true, throttle: "identity-default", faultRate: 0.1, seed: 3 });
    expect(p.json).toBe(true);
    expect(parseEmulatorArgs(["--throttle", "20"]).options.throttle).toBe(20);
    expect(() => parseEmulatorArgs(["--fault-rate", "3"])).toThrow(/fault-rate/);
    expect(() => parseEmulatorArgs(["--nope"])).toThrow();
  });

  it("prints one JSON line with --json and shuts down on SIGTERM", async () => {
    const lines: string[] = [];
    const spy = jest.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      const done = runEmulatorCli(["--json", "--port", "0", "--seed", "5", "--state-file", join(dir, "cli.json")]);
      const deadline = Date.now() + 5000;
      while (lines.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(lines).toHaveLength(1);
      const info = JSON.parse(lines[0]);
      expect(Object.keys(info).sort()).toEqual(["adminUrl", "authorityHost", "caFile", "clientId", "clientSecret", "graphUrl", "tenantId"].sort());
      expect(info.graphUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(existsSync(info.caFile)).toBe(true);
      process.emit("SIGTERM");
      await done;
      expect(existsSync(join(dir, "cli.json"))).toBe(true);
      expect(existsSync(info.caFile)).toBe(false);
    } finally {
      spy.mockRestore();
    }
  });
});
