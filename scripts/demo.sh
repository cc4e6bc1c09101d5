#!/usr/bin/env bash
# The README's demo command (`npm run demo`): sets everything up on a fresh clone, then runs the
# demo. Arguments go to the demo runner (see `npm run demo -- --help`).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
source "$root/scripts/lib.sh"

bash scripts/setup.sh
pulumi_offline_env
exec node dist/provider/cli/main.js demo "$@"
