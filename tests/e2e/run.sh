#!/usr/bin/env bash
# End-to-end tests: the real Pulumi engine (CLI, nodejs language host and command/random plugins
# built by scripts/pulumi-toolchain.sh), three test machines booted with systemd
# (scripts/test-hosts.sh), a real RocketMQ, the dashboard and the guide's own quickstart client.
# Each scenario is a test; the run ends with "N passed, M failed". Needs Linux and root.
# RMQ_E2E_ONLY=REGEX runs only the host sets whose name matches (a g h h2 i u2 p l; t runs in a,
# x in g, u in l, f in u2), for development.
# RMQ_E2E_LANES=N (default 1) runs them in N lanes side by side, each on its own slot (run_lanes).
set -euo pipefail
# A failed assertion inside $(...) must end the test too.
shopt -s inherit_errexit
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/e2e/scenarios.sh
. "$(dirname "${BASH_SOURCE[0]}")/scenarios.sh"
# shellcheck source=tests/e2e/scenarios_upgrade.sh
. "$(dirname "${BASH_SOURCE[0]}")/scenarios_upgrade.sh"
# shellcheck source=tests/e2e/scenarios_recovery.sh
. "$(dirname "${BASH_SOURCE[0]}")/scenarios_recovery.sh"
# shellcheck source=tests/e2e/scenarios_topics.sh
. "$(dirname "${BASH_SOURCE[0]}")/scenarios_topics.sh"
# shellcheck source=tests/e2e/scenarios_auth.sh
. "$(dirname "${BASH_SOURCE[0]}")/scenarios_auth.sh"
# shellcheck source=tests/e2e/scenarios_example.sh
. "$(dirname "${BASH_SOURCE[0]}")/scenarios_example.sh"
# shellcheck source=tests/e2e/scenarios_layout.sh
. "$(dirname "${BASH_SOURCE[0]}")/scenarios_layout.sh"
# shellcheck source=tests/e2e/scenarios_refusals.sh
. "$(dirname "${BASH_SOURCE[0]}")/scenarios_refusals.sh"
# shellcheck source=tests/e2e/scenarios_hostkey.sh
. "$(dirname "${BASH_SOURCE[0]}")/scenarios_hostkey.sh"
# shellcheck source=tests/e2e/scenarios_roll.sh
. "$(dirname "${BASH_SOURCE[0]}")/scenarios_roll.sh"
# shellcheck source=tests/e2e/scenarios_roottrust.sh
. "$(dirname "${BASH_SOURCE[0]}")/scenarios_roottrust.sh"
# shellcheck source=tests/e2e/scenarios_replace.sh
. "$(dirname "${BASH_SOURCE[0]}")/scenarios_replace.sh"

passed=0 failed=0 results=()

run_test() { # run_test NAME FUNCTION: a failing command fails the test, not the run
  local name=$1 fn=$2 start=$SECONDS rc
  log "TEST $name"
  # Not in an `if`: errexit would be off inside the subshell, and a failed step must end the test.
  set +e
  (set -euo pipefail; "$fn")
  rc=$?
  set -e
  # A test that failed half way may leave its background clients (producers, probes) running.
  pkill -f -- "RmqSmoke.java .*$WORK/" 2>/dev/null || true
  if [ "$rc" -eq 0 ]; then
    passed=$((passed + 1)); results+=("PASS $name ($((SECONDS - start)) s)")
  else
    failed=$((failed + 1)); results+=("FAIL $name ($((SECONDS - start)) s)")
  fi
  log "${results[-1]}"
}

# A test that must not run because the one it builds on failed is a failure, not a skip.
blocked() { failed=$((failed + 1)); results+=("FAIL $1 (not run: $2 failed)"); log "${results[-1]}"; }

wanted() { [[ $1 =~ ${RMQ_E2E_ONLY:-.} ]]; }

# Fresh machines and a fresh stack for each host set: every set starts from empty disks.
fresh_hosts() { # fresh_hosts INIT: systemd or none
  hosts_down
  RMQ_TEST_HOSTS_INIT=$1 hosts_up
}

