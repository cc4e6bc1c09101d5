/**
 * Three tiers, by what a test starts (README "Testing"):
 * - unit: pure logic and MockAgent tests. No emulator, no Pulumi CLI, no setup: `npm run test:unit`
 *   runs in seconds. Any test file not listed below lands here, and test/unit/tiers.test.ts fails
 *   if one of them starts an emulator or runs a Pulumi program.
 * - emulator: tests that start the Graph emulator (in-process or as a process), no Pulumi CLI.
 * - e2e: tests that run the real Pulumi CLI (the engine from `npm run setup`) against programs
 *   that load node_modules' copy of this package; their globalSetup rebuilds dist/ and refreshes
 *   that copy when the sources changed since it was made (test/helpers/fresh-package.ts).
 * `npm test` (scripts/test.sh) runs all three; `npm run test:<tier>` runs one.
 */
const EMULATOR = [
  "test/emulator/(?!fidelity-expressions\\.test\\.ts$)[^/]+\\.test\\.ts$",
  "test/graph/emulator\\.test\\.ts$",
  "test/graph/tls\\.test\\.ts$",
  "test/monitoring/functions\\.test\\.ts$",
  "test/reliability/serialize\\.test\\.ts$",
];
const E2E = [
  "test/e2e/[^/]+\\.test\\.ts$",
  "test/monitoring/(cli|on-demand)\\.test\\.ts$",
  "test/reliability/(adopt|bad-input|chaos|kill|leak)\\.test\\.ts$",
  "test/schema/schema\\.e2e\\.test\\.ts$",
];

// ENTRA_LIVE_TEST=1 runs the tenant scenario against a real tenant and nothing else: every
// other test needs the emulator (README "Testing against a real tenant").
const live = process.env.ENTRA_LIVE_TEST === "1";

const shared = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  // Type checking is `npm run typecheck`; jest only transpiles, which keeps the suite fast.
  transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
  testTimeout: 60000,
};
const tier = (name, testRegex, extra = {}) => ({ ...shared, displayName: name, testRegex, ...extra });
const unit = tier("unit", "\\.test\\.ts$", { testPathIgnorePatterns: ["/node_modules/", ...EMULATOR, ...E2E] });
const emulator = tier("emulator", EMULATOR);
const e2e = tier("e2e", live ? ["test/e2e/tenant\\.test\\.ts$"] : E2E, { globalSetup: "<rootDir>/test/helpers/fresh-package.ts" });

/** @type {import('jest').Config} */
module.exports = {
  projects: live ? [e2e] : [unit, emulator, e2e],
  testTimeout: 60000,
};
