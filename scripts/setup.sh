#!/usr/bin/env bash
# Idempotent setup: npm dependencies, the TypeScript build, the Pulumi engine built from Go
# modules (cached outside the clone), and the node_modules that example programs run with.
# Uses only the npm registry and the Go module proxy. A warm run takes seconds.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=scripts/lib.sh
source "$root/scripts/lib.sh"

start=$(date +%s)
require_tools

# 1. npm dependencies (re-run only when the lockfile changed).
stamp=node_modules/.setup-lock-hash
lock_hash=$(sha256sum package-lock.json | cut -c1-16)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  step "installing npm dependencies"
  # `npm install` rather than `npm ci`: the lockfile pins versions, and npm ci rejects locks that
  # lack other platforms' optional binaries (npm/cli#4828).
  npm install --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > "$stamp"
fi

# 2. TypeScript build.
step "building TypeScript"
npx tsc -p tsconfig.build.json
chmod +x dist/provider/cli/main.js 2>/dev/null || true

# 3. The Pulumi engine, built once per version and wrapper-module content, shared by clones.
bin_dir=$(pulumi_cache_bin)
if ! "$bin_dir/pulumi" version >/dev/null 2>&1 || [ ! -x "$bin_dir/pulumi-language-nodejs" ]; then
  step "building pulumi $PULUMI_VERSION from Go modules into $bin_dir (cold: several minutes)"
  build_pulumi "$bin_dir"
fi
# The dynamic-provider plugin is a shell script shipped in the SDK's npm package.
install -m 0755 node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs "$bin_dir/pulumi-resource-pulumi-nodejs"
mkdir -p .tools
ln -sfn "$bin_dir" .tools/bin

# 4. node_modules for Pulumi programs (examples, tests, demo): the SDK plus a real copy of this
#    package (never a symlink: the dynamic-provider shim must resolve it under node_modules).
refresh_program_deps

# 5. (monitoring tests) Headless Chromium, which test/monitoring opens the HTML fleet report in.
#    Installed only when missing and apt is available; a failure here does not fail setup (those
#    tests then report chromium as missing).
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  step "installing chromium (headless browser for the report test)"
  sudo_cmd=""
  if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then sudo_cmd="sudo -n"; fi
  { $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends chromium >/dev/null; } ||
    echo "warning: could not install chromium; the report rendering test will fail until it is installed" >&2
fi

step "setup done in $(( $(date +%s) - start ))s — $(.tools/bin/pulumi version)"
