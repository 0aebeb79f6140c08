#!/usr/bin/env bash
# The rolling restart's gates (issue 14, defects 10 and 12), on deployments other sets already made:
#   g3 (set g, after g1): a roll whose new files stop a broker from starting fails naming it, the
#      instance is back on its old files at once, and reverting the config restarts nothing more;
#   f3 (set f, after f2): with one DLedger member stopped, a change to another member is refused
#      naming it, and no JVM restarts.
# Sourced by run.sh.

# A broker property that really keeps a 5.x broker from starting: the message store plug-in class is
# loaded while the broker initialises its store, and a class that does not exist makes it exit.
BROKEN_PLUGIN=org.example.rmq.NoSuchMessageStore

t_roll_fail_revert() {
  cd "$WORK/project" || return 1
  local id=broker-a-s ip=${HOST_IPS[2]} sum_before sum t0 changed
  local props=/app/rocketmq/instances/$id/broker.properties
  all_pids >"$WORK/pids.before"
  sum_before=$(on_host "$ip" "sha256sum $props" | cut -d' ' -f1)
  pulumi config set --path "rocketmq:instances.$id.properties.messageStorePlugIn" "$BROKEN_PLUGIN"
  t0=$SECONDS
  if pulumi_up >"$WORK/up-rollfail.out" 2>&1; then fail "pulumi up with a broker that cannot start succeeded"; fi
  record "g3. roll of $id onto files that cannot start: up failed after $((SECONDS - t0)) s"
  grep -q "rmq-roll: $id: the new files failed" "$WORK/up-rollfail.out" || { up_failure "$WORK/up-rollfail.out"; fail "the failure does not name $id's roll"; }
  grep -q "rmq-roll: $id: back on its previous files and healthy" "$WORK/up-rollfail.out" || { up_failure "$WORK/up-rollfail.out"; fail "$id did not go back to its previous files"; }
  # Right after the failure: the old files, running, and nothing else restarted.
  sum=$(on_host "$ip" "sha256sum $props" | cut -d' ' -f1)
  [ "$sum" = "$sum_before" ] || fail "$id's live broker.properties is not the one it ran before"
  on_host "$ip" "grep -q messageStorePlugIn /app/rocketmq/instances/$id/.staged/broker.properties" || fail "the new files are not kept staged"
  on_host "$ip" "/app/rocketmq/bin/rmq-service status $id" >/dev/null || fail "$id is not running after the failed roll"
  all_pids >"$WORK/pids.mid"
  changed=$(restarted_instances "$WORK/pids.before" "$WORK/pids.mid")
  [ "$changed" = "$id" ] || fail "expected only $id to restart (onto the new files, then back), restarted: ${changed:-none}"
  # The revert: the deploy step finds the live files are already these, the roll step has nothing to do.
  pulumi config rm rocketmq:instances
  t0=$SECONDS
  pulumi_up >"$WORK/up-revert.out" 2>&1 || { up_failure "$WORK/up-revert.out"; fail "the revert's pulumi up failed"; }
  record "g3. revert of the failed change: up $((SECONDS - t0)) s"
  sum=$(on_host "$ip" "sha256sum $props" | cut -d' ' -f1)
  [ "$sum" = "$sum_before" ] || fail "after the revert $id does not run its old broker.properties"
  on_host "$ip" "[ ! -e /app/rocketmq/instances/$id/.restart-pending ] && [ ! -e /app/rocketmq/instances/$id/.staged ]" ||
    fail "$id still has a restart pending after the revert"
  on_host "$ip" "/app/rocketmq/bin/rmq-service status $id" >/dev/null || fail "$id is not running after the revert"
  all_pids >"$WORK/pids.after"
  changed=$(restarted_instances "$WORK/pids.mid" "$WORK/pids.after")
  [ -z "$changed" ] || fail "the revert restarted: $changed"
  expect_rows "${EXPECTED_2M[@]}"
  pulumi preview --expect-no-changes --non-interactive >"$WORK/preview-revert.out" 2>&1 || { tail -30 "$WORK/preview-revert.out" >&2; fail "a preview after the revert plans changes"; }
}

t_dledger_degraded_refused() {
  cd "$WORK/project" || return 1
  local t0 changed
  # n2 stops (on worker3); clusterList may list it for a while, the DLedger port does not answer.
  on_host "${HOST_IPS[2]}" "systemctl stop rocketmq-n2.service"
  ! on_host "${HOST_IPS[2]}" "/app/rocketmq/bin/rmq-service status n2" >/dev/null || fail "n2 still runs after its unit stopped"
  all_pids >"$WORK/pids.before"
  pulumi config set --path 'rocketmq:instances.n0.properties.sendMessageThreadPoolNums' 3
  t0=$SECONDS
  if pulumi_up >"$WORK/up-degraded.out" 2>&1; then fail "a change to n0 was rolled while n2 was down"; fi
  record "f3. change to n0 with n2 down: refused after $((SECONDS - t0)) s"
  grep -q "rmq-roll: refusing to restart n0: group RaftNode00 would lose its quorum: n2 " "$WORK/up-degraded.out" ||
    { up_failure "$WORK/up-degraded.out"; fail "the refusal does not name n0 and the member that is down"; }
  all_pids >"$WORK/pids.after"
  changed=$(restarted_instances "$WORK/pids.before" "$WORK/pids.after")
  [ -z "$changed" ] || fail "the refused change restarted: $changed"
  # Whole again: n2 back, the change reverted (nothing restarts: n0 still runs the files it had).
  on_host "${HOST_IPS[2]}" "systemctl start rocketmq-n2.service"
  pulumi config rm rocketmq:instances
  pulumi_up >"$WORK/up-degraded-revert.out" 2>&1 || { up_failure "$WORK/up-degraded-revert.out"; fail "the revert's pulumi up failed"; }
  on_host "${HOST_IPS[0]}" "[ ! -e /app/rocketmq/instances/n0/.restart-pending ]" || fail "n0 still has a restart pending after the revert"
  local rows
  for _ in $(seq 1 60); do
    rows=$(broker_rows)
    [ "$(echo "$rows" | grep -c '^RaftNode00 ')" -eq 3 ] && [ "$(echo "$rows" | awk '$2 == 0' | wc -l)" -eq 1 ] && break
    sleep 3
  done
  echo "$rows" >&2
  [ "$(echo "$rows" | grep -c '^RaftNode00 ')" -eq 3 ] || fail "the group is not whole again"
  [ "$(echo "$rows" | awk '$2 == 0' | wc -l)" -eq 1 ] || fail "the group has not exactly one leader"
}
