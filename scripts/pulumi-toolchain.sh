#!/usr/bin/env bash
# pulumi-toolchain.sh - the Pulumi engine this project's tests run: the pulumi CLI v3.259.0, the
# Node.js language host, and the resource plugins command 1.2.1 and random 4.21.1.
#
# Usage
#   scripts/pulumi-toolchain.sh          ensure the toolchain; last stdout line = the bin dir
#   scripts/pulumi-toolchain.sh env      ensure it, then print `export ...` lines for eval
#   scripts/pulumi-toolchain.sh cli      only the CLI (built if needed); last line = its dir
#
# Where things come from
#   * A `pulumi` >= v3.259.0 on PATH with pulumi-language-nodejs beside it and both plugins
#     installed (`pulumi plugin install resource command 1.2.1`, `... random 4.21.1`, which
#     download on a machine with internet) is used as it is.
#   * Otherwise everything is built from source and cached by version in
#     ${RMQ_PULUMI_CACHE:-$HOME/.cache/rocketmq-pulumi}/pulumi-v3.259.0 (bin/: CLI and language
#     host; plugins/: the two providers):
#       - the CLI from the Go module github.com/pulumi/pulumi/pkg/v3@v3.259.0 (its relative
#         `replace ../sdk` dropped, sdk/v3 pinned);
#       - the nodejs language host and the command/random providers from the unmodified upstream
#         sources in ../shared/vendor (RMQ_VENDOR_DIR), on a copy, with dependencies from the Go
#         module proxy (which refuses these three modules themselves). The build facts (which
#         replaces to drop, which refused dependencies to bump) are in ../shared/vendor/README.md.
#     Cold: ~5 min for the CLI plus ~7 min for the other three on 2 cores; cached: instant.
#   * RMQ_PULUMI_PLUGIN_DIR, if set, supplies genuine binaries instead (pulumi-language-nodejs,
#     pulumi-resource-command, pulumi-resource-random); nothing home-made is ever substituted.
# Plugins are registered with `pulumi plugin install --file` into ${PULUMI_HOME:-$HOME/.pulumi};
# nothing is downloaded at run time.
#   * Next to a CLI built here goes pulumi-resource-pulumi-nodejs, the provider of Node.js dynamic
#     resources (the stack's InstanceRunning). A release ships it beside `pulumi`, where the engine
#     looks for it (then on PATH); it is only a launcher for @pulumi/pulumi/cmd/dynamic-provider of
#     the project's node_modules, so ours is written here (write_dynamic_launcher).
#
# Environment the engine then needs (this is what `env` prints):
#   PATH=<bin dir>:$PATH, PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true,
#   PULUMI_SKIP_UPDATE_CHECK=true, PULUMI_DISABLE_REGISTRY_RESOLVE=true
# plus what each caller chooses: PULUMI_HOME, PULUMI_CONFIG_PASSPHRASE, `pulumi login file://DIR`.

set -euo pipefail

PULUMI_VERSION=3.259.0
COMMAND_VERSION=1.2.1
RANDOM_VERSION=4.21.1

CACHE_ROOT=${RMQ_PULUMI_CACHE:-$HOME/.cache/rocketmq-pulumi}
BASE=$CACHE_ROOT/pulumi-v$PULUMI_VERSION
REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PLUGINS=("command:$COMMAND_VERSION" "random:$RANDOM_VERSION")

log() { printf '[pulumi-toolchain] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

mode=${1:-bin}
case $mode in
  bin | env | cli) ;;
  -h | --help | help) usage; exit 0 ;;
  *) usage >&2; exit 2 ;;
esac

TMPS=()
cleanup() {
  local d
  for d in "${TMPS[@]}"; do
    [ -n "$d" ] && rm -rf "$d"
  done
}
trap cleanup EXIT

pulumi_quiet_env() {
  export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true PULUMI_SKIP_UPDATE_CHECK=true \
    PULUMI_DISABLE_REGISTRY_RESOLVE=true
}

version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -1)" = "$2" ]; }

