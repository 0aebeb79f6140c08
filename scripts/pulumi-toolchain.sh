#!/usr/bin/env bash
# pulumi-toolchain.sh - the Pulumi engine this project's tests run: the pulumi CLI v3.259.0, the
# Node.js language host, and the resource plugins command 1.2.1 and random 4.21.1.
#
# Usage
#   scripts/pulumi-toolchain.sh          ensure the toolchain; last stdout line = the bin dir
#   scripts/pulumi-toolchain.sh env      ensure it, then print `export ...` lines for eval
#   scripts/pulumi-toolchain.sh cli      only the CLI (built if needed); last line = its dir
# Exit status 3: the CLI is there but the language host or a plugin is not (message says which).
#
# Where things come from
#   * A `pulumi` >= v3.259.0 on PATH with pulumi-language-nodejs beside it and both plugins
#     installed (`pulumi plugin install resource command 1.2.1`, `... random 4.21.1`, which
#     download on a machine with internet) is used as it is.
#   * Otherwise the CLI is built from the Go module github.com/pulumi/pulumi/pkg/v3@v3.259.0
#     (./cmd/pulumi; its relative `replace ../sdk` dropped, sdk/v3 pinned) and cached in
#     ${RMQ_PULUMI_CACHE:-$HOME/.cache/rocketmq-pulumi}/pulumi-v3.259.0/bin (cold: ~5 min on
#     2 cores with the Go module downloads; cached: instant).
#   * The language host and the plugins cannot be built here: the Go module proxy this machine
#     reaches refuses their modules ("403 This module version is not available"):
#       github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3 (any version)
#       github.com/pulumi/pulumi-command/provider (any version; the root module has no code)
#       github.com/pulumi/pulumi-random/provider/v4 (any version)
#     Genuine upstream binaries can be supplied in RMQ_PULUMI_PLUGIN_DIR (pulumi-language-nodejs,
#     pulumi-resource-command, pulumi-resource-random); they are registered with
#     `pulumi plugin install --file` into ${PULUMI_HOME:-$HOME/.pulumi}. Nothing home-made is
#     ever substituted for them.
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

# Language host and plugins: genuine binaries only, from PATH, PULUMI_HOME or RMQ_PULUMI_PLUGIN_DIR.
ensure_plugins() {
  local bin=$1 home dir p name v missing=()
  home=${PULUMI_HOME:-$HOME/.pulumi}
  dir=${RMQ_PULUMI_PLUGIN_DIR:-}
  if ! command -v pulumi-language-nodejs >/dev/null && [ ! -x "$bin/pulumi-language-nodejs" ]; then
    if [ -n "$dir" ] && [ -x "$dir/pulumi-language-nodejs" ]; then
      ln -sfn "$(readlink -f "$dir/pulumi-language-nodejs")" "$bin/pulumi-language-nodejs"
    else
      missing+=("pulumi-language-nodejs (module github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3)")
    fi
  fi
  for p in "${PLUGINS[@]}"; do
    name=${p%%:*} v=${p#*:}
    [ -x "$home/plugins/resource-$name-v$v/pulumi-resource-$name" ] && [ ! -e "$home/plugins/resource-$name-v$v/.rocketmq-pulumi-standin" ] && continue
    if [ -n "$dir" ] && [ -x "$dir/pulumi-resource-$name" ]; then
      (pulumi_quiet_env && "$bin/pulumi" plugin install resource "$name" "$v" --reinstall --file "$dir/pulumi-resource-$name" >&2)
    else
      missing+=("pulumi-resource-$name $v (module github.com/pulumi/pulumi-$name/provider)")
    fi
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    log "BLOCKED: not available on this machine: ${missing[*]}."
    log "The Go module proxy refuses these modules (403) and nothing else here serves them; install them"
    log "with 'pulumi plugin install' on a machine with internet, or put genuine binaries in RMQ_PULUMI_PLUGIN_DIR."
    return 3
  fi
}

main() {
  local bin
  if bin=$(installed_pulumi_dir); then
    log "using the installed pulumi in $bin"
  else
    ensure_cli
    bin=$BASE/bin
    if [ "$mode" != cli ]; then ensure_plugins "$bin" || exit 3; fi
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
