/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  // ENTRA_LIVE_TEST=1 runs the tenant scenario against a real tenant and nothing else: every
  // other test needs the emulator (README "Testing against a real tenant").
  testMatch: process.env.ENTRA_LIVE_TEST === "1" ? ["**/test/e2e/tenant.test.ts"] : ["**/*.test.ts"],
  // Type checking is `npm run typecheck`; jest only transpiles, which keeps the suite fast.
  transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
  testTimeout: 60000,
};
