/**
 * Keeps the jest tiers (jest.config.js) honest: a test file lands in `unit` unless it is listed
 * as `emulator` or `e2e`, so a new file that starts an emulator or runs a Pulumi program without
 * being listed would slow `npm run test:unit` and make it need setup. This fails and names it.
 */
import * as fs from "node:fs";
import * as path from "node:path";

interface Project {
  displayName: string;
  testRegex: string | string[];
  testPathIgnorePatterns?: string[];
}

const root = path.join(__dirname, "..", "..");
const { projects } = require(path.join(root, "jest.config.js")) as { projects: Project[] };
const project = (name: string): Project => projects.find((p) => p.displayName === name)!;
const patterns = (name: string): RegExp[] => [project(name).testRegex].flat().map((r) => new RegExp(r));

const testFiles = (fs.readdirSync(path.join(root, "test"), { recursive: true }) as string[])
  .filter((f) => f.endsWith(".test.ts"))
  .map((f) => path.join(root, "test", f));
const inTier = (name: string) => testFiles.filter((f) => patterns(name).some((r) => r.test(f)));
const unitFiles = testFiles.filter((f) => !(project("unit").testPathIgnorePatterns ?? []).some((p) => new RegExp(p).test(f)));

/** What a unit test must not start: the emulator, a Pulumi program, the Pulumi CLI. */
const STARTS = /\b(startEmulator|harness|openProgram|runPulumi|startPulumi)\(|LocalWorkspace|dist\/provider\/cli/;

const liveRun = process.env.ENTRA_LIVE_TEST === "1";
(liveRun ? describe.skip : describe)("jest tiers", () => {
  it("puts every test file in exactly one tier", () => {
    const tiers = [unitFiles, inTier("emulator"), inTier("e2e")];
    const counted = testFiles.map((f) => ({ file: path.relative(root, f), tiers: tiers.filter((t) => t.includes(f)).length }));
    expect(counted.filter((c) => c.tiers !== 1)).toEqual([]);
  });

  it("lists no emulator or e2e pattern that matches nothing", () => {
    for (const name of ["emulator", "e2e"]) {
      const unused = patterns(name).filter((r) => !testFiles.some((f) => r.test(f)));
      expect({ tier: name, unused: unused.map(String) }).toEqual({ tier: name, unused: [] });
    }
  });

  it("keeps the unit tier free of emulators and Pulumi programs", () => {
    const offenders = unitFiles
      .filter((f) => f !== __filename) // names what it looks for
      .map((f) => ({ file: path.relative(root, f), starts: STARTS.exec(fs.readFileSync(f, "utf8"))?.[0] }))
      .filter((o) => o.starts);
    expect(offenders).toEqual([]);
  });
});
