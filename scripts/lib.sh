# Shared by the project's scripts: pinned versions, the engine cache, offline Pulumi settings.
# shellcheck shell=bash

PULUMI_VERSION=v3.248.0
PKG_NAME=pulumi-entra-provisioning

step() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

require_tools() {
  command -v node >/dev/null || die "Node.js >= 20.18 is required (Debian: apt-get install nodejs, or use nvm)."
  local node_major
  node_major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$node_major" -ge 20 ] || die "Node.js >= 20.18 is required, found $(node --version)."
  command -v go >/dev/null || die "Go >= 1.25.11 is required to build the Pulumi engine (Debian: apt-get install golang-1.25, or the go.dev tarball)."
}

# The cache key covers the Pulumi version and everything in the wrapper module that goes into
# the binaries, so a change to the language host or go.sum builds a new engine while other clones
# keep using the old one. The host's tests are left out: editing them changes no binary.
pulumi_cache_bin() {
  local key
  key=$(cd "$root/tools/pulumi" && cat go.mod go.sum $(printf '%s\n' langhost/*.go | grep -v '_test\.go$') | sha256sum | cut -c1-12)
  echo "${XDG_CACHE_HOME:-$HOME/.cache}/$PKG_NAME/pulumi-$PULUMI_VERSION-$key/bin"
}

# Build pulumi and our Node.js language host from the wrapper module in tools/pulumi. Builds
# into a temporary directory and renames it into place, so concurrent setups never see half a
# directory.
build_pulumi() {
  local bin_dir=$1
  local target cache tmp
  target=$(dirname "$bin_dir")
  cache=$(dirname "$target")
  mkdir -p "$cache"
  tmp=$(mktemp -d "$cache/.build-XXXXXX")
  local ldflags="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION"
  (
    cd "$root/tools/pulumi"
    # go.sum is committed, so every module is verified against it; -mod=readonly refuses to
    # change it. The checksum database itself is not reachable from our machines.
    export CGO_ENABLED=0 GOFLAGS=-mod=readonly GONOSUMDB='*' GOTOOLCHAIN=${GOTOOLCHAIN:-auto}
    go build -trimpath -tags osusergo,grpcnotrace -ldflags "$ldflags" -o "$tmp/bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
    go build -trimpath -tags osusergo,grpcnotrace -ldflags "$ldflags" -o "$tmp/bin/pulumi-language-nodejs" ./langhost
  )
  rm -rf "$target"
  mv "$tmp" "$target"
}

# The language host's Go tests (run, cancel, exit codes), with the module settings of the build.
langhost_go_test() {
  (
    cd "$root/tools/pulumi"
    export CGO_ENABLED=0 GOFLAGS=-mod=readonly GONOSUMDB='*' GOTOOLCHAIN=${GOTOOLCHAIN:-auto}
    go test ./...
  )
}

# Pulumi programs in this repo resolve @pulumi/pulumi and this package from the root
# node_modules: the package is copied there (a real copy, as `npm install` would place it), and
# every example links its node_modules to the root one.
refresh_program_deps() {
  local dest="$root/node_modules/$PKG_NAME"
  rm -rf "$dest.tmp"
  mkdir -p "$dest.tmp/dist"
  cp "$root/package.json" "$root/README.md" "$dest.tmp/"
  cp -R "$root/dist/provider" "$root/dist/emulator" "$dest.tmp/dist/"
  rm -rf "$dest" && mv "$dest.tmp" "$dest"
  local d
  for d in "$root"/examples/*/; do
    [ -f "$d/Pulumi.yaml" ] || continue
    [ -e "$d/node_modules" ] || ln -s ../../node_modules "$d/node_modules"
  done
}

# Everything that runs pulumi uses these: no update check, no plugin downloads, a local file
# backend and passphrase secrets, so nothing reaches for the network.
#
# The project's engine goes first on PATH only inside the project's own scripts, each its own
# bash process, so the change ends with the script. Sourced into an interactive shell, PATH is
# left alone: every other Node.js project run from that shell would otherwise silently get our
# minimal pulumi-language-nodejs instead of its own. There, run `.tools/bin/pulumi`: the engine
# finds the language host next to its own executable when PATH has none.
pulumi_offline_env() {
  case $- in
    *i*) echo "pulumi_offline_env: PATH unchanged in an interactive shell; run $root/.tools/bin/pulumi" >&2 ;;
    *) export PATH="$root/.tools/bin:$PATH" ;;
  esac
  export PULUMI_SKIP_UPDATE_CHECK=true
  export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
  export PULUMI_DISABLE_REGISTRY_RESOLVE=true
  export PULUMI_HOME="${PULUMI_HOME:-$root/.tools/pulumi-home}"
  export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$root/.tools/state}"
  export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-local-demo-passphrase}"
  mkdir -p "$PULUMI_HOME" "${PULUMI_BACKEND_URL#file://}"
}