set_async() { # a-e, j, k: the guide's 2m-2s-async on systemd machines, updated in place
  fresh_hosts systemd
  # Brokers advertise the client network in this set: every client path below goes through it.
  client_network on
  run_test "a. 2m-2s-async $E2E_VERSION: preview, up, clusterList, systemd units, quickstart 1000, dashboard login" t_async_up
  if [ "${results[-1]:0:4}" != PASS ]; then
    local t
    for t in a3 a4 a5 a2 b b2 k2 c a6 d e e2 t1 t2 t3 t4 j k; do blocked "$t" "a"; done
    [ "$E2E_VERSION" = 5.5.0 ] && blocked "h2" "a"
    client_network off
    return 0
  fi
  # h2 on this cluster (set_v550 then deploys nothing of its own).
  if [ "$E2E_VERSION" = 5.5.0 ]; then
    run_test "h2. 5.5.0 2m-2s-async (set a's up, clusterList and quickstart 1000): the java.lang add-opens in every launcher" t_v550_add_opens
  fi
  run_test "a3. two networks: a client on the client network only sends and receives; HA replication on the cluster network" t_client_network
  run_test "a4. root trusts only root's files: all it runs or sources, and each parent, root's alone; the service user can change none; root's tools' home not in /tmp" t_root_trust
  run_test "a5. smoke runs leave no consumer groups piling up: an old run's group is deleted by the next run" t_smoke_leaves_no_group
  run_test "a2. secrets stay secret: not in the state (history, backups) nor the engine's output" t_secrets_stay_secret
  run_test "b. no change: preview --expect-no-changes, up touches no process" t_noop_rerun
  run_test "b2. toggling purgeDataOnDestroy restarts nothing" t_purge_toggle
  run_test "k2. a store path, storeRoot or topology change is refused at preview naming key, deployed and new value; no host contacted, nothing restarts" t_layout_refused
  run_test "c. broker-a heap change restarts only broker-a" t_targeted_change
  run_test "a6. up --replace of a deploy and an install command: the instance keeps running on its store, the tools stay" t_replace_keeps
  run_test "d. stack-wide broker property: brokers roll one at a time under load, nothing lost" t_rolling_all
  run_test "e. machine restart: systemd brings worker3's instances back, nothing lost" t_machine_restart
  run_test "e2. recovery: worker3 lost its processes (units stopped, disabled); up --refresh restarts exactly those, run again changes nothing" t_recovery_refresh
  # Topics as code on this cluster (scenarios_topics.sh), before its destroy.
  topics_tests
  run_test "j. destroy: no process, unit or tool left, stores kept" t_destroy_keeps_stores
  run_test "k. invalid config fails at preview, no host contacted" t_bad_input
  client_network off
}

set_sync() {
  client_network off
  fresh_hosts systemd
  run_test "g1. 2m-2s-sync $E2E_VERSION: up, clusterList, round trip" t_sync
  if [ "${results[-1]:0:4}" != PASS ]; then
    local t
    for t in g3 x1 x2 x3 x4 g4; do blocked "$t" "g1"; done
    return 0
  fi
  run_test "g3. a roll onto files that cannot start fails naming the broker, which is back on its old files; the revert restarts nothing" t_roll_fail_revert
  # Authentication on this cluster (scenarios_auth.sh), before g4 changes a host key.
  auth_tests
  # Last in the set: it changes a host's key (and puts it back).
  run_test "g4. a host whose SSH host key changed: up refused naming it, nothing run on any host" t_hostkey_changed
}

set_v497() {
  fresh_hosts systemd
  run_test "h. 4.9.7 2m-2s-async: up, clusterList, quickstart 1000" t_v497
  run_test "h. 4.9.7 destroy with purgeDataOnDestroy: stores removed" t_destroy_purges
}

set_v550() {
  # With 5.5.0 as the version under test, set a deploys exactly this (2m-2s-async 5.5.0, clusterList,
  # quickstart 1000) and runs h2's own check on its cluster: no second deploy of the same thing.
  [ "$E2E_VERSION" = 5.5.0 ] && wanted a && return 0
  fresh_hosts systemd
  run_test "h2. 5.5.0 2m-2s-async: up, clusterList, the java.lang add-opens, quickstart 1000" t_v550
}

set_nosystemd() {
  fresh_hosts none
  run_test "g2. 2m-noslave $E2E_VERSION on machines without systemd: up, clusterList, round trip" t_noslave_fallback
  if [ "${results[-1]:0:4}" != PASS ]; then
    blocked "i. fallback supervisor restarts a SIGKILLed broker" "g2"
    blocked "i2. recovery without systemd: up --refresh restarts worker3's lost instances" "g2"
    blocked "i. destroy on machines without systemd" "g2"
    return 0
  fi
  run_test "i. fallback supervisor restarts a SIGKILLed broker" t_fallback_restart
  run_test "i2. recovery without systemd: worker3's supervisors and JVMs killed; up --refresh restarts exactly those, run again changes nothing" t_recovery_nosystemd
  run_test "i. destroy on machines without systemd" t_destroy_keeps_stores
}

# Every host set with its function and its rough cost in minutes (the CI run's, on this machine
# kind), which the lanes are balanced by.
# t (topics) runs on set a's cluster, x (authentication) on set g's, u (version upgrade) on set l's,
# f (DLedger failover and rolls) on set u2's.
SETS=(a:set_async:19 g:set_sync:11 h:set_v497:2 h2:set_v550:4 i:set_nosystemd:5
  u2:set_upgrade_dledger:12 p:set_package:8 l:set_layout:17)

