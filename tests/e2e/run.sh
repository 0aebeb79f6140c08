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

SCENARIOS=$REPO/tests/e2e/scenarios.tsv
# scenario NAME: "BUDGET<TAB>TITLE" of scenario NAME (scenarios.tsv), its placeholders filled in.
scenario() {
  local line title
  line=$(awk -F'\t' -v n="$1" '$1 == n { print $3 "\t" $4; found = 1 } END { exit !found }' "$SCENARIOS") ||
    { echo "e2e: scenario '$1' is not in tests/e2e/scenarios.tsv" >&2; return 1; }
  title=${line#*$'\t'}
  title=${title//\{version\}/$E2E_VERSION}
  title=${title//\{layoutBase\}/${LAYOUT_BASE:-}}
  printf '%s\t%s\n' "${line%%$'\t'*}" "$title"
}

budgets=()
run_test() { # run_test NAME FUNCTION: a failing command fails the test, not the run
  local name=$1 fn=$2 start=$SECONDS rc info budget title took
  info=$(scenario "$name") || info=$'0\t(not in tests/e2e/scenarios.tsv)'
  budget=${info%%$'\t'*} title=${info#*$'\t'}
  log "TEST $name: $title"
  # Not in an `if`: errexit would be off inside the subshell, and a failed step must end the test.
  set +e
  (set -euo pipefail; "$fn")
  rc=$?
  set -e
  # A test that failed half way may leave its background clients (producers, probes) running.
  pkill -f -- "RmqSmoke.java .*$WORK/" 2>/dev/null || true
  took=$((SECONDS - start))
  if [ "$rc" -eq 0 ]; then
    passed=$((passed + 1)); results+=("PASS $name: $title ($took s)")
  else
    failed=$((failed + 1)); results+=("FAIL $name: $title ($took s)")
  fi
  budgets+=("$(printf '%-28s %5d s of %4d s%s' "$name" "$took" "$budget" "$([ "$took" -le "$budget" ] || echo "  OVER BUDGET")")")
  log "${results[-1]}"
}

# A test that must not run because the one it builds on failed is a failure, not a skip.
blocked() { # blocked NAME BY
  local info
  info=$(scenario "$1") || info=$'0\t(not in tests/e2e/scenarios.tsv)'
  failed=$((failed + 1)); results+=("FAIL $1: ${info#*$'\t'} (not run: $2 failed)"); log "${results[-1]}"
}

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
  run_test async-deploy t_async_up
  if [ "${results[-1]:0:4}" != PASS ]; then
    local t
    for t in two-networks root-trust smoke-leaves-no-group secrets-stay-secret noop-rerun purge-toggle-no-restart layout-change-refused one-broker-heap-change replace-keeps-instance rolling-under-load machine-restart recovery-refresh topics-create topics-queue-change topics-removed-kept topics-replace-then-delete destroy-keeps-stores bad-input-refused; do blocked "$t" async-deploy; done
    [ "$E2E_VERSION" = 5.5.0 ] && blocked v550-add-opens async-deploy
    client_network off
    return 0
  fi
  # h2 on this cluster (set_v550 then deploys nothing of its own).
  if [ "$E2E_VERSION" = 5.5.0 ]; then
    run_test v550-add-opens t_v550_add_opens
  fi
  run_test two-networks t_client_network
  run_test root-trust t_root_trust
  run_test smoke-leaves-no-group t_smoke_leaves_no_group
  run_test secrets-stay-secret t_secrets_stay_secret
  run_test noop-rerun t_noop_rerun
  run_test purge-toggle-no-restart t_purge_toggle
  run_test layout-change-refused t_layout_refused
  run_test one-broker-heap-change t_targeted_change
  run_test replace-keeps-instance t_replace_keeps
  run_test rolling-under-load t_rolling_all
  run_test machine-restart t_machine_restart
  run_test recovery-refresh t_recovery_refresh
  # Topics as code on this cluster (scenarios_topics.sh), before its destroy.
  topics_tests
  run_test destroy-keeps-stores t_destroy_keeps_stores
  run_test bad-input-refused t_bad_input
  client_network off
}

set_sync() {
  client_network off
  fresh_hosts systemd
  run_test sync-deploy t_sync
  if [ "${results[-1]:0:4}" != PASS ]; then
    local t
    for t in failed-roll-reverts auth-on-rolls auth-clients auth-user-change auth-secrets hostkey-changed-refused; do blocked "$t" sync-deploy; done
    return 0
  fi
  run_test failed-roll-reverts t_roll_fail_revert
  # Authentication on this cluster (scenarios_auth.sh), before g4 changes a host key.
  auth_tests
  # Last in the set: it changes a host's key (and puts it back).
  run_test hostkey-changed-refused t_hostkey_changed
}

set_v497() {
  fresh_hosts systemd
  run_test v497-deploy t_v497
  run_test v497-destroy-purges t_destroy_purges
}

set_v550() {
  # With 5.5.0 as the version under test, set a deploys exactly this (2m-2s-async 5.5.0, clusterList,
  # quickstart 1000) and runs h2's own check on its cluster: no second deploy of the same thing.
  [ "$E2E_VERSION" = 5.5.0 ] && wanted a && return 0
  fresh_hosts systemd
  run_test v550-deploy t_v550
}

set_nosystemd() {
  fresh_hosts none
  run_test noslave-no-systemd t_noslave_fallback
  if [ "${results[-1]:0:4}" != PASS ]; then
    blocked fallback-restarts-broker noslave-no-systemd
    blocked recovery-no-systemd noslave-no-systemd
    blocked destroy-no-systemd noslave-no-systemd
    return 0
  fi
  run_test fallback-restarts-broker t_fallback_restart
  run_test recovery-no-systemd t_recovery_nosystemd
  run_test destroy-no-systemd t_destroy_keeps_stores
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
  # Each scenario's time against its budget (tests/e2e/scenarios.tsv): a slow one shows here.
  echo "time per scenario (budget):"
  printf '  %s\n' "${budgets[@]}"
  echo "e2e: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then main "$@"; fi
