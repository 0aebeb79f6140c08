#!/usr/bin/env bash
# Recovery scenarios (issue 7 point 8): a host lost its RocketMQ processes and nothing on it brings
# them back; one documented command, `pulumi up --refresh`, restarts exactly those instances and,
# run again, changes nothing. Sourced by tests/e2e/run.sh after scenarios.sh (expect_rows,
# units_enabled_active, restarted_instances). Sourced, not run.

# The command docs/operations.md documents.
recovery_up() { pulumi up --refresh --yes --skip-preview --non-interactive "$@"; }

# Names (URN tails) of the InstanceRunning resources the engine would update, from a JSON preview.
planned_recoveries() { # planned_recoveries PREVIEW_JSON
  python3 - "$1" <<'PY'
import json, sys
steps = json.load(open(sys.argv[1])).get("steps") or []
for s in steps:
    if s.get("op") not in ("same", "refresh", "read"):
        print(s.get("op"), s.get("urn", "").rsplit("::", 1)[-1])
PY
}

# The IDs of the instances on host IP, sorted, one per line.
instances_on() { on_host "$1" 'ls /app/rocketmq/instances' | sort; }

# Every PID in BEFORE whose host is not IP is unchanged in AFTER; every instance on IP runs again
# under a new PID. Prints the number of unchanged PIDs.
only_host_restarted() { # only_host_restarted IP BEFORE AFTER
  local ip=$1 before=$2 after=$3 kept changed
  kept=$(awk -v ip="$ip" '$1 != ip' "$before" | sort)
  [ "$kept" = "$(awk -v ip="$ip" '$1 != ip' "$after" | sort)" ] || {
    diff <(awk -v ip="$ip" '$1 != ip' "$before" | sort) <(awk -v ip="$ip" '$1 != ip' "$after" | sort) >&2 || true
    fail "instances on other hosts were restarted: $(restarted_instances <(awk -v ip="$ip" '$1 != ip' "$before") <(awk -v ip="$ip" '$1 != ip' "$after"))"
  }
  awk -v ip="$ip" '$1 == ip && NF < 3 { bad = bad " " $2 } END { if (bad) { print "not running on " ip ":" bad > "/dev/stderr"; exit 1 } }' "$after" ||
    fail "instances still down after the recovery"
  changed=$(restarted_instances <(awk -v ip="$ip" '$1 == ip' "$before") <(awk -v ip="$ip" '$1 == ip' "$after"))
  [ "$changed" = "$(instances_on "$ip" | tr '\n' ' ' | sed 's/ $//')" ] || fail "on $ip expected every instance restarted, got: $changed"
  echo "$kept" | grep -c .
}

# Runs the documented command a second time on the healthy cluster: nothing may change.
second_run_changes_nothing() { # second_run_changes_nothing RUN_DIR LABEL
  local run=$1 t0
  all_pids >"$run/pids.healthy"
  pulumi preview --refresh --expect-no-changes --non-interactive >"$run/preview-again.out" 2>&1 ||
    { tail -40 "$run/preview-again.out" >&2; fail "$2: preview --refresh on the healthy cluster reports changes"; }
  t0=$SECONDS
  recovery_up --expect-no-changes >"$run/up-again.out" 2>&1 ||
    { tail -40 "$run/up-again.out" >&2; fail "$2: the second up --refresh changed something"; }
  SECOND_RUN_S=$((SECONDS - t0))
  all_pids >"$run/pids.again"
  diff "$run/pids.healthy" "$run/pids.again" >&2 || fail "$2: the second up --refresh restarted a process"
}

# Waits until host IP runs no RocketMQ process, then checks for 10 s that nothing restarts one.
stays_down() { # stays_down IP
  local ip=$1
  for _ in $(seq 1 30); do
    [ -z "$(rocketmq_pids "$ip")" ] && break
    sleep 1
  done
  [ -z "$(rocketmq_pids "$ip")" ] || fail "RocketMQ processes still run on $ip: $(rocketmq_pids "$ip" | tr '\n' ' ')"
  sleep 10
  [ -z "$(rocketmq_pids "$ip")" ] || fail "something restarted RocketMQ on $ip by itself: the test needs them down"
}

# The preview must plan exactly the instances of the broken host (nothing else changes).
preview_plans() { # preview_plans RUN_DIR ID...
  local run=$1 want got
  shift
  pulumi preview --refresh --json --non-interactive >"$run/preview.json" 2>"$run/preview.err" ||
    { tail -30 "$run/preview.err" >&2; fail "preview --refresh failed"; }
  want=$(printf 'update rmq-local-%s-running\n' "$@" | sort)
  got=$(planned_recoveries "$run/preview.json" | sort)
  [ "$got" = "$want" ] || { printf 'expected:\n%s\ngot:\n%s\n' "$want" "$got" >&2; fail "preview --refresh does not plan exactly the lost instances"; }
}

