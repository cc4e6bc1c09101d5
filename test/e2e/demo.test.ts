// The README's demo (`npm run demo`) at a small size: it must converge, catch every drifted
// resource it makes (exit 7, and each changed resource reported by the preview), correct it, and
// print its summary. `npm run demo` runs the same code at 200.
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
  // Measured: the resources the preview reports as changing, against the changes the demo made.
  const lines = out.split("\n");
  const made = lines.filter((l) => /^\s+- (renamed|paused) /.test(l)).length;
  const caught = /drift caught:\s+(\d+) of (\d+) changes/.exec(out);
  expect(made).toBe(2);
  expect(caught?.slice(1).map(Number)).toEqual([made, made]);
  expect(lines.filter((l) => /^\s+caught: update .+ \((GalleryApplication|ProvisioningJob)\)$/.test(l))).toHaveLength(made);
  expect(out).not.toMatch(/MISSED|drift missed/);
  expect(out).toContain("emulator stopped");
  expect(code).toBe(0);
});
