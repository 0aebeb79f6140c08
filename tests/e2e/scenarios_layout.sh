#!/usr/bin/env bash
# An existing stack upgrades to the new code layout with zero replacements (issue 8); its instances
# restart once, one at a time (the console log moved from the unit into the launcher, issue 14): host set "l" of tests/e2e/run.sh, on fresh systemd machines. A stack is deployed from the last
# released layout (the tree of commit LAYOUT_BASE), then the same stack (its Pulumi.local.yaml:
# config, secrets, salt; its state) is given the current tree and updated. Uses the helpers of
# lib.sh and scenarios.sh. Sourced by run.sh, not run.

# The last released layout (main when this scenario was written); RMQ_E2E_LAYOUT_BASE names another
# commit, e.g. a throwaway one to see the scenario fail.
LAYOUT_BASE=${RMQ_E2E_LAYOUT_BASE:-1bdba39}

# layout_swap_code: the project's code becomes the current tree ($REPO's working tree). The stack's
# own file (Pulumi.local.yaml: hosts on this slot, secrets, the encryption salt, the versions and
# checksums stack_init set) and the node_modules link stay; the state is in $WORK/state.
layout_swap_code() {
  find "$WORK/project" -mindepth 1 -maxdepth 1 ! -name Pulumi.local.yaml ! -name node_modules -exec rm -rf {} +
  copy_project "$WORK/project" --exclude=./Pulumi.local.yaml
}

# preview_steps FILE: "OP URN" for each step of a `pulumi preview --json` output (it lists every step
# but the unchanged resources), then "summary OP=N ..." from its changeSummary (all of them, same too).
preview_steps() {
  node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    for (const s of r.steps || []) console.log(s.op + " " + s.urn);
    console.log("summary " + Object.entries(r.changeSummary || {}).map(([op, n]) => op + "=" + n).join(" "));' "$1"
}