# ---------------------------------------------------------------------------------------
# 1. An installed pulumi, if it is good enough.
# ---------------------------------------------------------------------------------------
installed_pulumi_dir() {
  [ "${RMQ_PULUMI_FORCE_BUILD:-}" = 1 ] && return 1
  local exe dir ver home p name v
  exe=$(command -v pulumi 2>/dev/null) || return 1
  exe=$(readlink -f "$exe")
  case $exe in "$(readlink -m "$CACHE_ROOT")"/*) return 1 ;; esac
  dir=$(dirname "$exe")
  [ -x "$dir/pulumi-language-nodejs" ] || command -v pulumi-language-nodejs >/dev/null || return 1
  ver=$(PULUMI_SKIP_UPDATE_CHECK=true "$exe" version 2>/dev/null) || return 1
  version_ge "${ver#v}" "$PULUMI_VERSION" || return 1
  home=${PULUMI_HOME:-$HOME/.pulumi}
  for p in "${PLUGINS[@]}"; do
    name=${p%%:*} v=${p#*:}
    [ -x "$home/plugins/resource-$name-v$v/pulumi-resource-$name" ] \
      || command -v "pulumi-resource-$name" >/dev/null || return 1
  done
  printf '%s\n' "$dir"
}

check_go() {
  command -v go >/dev/null || die "go is not on PATH (need go >= 1.25; the Go module proxy must be reachable)"
  local gv
  gv=$(go env GOVERSION)
  version_ge "${gv#go}" 1.25 || die "need go >= 1.25, found $gv"
}

go_env() {
  # Go's default module and build caches (outside the repo); never switch toolchains.
  export GOTOOLCHAIN=local GOFLAGS="${GOFLAGS:--buildvcs=false}"
  export GOMODCACHE=${GOMODCACHE:-$(go env GOMODCACHE)} GOCACHE=${GOCACHE:-$(go env GOCACHE)}
}

# build_cli OUT_DIR: the pulumi CLI from github.com/pulumi/pulumi/pkg/v3.
build_cli() {
  local out=$1 work modjson dir r
  local mod=github.com/pulumi/pulumi/pkg/v3
  work=$(mktemp -d "$BASE/tmp.cli.XXXXXX")
  TMPS+=("$work")
  modjson=$(cd "$work" && go mod download -json "$mod@v$PULUMI_VERSION") \
    || die "go mod download $mod@v$PULUMI_VERSION failed: $modjson"
  dir=$(printf '%s\n' "$modjson" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
  [ -d "$dir" ] || die "no Dir in: $modjson"
  cp -R "$dir" "$work/pkg"
  chmod -R u+w "$work/pkg"
  (
    cd "$work/pkg"
    # Drop every replace that points at a relative path (../sdk in the pulumi monorepo).
    while read -r r; do
      go mod edit -dropreplace="$r"
    done < <(awk '
        /^replace[[:space:]]*\($/ { blk = 1; next }
        blk && /^\)/ { blk = 0; next }
        { line = $0; sub(/^replace[[:space:]]+/, "", line); sub(/^[[:space:]]+/, "", line) }
        (blk || /^replace[[:space:]]/) && line ~ /=>[[:space:]]*\.\.?\// { split(line, f, /[[:space:]]+/); print (f[2] == "=>" ? f[1] : f[1] "@" f[2]) }
      ' go.mod)
    go get "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION"
    go build -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
      -o "$out/pulumi" ./cmd/pulumi
  )
  "$out/pulumi" version >/dev/null || die "the built pulumi does not run"
}


ensure_cli() {
  local t0 tmp
  mkdir -p "$BASE"
  exec 9>"$BASE/.lock"
  flock 9
  [ -x "$BASE/bin/pulumi" ] && return 0
  rm -rf "$BASE"/tmp.*
  check_go
  go_env
  t0=$(now)
  log "building pulumi CLI v$PULUMI_VERSION from Go modules (several minutes)..."
  tmp=$(mktemp -d "$BASE/tmp.bin.XXXXXX")
  TMPS+=("$tmp")
  build_cli "$tmp"
  chmod 0755 "$tmp"
  rm -rf "${BASE:?}/bin"
  mv "$tmp" "$BASE/bin"
  echo "pulumi CLI v$PULUMI_VERSION: $(since "$t0") (built $(date -Is))" >"$BASE/build-times.txt"
  log "pulumi CLI built in $(since "$t0")"
}

# ---------------------------------------------------------------------------------------
# 2. The language host and the plugins, built from the upstream sources in ../shared/vendor.
# ---------------------------------------------------------------------------------------
# build_go NAME SRC_DIR PKG LDFLAGS_X OUT [PREP]: copy SRC_DIR (read-only input) to a work dir,
# run PREP there (a function name, or ""), build PKG into OUT with the version stamp LDFLAGS_X.
build_go() {
  local name=$1 src=$2 pkg=$3 stamp=$4 out=$5 prep=${6:-} work t0
  [ -d "$src" ] || die "upstream source of $name not found at $src (RMQ_VENDOR_DIR, see ../shared/vendor/README.md)"
  t0=$(now)
  log "building $name from $src (a few minutes on a cold module cache)..."
  work=$(mktemp -d "$BASE/tmp.$name.XXXXXX")
  TMPS+=("$work")
  cp -R "$src/." "$work/"
  chmod -R u+w "$work"
  (
    cd "$work"
    [ -z "$prep" ] || "$prep"
    GOFLAGS="$GOFLAGS -mod=mod" go build -ldflags "-s -w -X $stamp" -o "$out.tmp" "$pkg"
  ) >&2 || die "building $name failed (output above)"
  mv "$out.tmp" "$out"
  echo "$name: $(since "$t0") (built $(date -Is))" >>"$BASE/build-times.txt"
  log "$name built in $(since "$t0")"
}

# The language host lives in the pulumi monorepo: its go.mod points pkg/sdk at relative paths.
prep_language_host() {
  go mod edit -dropreplace=github.com/pulumi/pulumi/pkg/v3 -dropreplace=github.com/pulumi/pulumi/sdk/v3 \
    -require="github.com/pulumi/pulumi/pkg/v3@v$PULUMI_VERSION" -require="github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION"
}

# Three modules random's go.mod names are refused by the proxy; these newer ones are served.
prep_random() {
  go mod edit -require=github.com/pulumi/pulumi-yaml@v1.38.0 \
    -require=github.com/pulumi/pulumi-dotnet/pulumi-language-dotnet/v3@v3.110.0 \
    -require=github.com/pulumi/pulumi-java@v1.33.0
  (cd cmd/pulumi-resource-random && VERSION=$RANDOM_VERSION GOFLAGS="$GOFLAGS -mod=mod" go generate ./...)
}

# ensure_built_plugins BIN: language host next to the CLI; plugins in $BASE/plugins, registered
# with the CLI. Each is built once per version; a failed build leaves nothing behind.
ensure_built_plugins() {
  local bin=$1 vendor=${RMQ_VENDOR_DIR:-$REPO_DIR/../shared/vendor} pdir=$BASE/plugins
  mkdir -p "$pdir"
  if [ ! -x "$bin/pulumi-language-nodejs" ]; then
    check_go; go_env
    build_go pulumi-language-nodejs "$vendor/pulumi-language-nodejs-$PULUMI_VERSION/sdk/nodejs/cmd/pulumi-language-nodejs" \
      . "github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" "$bin/pulumi-language-nodejs" prep_language_host
  fi
  if [ ! -x "$pdir/pulumi-resource-command-v$COMMAND_VERSION" ]; then
    check_go; go_env
    build_go pulumi-resource-command "$vendor/pulumi-command-$COMMAND_VERSION/provider" ./cmd/pulumi-resource-command \
      "github.com/pulumi/pulumi-command/provider/pkg/version.Version=$COMMAND_VERSION" "$pdir/pulumi-resource-command-v$COMMAND_VERSION"
  fi
  if [ ! -x "$pdir/pulumi-resource-random-v$RANDOM_VERSION" ]; then
    check_go; go_env
    build_go pulumi-resource-random "$vendor/pulumi-random-$RANDOM_VERSION/provider" ./cmd/pulumi-resource-random \
      "github.com/pulumi/pulumi-random/provider/v4/pkg/version.Version=$RANDOM_VERSION" "$pdir/pulumi-resource-random-v$RANDOM_VERSION" prep_random
  fi
}

# The engine runs pulumi-resource-pulumi-nodejs ENGINE_ADDRESS in the project directory and reads
# the port it prints. The provider itself is in @pulumi/pulumi (cmd/dynamic-provider), resolved the
# way node resolves the program's own modules: from the working directory upwards. The dynamic
# resources' code arrives serialized (plain JavaScript) with each resource, so no TypeScript here.
write_dynamic_launcher() {
  local bin=$1 file=$1/pulumi-resource-pulumi-nodejs tmp
  tmp=$(mktemp "$bin/.dynamic-launcher.XXXXXX")
  cat >"$tmp" <<'LAUNCHER'
#!/bin/sh
# pulumi-resource-pulumi-nodejs ENGINE_ADDRESS: serves the Node.js dynamic resources of the project
# in the working directory (written by rocketmq-pulumi's scripts/pulumi-toolchain.sh).
set -eu
if ! entry=$(node -e 'process.stdout.write(require.resolve("@pulumi/pulumi/cmd/dynamic-provider", { paths: [process.cwd()] }))'); then
  echo "pulumi-resource-pulumi-nodejs: no @pulumi/pulumi in $(pwd) or above it (run npm ci in the project)" >&2
  exit 1
fi
exec node "$entry" "$@"
LAUNCHER
  chmod 0755 "$tmp"
  if cmp -s "$tmp" "$file"; then rm -f "$tmp"; else mv -f "$tmp" "$file"; fi
}

supplied_plugins() { # RMQ_PULUMI_PLUGIN_DIR holds all three binaries
  local d=${RMQ_PULUMI_PLUGIN_DIR:-}
  [ -n "$d" ] && [ -x "$d/pulumi-language-nodejs" ] && [ -x "$d/pulumi-resource-command" ] && [ -x "$d/pulumi-resource-random" ]
}

# Register the plugins with the CLI (PULUMI_HOME), from RMQ_PULUMI_PLUGIN_DIR if given, else from
# the ones built above. A plugin already registered from the same file is left alone.
register_plugins() {
  local bin=$1 home p name v file
  home=${PULUMI_HOME:-$HOME/.pulumi}
  if supplied_plugins; then
    ln -sfn "$(readlink -f "$RMQ_PULUMI_PLUGIN_DIR/pulumi-language-nodejs")" "$bin/pulumi-language-nodejs"
  fi
  for p in "${PLUGINS[@]}"; do
    name=${p%%:*} v=${p#*:}
    file=$BASE/plugins/pulumi-resource-$name-v$v
    if supplied_plugins; then
      file=$RMQ_PULUMI_PLUGIN_DIR/pulumi-resource-$name
    fi
    [ -x "$file" ] || die "no pulumi-resource-$name $v to register ($file)"
    if cmp -s "$file" "$home/plugins/resource-$name-v$v/pulumi-resource-$name"; then continue; fi
    (pulumi_quiet_env && "$bin/pulumi" plugin install resource "$name" "$v" --reinstall --file "$file" >&2)
  done
}

main() {
  local bin
  if bin=$(installed_pulumi_dir); then
    log "using the installed pulumi in $bin"
  else
    ensure_cli
    bin=$BASE/bin
    if [ "$mode" != cli ]; then
      supplied_plugins || ensure_built_plugins "$bin"
      register_plugins "$bin"
      write_dynamic_launcher "$bin"
    fi
  fi
  if [ "$mode" = env ]; then
    # shellcheck disable=SC2016 # $PATH is expanded by the caller's eval
    printf 'export PATH=%q:"$PATH"\n' "$bin"
    echo "export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true"
    echo "export PULUMI_SKIP_UPDATE_CHECK=true"
    echo "export PULUMI_DISABLE_REGISTRY_RESOLVE=true"
  else
    printf '%s\n' "$bin"
  fi
}

main
