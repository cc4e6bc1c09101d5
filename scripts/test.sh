#!/usr/bin/env bash
# The project's one test command (`npm test`): sets up what is missing, then typecheck, lint and
# jest. Any failure fails the run. Extra arguments go to jest (e.g. `npm test -- test/graph`).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
source "$root/scripts/lib.sh"

bash scripts/setup.sh
pulumi_offline_env
step "engine under test: $(command -v pulumi) $(pulumi version)"
step "typecheck"; npx tsc -p tsconfig.json --noEmit
step "lint"; npx eslint .
step "jest"; npx jest --ci "$@"
