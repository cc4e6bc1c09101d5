#!/usr/bin/env bash
# The project's one test command (`npm test`): sets up what is missing, then typecheck, lint and
# jest (all three tiers of jest.config.js: unit, emulator, e2e). Any failure fails the run. Extra
# arguments go to jest (e.g. `npm test -- test/graph`, `npm test -- --selectProjects unit --ci`).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
source "$root/scripts/lib.sh"

bash scripts/setup.sh
# setup just built dist/ and copied it into node_modules: record that, so the e2e tier's
# globalSetup (test/helpers/fresh-package.ts) does not rebuild it a second time.
node -r ts-node/register/transpile-only -e 'require("./test/helpers/fresh-package").recordFreshCopy()'
pulumi_offline_env
step "engine under test: $(command -v pulumi) $(pulumi version)"
step "typecheck"; npx tsc -p tsconfig.json --noEmit
step "lint"; npx eslint .
step "language host (go test)"; langhost_go_test
step "jest"; npx jest --ci "$@"
