#!/usr/bin/env bash
# The package as another Pulumi program uses it: host set "p" of tests/e2e/run.sh, on fresh
# machines. `npm pack` of this repository, installed into a copy of examples/existing-hosts, which
# builds the cluster from the components directly (ExistingHosts, OsTuning, RocketMqInstall,
# NameServerNode, BrokerPair), not through RocketMqCluster. Sourced by run.sh, not run.
# shellcheck disable=SC2154  # results is run.sh's

EXAMPLE=$WORK/example

# Each test runs in its own subshell: back to the example, on its own state.
example_enter() {
  cd "$EXAMPLE" || return 1
  export PULUMI_BACKEND_URL="file://$WORK/example-state"
  pulumi stack select p
}

# npm pack (prepack builds dist/), then $EXAMPLE: the example with node_modules made of the
# repository's (symlinks, as an `npm install` of the tarball would resolve them) and the tarball
# unpacked as node_modules/rocketmq-pulumi; its own file backend and stack, set for this slot.
example_init() {
  log "npm pack; the example in $EXAMPLE (RocketMQ $E2E_VERSION)"
  rm -rf "$WORK"
  mkdir -p "$WORK/example-state"
  local t0 ms tgz m zip="rocketmq-all-$E2E_VERSION-bin-release.zip"
  t0=$(date +%s%3N)
  (cd "$REPO" && npm pack --pack-destination "$WORK") >"$WORK/pack.out" 2>&1 || { tail -30 "$WORK/pack.out" >&2; fail "npm pack failed"; }
  ms=$(($(date +%s%3N) - t0))
  tgz=$(find "$WORK" -maxdepth 1 -name 'rocketmq-pulumi-*.tgz' | head -1)
  [ -n "$tgz" ] || { cat "$WORK/pack.out" >&2; fail "npm pack wrote no tarball into $WORK"; }
  record "p. npm pack (build:lib included): $((ms / 1000)).$((ms % 1000 / 100)) s; $(basename "$tgz") $(($(stat -c %s "$tgz") / 1024)) KiB, $(tar -tzf "$tgz" | wc -l) files"
  cp -R "$REPO/examples/existing-hosts" "$EXAMPLE"
  rm -rf "$EXAMPLE/node_modules"
  mkdir "$EXAMPLE/node_modules" "$EXAMPLE/node_modules/rocketmq-pulumi"
  for m in "$REPO"/node_modules/* "$REPO/node_modules/.bin"; do ln -s "$m" "$EXAMPLE/node_modules/"; done
  tar -xzf "$tgz" -C "$EXAMPLE/node_modules/rocketmq-pulumi" --strip-components=1
  [ -f "$EXAMPLE/node_modules/rocketmq-pulumi/dist/lib/index.d.ts" ] || fail "the package has no dist/lib/index.d.ts"
  cd "$EXAMPLE" || return 1
  export PULUMI_BACKEND_URL="file://$WORK/example-state"
  pulumi login "$PULUMI_BACKEND_URL" >/dev/null
  pulumi stack init p >/dev/null
  for m in 0 1 2; do pulumi config set --path "hosts[$m]" "${HOST_IPS[$m]}"; done
  pulumi config set --secret sshPrivateKey <"$RMQ_TEST_HOSTS_KEY" >/dev/null
  pulumi config set version "$E2E_VERSION"
  pulumi config set downloadUrl "http://$BRIDGE_IP:$ARTIFACT_PORT/$zip"
  pulumi config set sha512 "$(sha_of "$DIST/$zip")"
}

# The example's `brokers` output as "NAME BID ADDR" rows, as broker_rows prints clusterList.
example_broker_rows() {
  pulumi stack output brokers --json | python3 -c 'import json, sys
for name, roles in json.load(sys.stdin).items():
    for role, addr in roles.items():
        print(name, {"master": 0, "slave": 1}[role], addr)' | sort
}

t_example_up() {
  example_init
  local t0=$SECONDS up_s addrs rows out=$WORK/example-roundtrip.out
  pulumi_up >"$WORK/up-example.out" 2>&1 || { up_failure "$WORK/up-example.out"; fail "pulumi up of the example failed"; }
  up_s=$((SECONDS - t0))
  record "p. example up (3 OsTuning + RocketMqInstall, 3 NameServerNode, 2 BrokerPair; $E2E_VERSION): ${up_s} s, $(pulumi stack export | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["deployment"]["resources"]))') resources"
  # The addresses the example exports are the ones clusterList shows: the guide's layout.
  rows=$(example_broker_rows)
  [ "$rows" = "$(printf '%s\n' "${EXPECTED_2M[@]}" | sort)" ] || { printf 'brokers output:\n%s\n' "$rows" >&2; fail "the example's brokers output is not the guide's layout"; }
  expect_rows "${EXPECTED_2M[@]}"
  addrs=$(pulumi stack output namesrvAddr)
  [ "$addrs" = "$NAMESRV_ADDRS" ] || fail "the example's namesrvAddr output is '$addrs', not '$NAMESRV_ADDRS'"
  t0=$SECONDS
  smoke_client roundtrip --namesrv "$addrs" --topic ExampleTopic --group example-group --count 500 --timeout-seconds 120 >"$out" 2>&1 ||
    { tail -20 "$out" >&2; fail "500 messages did not round trip through the example's namesrvAddr"; }
  grep -q 'acked=500 received=500 missing=0' "$out" || { tail -20 "$out" >&2; fail "not all 500 messages came back"; }
  record "p. example: 500 messages round trip through its namesrvAddr in $((SECONDS - t0)) s: $(grep -o 'sent=.*' "$out")"
  pulumi preview --expect-no-changes --non-interactive >"$WORK/preview-example.out" 2>&1 || { tail -30 "$WORK/preview-example.out" >&2; fail "the example's preview after up reports changes"; }
}

# The example's instances: "IP ID ENDPOINT" lines, in the order its RollChain restarts them (the
# order the components join it: name servers worker1..3, broker-a's slave and master, broker-b's).
example_instances() {
  local i
  for i in 0 1 2; do echo "${HOST_IPS[$i]} namesrv-worker$((i + 1)) ${HOST_IPS[$i]}:9876"; done
  echo "${HOST_IPS[2]} broker-a-s ${HOST_IPS[2]}:11011"
  echo "${HOST_IPS[1]} broker-a ${HOST_IPS[1]}:10911"
  echo "${HOST_IPS[1]} broker-b-s ${HOST_IPS[1]}:11011"
  echo "${HOST_IPS[2]} broker-b ${HOST_IPS[2]}:10911"
}

# When systemd last stopped and started an instance's unit: "ID STOP_US START_US" (epoch
# microseconds: ActiveExitTimestamp, when the old JVM's stop began; ActiveEnterTimestamp, when the
# new one started). The test hosts share this machine's clock (systemd-nspawn).
unit_times() { # unit_times IP ID
  local out stop start
  out=$(on_host "$1" "systemctl show --timestamp=us+utc -p ActiveExitTimestamp -p ActiveEnterTimestamp rocketmq-$2.service")
  stop=$(sed -n 's/^ActiveExitTimestamp=[A-Za-z]* //p' <<<"$out")
  start=$(sed -n 's/^ActiveEnterTimestamp=[A-Za-z]* //p' <<<"$out")
  if [ -z "$stop" ] || [ -z "$start" ]; then
    echo "$2 0 0"
    return 0
  fi
  echo "$2 $(date -d "$stop" +%s%6N) $(date -d "$start" +%s%6N)"
}

# A heap change of every instance (the example's namesrvHeap and brokerHeap) restarts them one at
# a time across the cluster, because its five components share one RollChain: each unit's stop
# begins after the previous one's new JVM started (systemd's timestamps), the TCP timeline never
# shows two instances down at once, and the order is the name servers, then each pair's slave
# before its master. Prints the timeline.
t_example_roll() {
  example_enter
  local run=$WORK/example-roll rc=0 t0 up_s ip id ep want changed
  rm -rf "$run"; mkdir -p "$run"
  example_instances >"$run/instances"
  # shellcheck disable=SC2034  # read by start_port_watch
  mapfile -t BROKER_ENDPOINTS < <(cut -d' ' -f3 "$run/instances")
  all_pids >"$run/pids.before"
  pulumi config set namesrvHeap 384m
  pulumi config set brokerHeap 768m
  start_port_watch "$run/ports.log"
  t0=$SECONDS
  local since_us
  since_us=$(date +%s%6N)
  pulumi_up >"$run/up.out" 2>&1 || rc=$?
  up_s=$((SECONDS - t0))
  sleep 2
  touch "$run/ports.log.stop"
  wait
  [ "$rc" -eq 0 ] || { up_failure "$run/up.out"; fail "pulumi up of the heap change failed"; }
  all_pids >"$run/pids.after"

  # Exactly the seven instances restarted, each with its new heap.
  changed=$(restarted_instances "$run/pids.before" "$run/pids.after")
  want=$(cut -d' ' -f2 "$run/instances" | sort | tr '\n' ' ' | sed 's/ $//')
  [ "$changed" = "$want" ] || fail "expected exactly these instances to restart: $want; restarted: ${changed:-none}"
  # Lists are read on fd 3: ssh (on_host) reads its standard input and would eat the rest of them.
  while read -r ip id ep <&3; do
    local xmx=768m cmdline
    [[ $id == namesrv-* ]] && xmx=384m
    cmdline=$(on_host "$ip" "tr '\\0' ' ' </proc/\$(/app/rocketmq/bin/rmq-service pid $id)/cmdline")
    [[ $cmdline == *"-Xmx$xmx "* ]] || fail "$id does not run with -Xmx$xmx"
  done 3<"$run/instances"

  # systemd's view: in chain order, every stop after this up began and after the previous start.
  while read -r ip id ep <&3; do unit_times "$ip" "$id"; done 3<"$run/instances" >"$run/units.txt"
  cat "$run/units.txt" >&2
  [ "$(wc -l <"$run/units.txt")" -eq "$(wc -l <"$run/instances")" ] || fail "unit times of $(wc -l <"$run/units.txt") of $(wc -l <"$run/instances") instances"
  awk -v since="$since_us" '
    $2 < since || $3 < $2 { printf "%s was not stopped and started during this up (stop %s, start %s)\n", $1, $2, $3; bad = 1 }
    NR > 1 && $2 < prev { printf "%s stopped %.2f s before %s had started: restarts overlap\n", $1, (prev - $2) / 1e6, previd; bad = 1 }
    { prev = $3; previd = $1 }
    END { exit bad }' "$run/units.txt" >&2 || fail "the restarts did not happen one at a time in the chain's order (name servers, then each pair's slave before its master)"
  # The same order, read off the stop times alone (sorting them must give the chain's order).
  [ "$(sort -k2,2n "$run/units.txt" | cut -d' ' -f1 | tr '\n' ' ')" = "$(cut -d' ' -f1 "$run/units.txt" | tr '\n' ' ')" ] ||
    fail "restart order $(sort -k2,2n "$run/units.txt" | cut -d' ' -f1 | tr '\n' ' ')is not the chain's"

  # The TCP view: never two instances down in one sample.
  timeline_summary "$run/ports.log" >"$run/timeline.txt"
  cat "$run/timeline.txt" >&2
  grep -q '^max-down-at-once 1$' "$run/timeline.txt" || fail "two instances were down at the same time: $(grep max-down "$run/timeline.txt")"

  # The figure: per instance, seconds from the first stop: stop -> new JVM started (gap since the
  # previous instance's start), and its port's down time.
  local figure
  figure=$(awk 'NR == 1 { t0 = $2 } { printf "%s %.1f->%.1f%s; ", $1, ($2 - t0) / 1e6, ($3 - t0) / 1e6, (NR > 1 ? sprintf(" (+%.1f)", ($2 - prev) / 1e6) : ""); prev = $3 }' "$run/units.txt" | sed 's/; $//')
  record "p. example heap change (namesrvHeap 384m, brokerHeap 768m; RollChain): up ${up_s} s; 7 restarts one at a time, s from the first stop, stop->JVM start (+gap after the previous start): $figure"
  record "p. example heap change, TCP down time per instance: $(while read -r ip id ep; do awk -v e="$ep" -v i="$id" '$1 == e { sub(/^down=/, "", $5); printf "%s %s s, ", i, $5 }' "$run/timeline.txt"; done <"$run/instances" | sed 's/, $//'); $(grep max-down "$run/timeline.txt")"
  expect_rows "${EXPECTED_2M[@]}"
  pulumi preview --expect-no-changes --non-interactive >"$run/preview.out" 2>&1 || { tail -30 "$run/preview.out" >&2; fail "the example's preview after the heap change reports changes"; }
}

# A program that renames a running group (broker-a's brokerName, hence its members' ids) reaches
# the host, which refuses it before writing anything: the renamed members would take the running
# ones' ports and stores, and could never start beside them. Nothing restarts; back to the
# original program, preview shows no change. Then a program that moves broker-a's slave to another
# host is refused at preview (its placement record), nothing touched.
# example_refused RUN SED WHAT PATTERN COMMAND...: edits the example's index.ts with SED, runs
# COMMAND (output in RUN/WHAT.out), which must fail with a line matching PATTERN; the original
# index.ts is back afterwards, whatever happened.
example_refused() {
  local run=$1 edit=$2 what=$3 pattern=$4
  shift 4
  cp index.ts "$run/index.ts.orig"
  sed -i "$edit" index.ts
  if cmp -s index.ts "$run/index.ts.orig"; then fail "$what: the edit ($edit) changed nothing in the example"; fi
  if "$@" >"$run/$what.out" 2>&1; then
    cp "$run/index.ts.orig" index.ts
    fail "$what: '$*' succeeded; it should have been refused"
  fi
  cp "$run/index.ts.orig" index.ts
  grep -q -- "$pattern" "$run/$what.out" || { tail -40 "$run/$what.out" >&2; fail "$what: '$*' failed without the refusal ($pattern)"; }
}

t_example_rename() {
  example_enter
  local run=$WORK/example-rename
  rm -rf "$run"; mkdir -p "$run"
  all_pids >"$run/pids.before"
  example_refused "$run" 's/brokerName: "broker-a",/brokerName: "broker-x",/' rename \
    "rmq-deploy: refused on worker[23]: broker-x[-s]* would take the .*, which broker-a[-s]*, deployed on this host, holds; nothing was changed" \
    pulumi_up
  all_pids >"$run/pids.after"
  diff "$run/pids.before" "$run/pids.after" >&2 || fail "an instance restarted, appeared or went away (before/after above)"
  on_host "${HOST_IPS[1]}" 'test ! -e /app/rocketmq/instances/broker-x && test ! -e /app/rocketmq/instances/broker-x-s' ||
    fail "the refused deploy left an instance directory of broker-x behind"
  expect_rows "${EXPECTED_2M[@]}"
  pulumi preview --expect-no-changes --non-interactive >"$run/preview.out" 2>&1 ||
    { tail -30 "$run/preview.out" >&2; fail "back to the original program, preview reports changes"; }
  # Moving broker-a's slave from worker3 to worker1: refused at preview by its placement record.
  example_refused "$run" '0,/slave: { install: installs\[2\]/s//slave: { install: installs[0]/' move \
    "slave.install: broker-a-s runs on worker3, the program now puts it on worker1: refused" \
    pulumi preview --non-interactive
  all_pids >"$run/pids.after2"
  diff "$run/pids.before" "$run/pids.after2" >&2 || fail "an instance restarted during the refused move (before/after above)"
  record "p4. example renames broker-a: refused on the host ($(grep -c 'rmq-deploy: refused on' "$run/rename.out") deploy(s)); moves broker-a's slave: refused at preview; $(wc -l <"$run/pids.after") instances, the same PIDs; no change after the reverts"
}

t_example_destroy() {
  example_enter
  destroy_stack "p. example"
}

set_package() {
  local t0=$SECONDS
  fresh_hosts systemd
  client_network off
  run_test package-example-up t_example_up
  if [ "${results[-1]:0:4}" != PASS ]; then
    blocked example-heap-roll package-example-up
    blocked example-rename-refused package-example-up
    blocked example-destroy package-example-up
  else
    run_test example-heap-roll t_example_roll
    run_test example-rename-refused t_example_rename
    run_test example-destroy t_example_destroy
  fi
  record "p. set duration (fresh hosts included): $((SECONDS - t0)) s"
}
