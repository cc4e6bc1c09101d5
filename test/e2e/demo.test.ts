// The README's demo (`npm run demo`) at a small size: it must converge, catch the drift it
// makes (exit 7), correct it, and print its summary. `npm run demo` runs the same code at 200.
import { execFile } from "node:child_process";
import * as path from "node:path";
import { offlineEnv, repoRoot } from "../helpers/pulumi";

jest.setTimeout(900_000);

it("runs the demo end to end and prints its summary", async () => {
  const { code, out } = await new Promise<{ code: number; out: string }>((resolve) => {
    execFile(
      process.execPath,
      [path.join(repoRoot, "dist", "provider", "cli", "main.js"), "demo", "--instances", "3", "--latency-ms", "10", "--replication-lag-ms", "500"],
      { cwd: repoRoot, env: { ...process.env, ...offlineEnv(path.join(repoRoot, ".tools", "demo", "state")) }, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, out: stdout + stderr }),
    );
  });
  expect(out).toContain("pulumi preview exit code: 7 (7 = drift detected)");
  expect(out).toContain("drift check after correction: exit 0 (clean)");
  expect(out).toMatch(/instances:\s+3 /);
  expect(out).toMatch(/drift caught:\s+2 of 2/);
  expect(out).toContain("emulator stopped");
  expect(code).toBe(0);
});
