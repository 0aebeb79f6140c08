#!/usr/bin/env bash
# Changes a running cluster cannot take are refused at preview (planning/layout.ts), before any
# host is contacted: where the stores live, the topology. Runs on set a's deployed stack.
# shellcheck disable=SC2154  # WORK, REPO, HOST_IPS come from lib.sh

# refused_at_preview KEY VALUE DEPLOYED PATTERN [up]: with KEY set to VALUE, preview (and with "up",
# up too) fails naming the key, the new value and the deployed one (PATTERN: the documented way),
# and no host is contacted; then the key is set back to DEPLOYED (or removed when DEPLOYED is "").
refused_at_preview() {
  local key=$1 value=$2 deployed=$3 pattern=$4 also=${5:-} before after
  pulumi config set --path "rocketmq:$key" "$value"
  before=$("$REPO/scripts/test-hosts.sh" logins)
  if pulumi preview --non-interactive >"$WORK/refused.out" 2>&1; then
    pulumi_restore "$key" "$deployed"
    fail "preview accepted rocketmq:$key = $value on a running cluster"
  fi
  if [ "$also" = up ] && pulumi_up >"$WORK/refused-up.out" 2>&1; then
    pulumi_restore "$key" "$deployed"
    fail "up accepted rocketmq:$key = $value on a running cluster"
  fi
  after=$("$REPO/scripts/test-hosts.sh" logins)
  pulumi_restore "$key" "$deployed"
  grep -F "rocketmq:$key = " "$WORK/refused.out" | grep -F "$value" | grep -F "the running cluster's" |
    grep -qE "$pattern" || { cat "$WORK/refused.out" >&2; fail "the refusal does not name rocketmq:$key, $value, the deployed value and the way ($pattern)"; }
  if grep -qE 'unhandled exception|^ +at ' "$WORK/refused.out"; then cat "$WORK/refused.out" >&2; fail "the refusal came with a stack trace"; fi
  [ "$before" = "$after" ] || fail "a refused change contacted the hosts ($before -> $after logins)"
  record "k2. refused at preview: rocketmq:$key = $value (deployed: ${deployed:-default})"
}

pulumi_restore() { # pulumi_restore KEY DEPLOYED: "" removes the key (back to its default)
  if [ -n "$2" ]; then pulumi config set --path "rocketmq:$1" "$2"; else pulumi config rm --path "rocketmq:$1"; fi
}

t_layout_refused() {
  cd "$WORK/project" || return 1
  all_pids >"$WORK/refused.pids.before"
  # The default storeRoot moved: every broker would restart on an empty store (up refuses it too).
  refused_at_preview storeRoot /data/rocketmq "" "running cluster's /app/rocketmq .*mount the new disk at the same path" up
  # One broker's commit log moved elsewhere.
  refused_at_preview instances.broker-b.properties.storePathCommitLog /app/rocketmq/store/commitlog-moved "" \
    "broker-b storePathCommitLog=/app/rocketmq/store/commitlog .*Keep the path"
  # `config rm --path` leaves instances.broker-b = {properties: {}}, which a dledger topology refuses
  # first (no such instance): set a sets no other instance key before this test.
  pulumi config rm rocketmq:instances
  # The topology: the new members would collide with the old ones' stores.
  refused_at_preview topology dledger 2m-2s-async "running cluster's 2m-2s-async .*new stack"
  all_pids >"$WORK/refused.pids.after"
  local changed
  changed=$(restarted_instances "$WORK/refused.pids.before" "$WORK/refused.pids.after")
  [ -z "$changed" ] || fail "a refused change restarted: $changed"
  # What was set back is what runs: nothing to do.
  pulumi preview --expect-no-changes --non-interactive >"$WORK/refused-noop.out" 2>&1 ||
    { tail -30 "$WORK/refused-noop.out" >&2; fail "after the refusals, preview reports changes"; }
}
