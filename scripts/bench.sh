#!/usr/bin/env bash
# `npm run bench -- --instances N [--latency-ms L] [--replication-lag-ms R] [--throttle MODE]`
# Measures convergence against the emulator and the engine floor; see bench/provisioning.ts.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
source "$root/scripts/lib.sh"
bash scripts/setup.sh >&2
pulumi_offline_env
exec node dist/bench/provisioning.js "$@"