# 2m-2s-async on systemd machines: worker3 (namesrv-worker3, broker-b master, broker-a slave) loses
# every RocketMQ process by SIGKILL, and its units are stopped and disabled, so neither Restart=
# nor a reboot brings them back (an operator's mistake, or units that gave up after an OOM cascade).
t_recovery_refresh() {
  cd "$WORK/project" || return 1
  local run=$WORK/recovery w3=${HOST_IPS[2]} t0 up_s whole_s kept units ids
  rm -rf "$run"; mkdir -p "$run"
  expect_rows "${EXPECTED_2M[@]}"
  all_pids >"$run/pids.before"
  ids=$(instances_on "$w3" | tr '\n' ' ')
  [ "$ids" = "broker-a-s broker-b namesrv-worker3 " ] || fail "unexpected instances on worker3: $ids"
  # A runtime drop-in holds systemd's own restart while the JVMs are SIGKILLed; stop then cancels
  # the pending restart and disable keeps a reboot from starting them. The drop-in goes again.
  # shellcheck disable=SC2016  # expanded on the host
  on_host "$w3" 'set -euo pipefail
    self=$(readlink /proc/self/ns/net)
    for id in $(ls /app/rocketmq/instances); do
      d=/run/systemd/system/rocketmq-$id.service.d
      mkdir -p "$d"; printf "[Service]\nRestartSec=3600\n" >"$d/hold.conf"
    done
    systemctl daemon-reload
    for p in $(pgrep -f "[o]rg.apache.rocketmq"); do
      [ "$(readlink "/proc/$p/ns/net" 2>/dev/null)" = "$self" ] && kill -9 "$p"
    done
    for id in $(ls /app/rocketmq/instances); do
      systemctl stop "rocketmq-$id.service"; systemctl disable --quiet "rocketmq-$id.service"
    done
    rm -rf /run/systemd/system/rocketmq-*.service.d
    systemctl daemon-reload' >"$run/kill.out" 2>&1 || { cat "$run/kill.out" >&2; fail "could not take worker3's instances down"; }
  stays_down "$w3"
  expect_rows "broker-a 0 $ADV_NET.12:10911" "broker-b 1 $ADV_NET.12:11011"
  [ "$(on_host "$w3" 'systemctl is-enabled rocketmq-broker-b.service || true')" = disabled ] || fail "broker-b's unit is still enabled"
  preview_plans "$run" broker-a-s broker-b namesrv-worker3

  t0=$SECONDS
  recovery_up >"$run/up.out" 2>&1 || { tail -60 "$run/up.out" >&2; fail "pulumi up --refresh failed"; }
  up_s=$((SECONDS - t0))
  expect_rows "${EXPECTED_2M[@]}"
  whole_s=$((SECONDS - t0))
  units=$(units_enabled_active)
  [ "$units" -eq 8 ] || fail "expected 8 enabled active units after the recovery, found $units"
  all_pids >"$run/pids.after"
  kept=$(only_host_restarted "$w3" "$run/pids.before" "$run/pids.after")
  [ "$kept" -eq 5 ] || fail "expected the 5 instances of worker1 and worker2 untouched, counted $kept"
  nameservers_answer
  second_run_changes_nothing "$run" "e2"
  record "e2. worker3's 3 instances SIGKILLed, units stopped and disabled: pulumi up --refresh restarted exactly those 3 in ${up_s} s (clusterList whole after ${whole_s} s, units enabled again), the other 5 PIDs unchanged; run again on the healthy cluster: no change, no restart (${SECOND_RUN_S} s)"
}

# Machines without systemd (2m-noslave): nothing starts instances at boot and a dead supervisor
# restarts nothing. worker3 loses its supervisors and their JVMs (namesrv-worker3, broker-b).
t_recovery_nosystemd() {
  cd "$WORK/project" || return 1
  local run=$WORK/recovery-ns w3=${HOST_IPS[2]} t0 up_s whole_s kept sup
  rm -rf "$run"; mkdir -p "$run"
  expect_rows "broker-a 0 $ADV_NET.12:10911" "broker-b 0 $ADV_NET.13:10911"
  all_pids >"$run/pids.before"
  [ "$(instances_on "$w3" | tr '\n' ' ')" = "broker-b namesrv-worker3 " ] || fail "unexpected instances on worker3: $(instances_on "$w3")"
  # The supervisors first (else they restart the JVMs), then the JVMs.
  # shellcheck disable=SC2016  # expanded on the host
  on_host "$w3" 'set -euo pipefail
    self=$(readlink /proc/self/ns/net)
    for pat in "[r]mq-supervise loop" "[o]rg.apache.rocketmq"; do
      for p in $(pgrep -f "$pat"); do
        [ "$(readlink "/proc/$p/ns/net" 2>/dev/null)" = "$self" ] && kill -9 "$p"
      done
    done; true' >"$run/kill.out" 2>&1 || { cat "$run/kill.out" >&2; fail "could not take worker3's instances down"; }
  stays_down "$w3"
  expect_rows "broker-a 0 $ADV_NET.12:10911"
  preview_plans "$run" broker-b namesrv-worker3

  t0=$SECONDS
  recovery_up >"$run/up.out" 2>&1 || { tail -60 "$run/up.out" >&2; fail "pulumi up --refresh failed"; }
  up_s=$((SECONDS - t0))
  expect_rows "broker-a 0 $ADV_NET.12:10911" "broker-b 0 $ADV_NET.13:10911"
  whole_s=$((SECONDS - t0))
  all_pids >"$run/pids.after"
  kept=$(only_host_restarted "$w3" "$run/pids.before" "$run/pids.after")
  [ "$kept" -eq 4 ] || fail "expected the 4 instances of worker1 and worker2 untouched, counted $kept"
  # shellcheck disable=SC2016  # expanded on the host
  sup=$(on_host "$w3" 'self=$(readlink /proc/self/ns/net); for p in $(pgrep -f "[r]mq-supervise loop"); do [ "$(readlink "/proc/$p/ns/net" 2>/dev/null)" = "$self" ] && echo "$p"; done | wc -l')
  [ "$sup" -eq 2 ] || fail "expected 2 supervisors on worker3 again, found $sup"
  second_run_changes_nothing "$run" "i2"
  record "i2. no systemd: worker3's supervisors and JVMs SIGKILLed: pulumi up --refresh restarted exactly its 2 instances in ${up_s} s (clusterList whole after ${whole_s} s), under supervisors again, the other 4 PIDs unchanged; run again: no change (${SECOND_RUN_S} s)"
}