t_layout_upgrade() {
  git -C "$REPO" rev-parse -q --verify "$LAYOUT_BASE^{commit}" >/dev/null ||
    fail "the last released layout, commit '$LAYOUT_BASE' (RMQ_E2E_LAYOUT_BASE), is not in the clone at $REPO: fetch it (a shallow clone needs git fetch --unshallow); without it this test proves nothing"
  # 5.3.3: after this test and l2, set u's version upgrade and rollback run on this cluster.
  stack_init 5.3.3 "$LAYOUT_BASE"
  # Defaults that changed on purpose since the base (they roll the brokers once, as docs/upgrades.md
  # says) are pinned to the base's values: this test is about the code's layout.
  pulumi config set --path 'rocketmq:brokerProperties.maxMessageSize' 65536
  local t0=$SECONDS
  pulumi_up >"$WORK/l-up-old.out" 2>&1 || { up_failure "$WORK/l-up-old.out"; fail "pulumi up of the layout of $LAYOUT_BASE failed"; }
  record "l. fresh up 2m-2s-async 5.3.3 with the layout of $LAYOUT_BASE: $((SECONDS - t0)) s"
  all_pids >"$WORK/pids.before"
  [ "$(wc -l <"$WORK/pids.before")" -ge 8 ] || fail "expected at least 8 services (3 name servers, 4 brokers, dashboard), got $(cat "$WORK/pids.before")"

  layout_swap_code
  pulumi preview --json --non-interactive >"$WORK/l-preview.json" 2>"$WORK/l-preview.err" ||
    { tail -30 "$WORK/l-preview.json" "$WORK/l-preview.err" >&2; fail "pulumi preview of the current layout failed"; }
  preview_steps "$WORK/l-preview.json" >"$WORK/l-steps.txt"
  local summary
  summary=$(sed -n 's/^summary //p' "$WORK/l-steps.txt")
  [[ $summary == *same=* ]] || fail "the preview's changeSummary counts no unchanged resource: '$summary'"
  record "l. preview of the current layout on the $LAYOUT_BASE stack: steps by op: $summary"
  awk '$1 == "update"' "$WORK/l-steps.txt" >&2
  # Only "same" and "update" may appear, and "read" of the program's StackReference to its own stack
  # (index.ts; read on every run, it changes nothing). An update that changes no script runs nothing
  # on a host, and one that does is caught by the PID check below. Anything else touches a
  # resource's identity: replace, create-replacement and delete-replaced recreate it (a changed
  # trigger, a replaceOnChanges input), and a create or a delete is what a child renamed without an
  # alias looks like (a new URN: Pulumi creates the new one and deletes the old one, running the old
  # one's delete script on the host).
  local bad reads op
  bad=$(awk '$1 != "summary" && $1 != "same" && $1 != "update" && !($1 == "read" && $2 ~ /::pulumi:pulumi:StackReference::/)' "$WORK/l-steps.txt")
  reads=$(awk '$1 == "read"' "$WORK/l-steps.txt" | wc -l)
  for op in $summary; do
    case ${op%%=*} in
      same | update) ;;
      read) [ "${op#*=}" -eq "$reads" ] || bad+=$'\n'"changeSummary: $op, but $reads read step(s) listed" ;;
      *) bad+=$'\n'"changeSummary: $op" ;;
    esac
  done
  [ -z "$bad" ] || { printf 'steps other than same/update (op URN):\n%s\n' "$bad" >&2; fail "the current layout replaces, creates or deletes resources of a stack deployed with $LAYOUT_BASE"; }

  t0=$SECONDS
  local since_us
  since_us=$(date +%s%6N)
  pulumi_up >"$WORK/l-up-new.out" 2>&1 || { up_failure "$WORK/l-up-new.out"; fail "pulumi up of the current layout failed"; }
  record "l. up of the current layout on the $LAYOUT_BASE stack: $((SECONDS - t0)) s"
  all_pids >"$WORK/pids.after"
  # The same instances, none gone or added ("IP ID" per line).
  diff <(cut -d' ' -f1,2 "$WORK/pids.before") <(cut -d' ' -f1,2 "$WORK/pids.after") >&2 ||
    fail "the current layout changed the set of instances (before/after above)"
  # Since the base, the console log moved from the unit (systemd, as root) into the launcher (the
  # service user): every cluster instance restarts once, but only through the roll, one at a time:
  # each unit's stop after the previous one's start (systemd's timestamps), all during this up.
  local ip id restarted
  restarted=$(restarted_instances "$WORK/pids.before" "$WORK/pids.after")
  # The list is read on fd 3: ssh (unit_times) reads its standard input and would eat the rest of
  # it; and no pipe, so that fail ends the test rather than a subshell.
  local cluster=0
  : >"$WORK/l-units.raw"
  while read -r ip id _ <&3; do
    [ "$id" != dashboard ] || continue
    cluster=$((cluster + 1))
    [[ " $restarted " == *" $id "* ]] || fail "$id did not restart: its unit and launcher changed, the roll should have restarted it"
    unit_times "$ip" "$id" >>"$WORK/l-units.raw"
  done 3<"$WORK/pids.before"
  sort -k2,2n "$WORK/l-units.raw" >"$WORK/l-units.txt"
  cat "$WORK/l-units.txt" >&2
  { [ "$cluster" -eq 7 ] && [ "$(wc -l <"$WORK/l-units.txt")" -eq "$cluster" ]; } ||
    fail "expected the 7 cluster instances' unit times, got $(wc -l <"$WORK/l-units.txt") of $cluster listed"
  awk -v since="$since_us" '
    $2 < since || $3 < $2 { printf "%s was not stopped and started during this up (stop %s, start %s)\n", $1, $2, $3; bad = 1 }
    NR > 1 && $2 < prev { printf "%s stopped %.2f s before %s had started: restarts overlap\n", $1, (prev - $2) / 1e6, previd; bad = 1 }
    { prev = $3; previd = $1 }
    END { exit bad }' "$WORK/l-units.txt" >&2 || fail "the upgrade did not restart the instances one at a time"
  pulumi preview --expect-no-changes --non-interactive >"$WORK/l-preview2.out" 2>&1 ||
    { tail -30 "$WORK/l-preview2.out" >&2; fail "after the update, preview --expect-no-changes reports changes"; }
  record "l. layout upgrade: $(wc -l <"$WORK/pids.after") JVMs; $(wc -l <"$WORK/l-units.txt") cluster instances restarted one at a time (the console-log fix); preview --expect-no-changes passes"
}

# shellcheck disable=SC2154  # results: run.sh's
set_layout() {
  client_network off
  fresh_hosts systemd
  run_test layout-upgrade t_layout_upgrade
  if [ "${results[-1]:0:4}" != PASS ]; then
    blocked layout-upgrade-root-trust layout-upgrade
    blocked upgrade-async layout-upgrade; blocked rollback-async layout-upgrade; blocked downgrade-refused layout-upgrade
    return 0
  fi
  # That layout gave the install root to the service user: the upgrade must have taken it back.
  run_test layout-upgrade-root-trust t_root_trust
  # Set u on this cluster (scenarios_upgrade.sh): a 5.3.3 2m-2s-async stack, now on the current code.
  upgrade_tests
}
