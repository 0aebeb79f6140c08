#!/usr/bin/env bash
# Shared by the end-to-end tests, the benchmark and the demo: the real Pulumi engine driving the
# stack against the three local test hosts (scripts/test-hosts.sh), artifacts served over HTTP
# from the bridge address. Sourced, not run.
# shellcheck disable=SC2034  # variables here are used by the scripts that source this file

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${RMQ_PULUMI_CACHE:-$HOME/.cache/rocketmq-pulumi}
DIST=$CACHE/dist
ARTIFACT_PORT=8765
# The test hosts' slot (scripts/test-hosts.sh): its subnets, and its own work dir, so that runs on
# different slots can share this machine.
SLOT=${RMQ_TEST_HOSTS_SLOT:-0}
NET=10.77.$SLOT
BRIDGE_IP=$NET.1
HOST_IPS=("$NET.11" "$NET.12" "$NET.13")
# The hosts' addresses on the client network, and the client namespace's own.
CLIENT_IPS=("10.78.$SLOT.11" "10.78.$SLOT.12" "10.78.$SLOT.13")
# The network brokers advertise (hosts[].clientAddress): the cluster network unless client_network
# on (scenarios.sh) makes the next stack_init advertise the client network.
ADV_NET=$NET
DASHBOARD_VERSION=${DASHBOARD_VERSION:-2.0.0}
# The RocketMQ version of the sets that test the stack itself (a, f, g, i, t, x): the project's
# default (Pulumi.yaml) unless RMQ_E2E_VERSION says otherwise. h, h2, u and u2 name theirs.
E2E_VERSION=${RMQ_E2E_VERSION:-$(awk '/^  rocketmq:version:/ { f = 1 } f && /default:/ { print $2; exit }' "$REPO/Pulumi.yaml")}
[[ $E2E_VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "no RocketMQ version for the e2e (RMQ_E2E_VERSION or Pulumi.yaml): '$E2E_VERSION'" >&2; exit 2; }
WORK=${RMQ_E2E_WORK:-/var/tmp/rmq-e2e${SLOT#0}}
FIGURES=${RMQ_E2E_FIGURES:-$WORK-figures.txt}
export PULUMI_CONFIG_PASSPHRASE=${PULUMI_CONFIG_PASSPHRASE:-rocketmq-pulumi-local-test}
# The engine runs the program through ts-node, which type-checks it: 13-16 s of CPU for a tree it has
# not seen (a new checkout, the example, an old commit's layout), about 1 s from its cache after
# that; transpiled only, 3 s cold. The typecheck step (tsc, test-all.sh) checks the same tree once.
export PULUMI_NODEJS_TRANSPILE_ONLY=${PULUMI_NODEJS_TRANSPILE_ONLY:-true}
# Every test's own backend: `pulumi login` alone is one setting for this whole machine, which a run
# on another slot would switch under this one.
export PULUMI_BACKEND_URL="file://$WORK/state"

log() { printf '\n[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# Toolchain, artifacts, hosts: everything a run needs, built or reused from the cache.
prepare_toolchain() {
  log "pulumi toolchain"
  eval "$("$REPO/scripts/pulumi-toolchain.sh" env)"
  pulumi version >&2
}

# RocketMQ 5.3.3, 5.5.0 and 4.9.7 (Maven Central jars, the guide's quickstart classes in lib/) and the
# dashboard (Maven build of ../shared/vendor): all cached in $DIST.
prepare_artifacts() {
  log "rocketmq artifacts"
  "$REPO/scripts/rocketmq-dist.sh" rocketmq 5.3.3 >&2
  "$REPO/scripts/rocketmq-dist.sh" rocketmq 4.9.7 >&2
  "$REPO/scripts/rocketmq-dist.sh" rocketmq 5.5.0 >&2
  "$REPO/scripts/rocketmq-dist.sh" dashboard "$DASHBOARD_VERSION" >&2
}

hosts_up() { # RMQ_TEST_HOSTS_INIT=none boots the machines without systemd
  log "test hosts up (init: ${RMQ_TEST_HOSTS_INIT:-systemd})"
  "$REPO/scripts/test-hosts.sh" up 3 >&2
  eval "$("$REPO/scripts/test-hosts.sh" env)"
  "$REPO/scripts/artifact-server.sh" start "$DIST" "$ARTIFACT_PORT" >&2
}

hosts_down() {
  "$REPO/scripts/artifact-server.sh" stop >&2 || true
  "$REPO/scripts/test-hosts.sh" down 3 >&2 || true
}

sha_of() { cut -d' ' -f1 "$1.sha512"; }

# copy_project DIR [TAR_OPTION...]: the project's working tree ($REPO, without node_modules and .git)
# into DIR; more tar options (--exclude=...) may follow.
copy_project() {
  local dir=$1
  shift
  (cd "$REPO" && tar --exclude=./node_modules --exclude=./.git "$@" -cf - .) | tar -xf - -C "$dir"
}

# A scratch copy of the project (the stack file gets secrets and a salt written into it): the working
# tree, or with COMMIT that commit's tree (git archive; scenarios_layout.sh deploys an old layout).
stack_init() { # stack_init [VERSION] [COMMIT]
  local version=${1:-$E2E_VERSION} commit=${2:-}
  log "stack local in $WORK (RocketMQ $version${commit:+, the project as of commit $commit})"
  rm -rf "$WORK"
  mkdir -p "$WORK/project" "$WORK/state"
  if [ -n "$commit" ]; then
    git -C "$REPO" archive "$commit" | tar -xf - -C "$WORK/project" || { log "git archive $commit failed in $REPO"; return 1; }
  else
    copy_project "$WORK/project"
  fi
  ln -s "$REPO/node_modules" "$WORK/project/node_modules"
  cd "$WORK/project" || return 1
  # The stack file names slot 0's addresses; with client_network on, brokers advertise eth1's.
  sed -i "s/10\.77\.0\./$NET./g" Pulumi.local.yaml
  if [ "$ADV_NET" != "$NET" ]; then
    sed -i -E "s/^( +)host: ${NET//./\\.}\.(1[0-9])\$/&\n\1clientAddress: $ADV_NET.\2/" Pulumi.local.yaml
    grep -c clientAddress Pulumi.local.yaml | grep -qx 3 || { log "could not write clientAddress into Pulumi.local.yaml"; return 1; }
  fi
  # Every host's SSH host key is pinned (hosts[].hostKey), so every run verifies keys. Not for an
  # old tree (COMMIT): its config has no such field.
  if [ -z "$commit" ]; then
    local name key
    while read -r name key; do
      sed -i -E "s|^( +)host: ${NET//./\\.}\\.1${name#worker}\$|&\n\1hostKey: \"$key\"|" Pulumi.local.yaml
    done < <("$REPO/scripts/test-hosts.sh" hostkeys 3)
    grep -c 'hostKey: "ssh-' Pulumi.local.yaml | grep -qx 3 || { log "could not pin the test hosts' SSH host keys in Pulumi.local.yaml"; return 1; }
  fi
  export PULUMI_BACKEND_URL="file://$WORK/state"
  pulumi login "$PULUMI_BACKEND_URL" >/dev/null
  pulumi stack init local >/dev/null 2>&1 || pulumi stack select local
  pulumi config set --secret rocketmq:sshPrivateKey <"$RMQ_TEST_HOSTS_KEY" >/dev/null
  use_version "$version"
  pulumi config set rocketmq:dashboardSha512 "$(sha_of "$DIST/rocketmq-dashboard-$DASHBOARD_VERSION.jar")"
}

use_version() {
  local v=$1 zip="rocketmq-all-$1-bin-release.zip"
  pulumi config set rocketmq:version "$v"
  pulumi config set rocketmq:downloadUrl "http://$BRIDGE_IP:$ARTIFACT_PORT/$zip"
  pulumi config set rocketmq:sha512 "$(sha_of "$DIST/$zip")"
}

# A stack's first up boots every JVM of a cluster at once, and two of those side by side (lanes,
# run.sh) starve each other on a two-core machine: with RMQ_E2E_DEPLOY_LOCK set, a first up waits
# for the lanes' others to finish theirs. Later ups (a roll restarts one JVM at a time) do not.
pulumi_up() {
  if [ -n "${RMQ_E2E_DEPLOY_LOCK:-}" ] && [ ! -e .e2e-deployed ]; then
    touch .e2e-deployed
    flock "$RMQ_E2E_DEPLOY_LOCK" pulumi up --yes --skip-preview --non-interactive "$@"
  else
    pulumi up --yes --skip-preview --non-interactive "$@"
  fi
}

on_host() { # on_host IP COMMAND...: run as root on a test host
  local ip=$1
  shift
  ssh -i "$RMQ_TEST_HOSTS_KEY" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes "root@$ip" "$@"
}

cluster_list() { on_host "${HOST_IPS[0]}" /app/rocketmq/bin/mqadmin clusterList 2>/dev/null; }

# "NAME BID ADDR" per broker row of clusterList, sorted.
broker_rows() { cluster_list | awk '$1 !~ /^#/ && NF >= 4 && $3 ~ /^[0-9]+$/ { print $2, $3, $4 }' | sort; }

instance_pid() { on_host "$1" /app/rocketmq/bin/rmq-service pid "$2"; }

# Every instance's PID, as "IP ID PID" lines.
all_pids() {
  local ip id
  for ip in "${HOST_IPS[@]}"; do
    for id in $(on_host "$ip" 'ls /app/rocketmq/instances 2>/dev/null'); do
      echo "$ip $id $(instance_pid "$ip" "$id")"
    done
  done
}

# RocketMQ JVMs of one host. Each test host has its own PID namespace; checking the network
# namespace as well keeps this right on hosts that share one.
rocketmq_pids() {
  # shellcheck disable=SC2016  # expanded on the host
  on_host "$1" 'self=$(readlink /proc/self/ns/net); for p in $(pgrep -f "[o]rg.apache.rocketmq|[r]ocketmq-dashboard"); do [ "$(readlink /proc/$p/ns/net 2>/dev/null)" = "$self" ] && echo "$p"; done; true'
}

# What a failed `pulumi up` said: its diagnostics (each failed command's own output) and summary.
up_failure() {
  { sed -n '/^Diagnostics:/,/^Outputs:/p' "$1" | grep -v -e 'RocketmqTransaction' | head -120; tail -8 "$1"; } >&2
}

record() { echo "$*" | tee -a "$FIGURES" >&2; }

fail() { echo "ASSERTION FAILED: $*" >&2; return 1; }

# The stack's smoke/failover client (tools/java/RmqSmoke.java), run on this machine against the
# hosts, with the lib/ of the distribution of VERSION (default E2E_VERSION).
smoke_client() { # SMOKE_NETNS=NS runs it inside network namespace NS
  local pre=()
  [ -z "${SMOKE_NETNS:-}" ] || pre=(ip netns exec "$SMOKE_NETNS")
  local lib="$DIST/unpacked/rocketmq-all-${VERSION:-$E2E_VERSION}-bin-release/lib"
  if [ ! -d "$lib" ]; then
    mkdir -p "$DIST/unpacked"
    unzip -q -o "$DIST/rocketmq-all-${VERSION:-$E2E_VERSION}-bin-release.zip" -d "$DIST/unpacked"
  fi
  mkdir -p "$WORK/client-home"
  "${pre[@]}" java -Xmx256m -Duser.home="$WORK/client-home" -cp "$lib/*" "$REPO/tools/java/RmqSmoke.java" "$@"
}

NAMESRV_ADDRS="${HOST_IPS[0]}:9876;${HOST_IPS[1]}:9876;${HOST_IPS[2]}:9876"