# One lane: the wanted sets, one after the other, on this slot's machines.
run_lane() {
  local entry set
  for entry in "${SETS[@]}"; do
    set=${entry%%:*}
    if wanted "$set"; then
      entry=${entry#*:}
      "${entry%%:*}"
    fi
  done
}

# RMQ_E2E_LANES=N (default 1): the wanted sets split into N lanes that run side by side, each on its
# own slot (RMQ_TEST_HOSTS_SLOT, then the next ones) with its own machines, stack and work dir;
# longest first, each to the lane with the least so far. Not the default: on the two-core CI machine
# two lanes did no more work per minute than one (every core busy: JVM boots, the engine, the
# clusters' own idle load) and a client timed out under the contention. Each lane is this script with
# RMQ_E2E_LANES=1 and the sets it got; their output is interleaved live, each line marked with
# its lane; the counts add up.
run_lanes() {
  local lanes=$1 entry set cost i best names=() costs=() pids=() rc=0 lp lf
  local -a sorted
  mapfile -t sorted < <(for entry in "${SETS[@]}"; do
    set=${entry%%:*}
    # h2's check runs in set a's lane (set_v550).
    [ "$set" = h2 ] && [ "$E2E_VERSION" = 5.5.0 ] && wanted a && continue
    wanted "$set" && echo "${entry##*:} $set"
  done | sort -rn)
  for ((i = 0; i < lanes; i++)); do names[i]="" costs[i]=0; done
  for entry in "${sorted[@]}"; do
    cost=${entry% *} set=${entry#* } best=0
    for ((i = 1; i < lanes; i++)); do [ "${costs[i]}" -lt "${costs[best]}" ] && best=$i; done
    names[best]+="${names[best]:+|}$set" costs[best]=$((costs[best] + cost))
  done
  local dir
  dir=$(mktemp -d)
  # shellcheck disable=SC2064  # the lanes' pids are known now
  for ((i = 0; i < lanes; i++)); do
    [ -n "${names[i]}" ] || continue
    log "lane $((i + 1)) on slot $((SLOT + i)): sets ${names[i]} (~${costs[i]} min)"
    RMQ_TEST_HOSTS_SLOT=$((SLOT + i)) RMQ_E2E_LANES=1 RMQ_E2E_PREPARED=1 RMQ_E2E_ONLY="^(${names[i]})\$" \
      RMQ_E2E_DEPLOY_LOCK="$dir/deploy.lock" \
      RMQ_E2E_WORK="" RMQ_E2E_FIGURES="" \
      bash "${BASH_SOURCE[0]}" > >(sed -u "s/^/[lane $((i + 1))] /" | tee "$dir/lane$i.log") 2>&1 &
    pids[i]=$!
  done
  trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
  for ((i = 0; i < lanes; i++)); do
    [ -n "${pids[i]:-}" ] || continue
    wait "${pids[i]}" || rc=1
  done
  trap - EXIT
  sleep 1
  for ((i = 0; i < lanes; i++)); do
    lf=$dir/lane$i.log
    [ -f "$lf" ] || continue
    lp=$(sed -n 's/^\[lane [0-9]*\] e2e: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$lf" | tail -1)
    if [ -z "$lp" ]; then
      failed=$((failed + 1)); results+=("FAIL lane $((i + 1)) (${names[i]}) ended without its count")
    else
      passed=$((passed + ${lp% *})) failed=$((failed + ${lp#* }))
    fi
    results+=("lane $((i + 1)), slot $((SLOT + i)) (${names[i]}):")
    mapfile -t -O "${#results[@]}" results < <(sed -n 's/^\[lane [0-9]*\] \(PASS\|FAIL\) /  \1 /p' "$lf")
  done
  rm -rf "$dir"
  return "$rc"
}

main() {
  local lanes=${RMQ_E2E_LANES:-1}
  if [ "${RMQ_E2E_PREPARED:-0}" != 1 ]; then
    prepare_toolchain
    prepare_artifacts
    # The machines' root image, built once before lanes could race to build it.
    "$REPO/scripts/test-hosts.sh" image >/dev/null
  else
    eval "$("$REPO/scripts/pulumi-toolchain.sh" env)"
  fi
  if [ "$lanes" -gt 1 ]; then
    run_lanes "$lanes" || true
    printf '%s\n' "${results[@]}"
    echo "e2e: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    return
  fi
  # RMQ_E2E_KEEP=1 leaves the last machines running for a look (scripts/test-hosts.sh down).
  [ "${RMQ_E2E_KEEP:-0}" = 1 ] || trap 'hosts_down' EXIT
  : >"$FIGURES"
  run_lane
  [ "${RMQ_E2E_KEEP:-0}" = 1 ] || hosts_down
  printf '%s\n' "${results[@]}"
  echo "figures:"
  cat "$FIGURES"
  echo "e2e: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then main "$@"; fi
