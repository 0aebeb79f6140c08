#!/usr/bin/env bash
# `pulumi up --replace` of host commands (issue 14, defect 1): the engine creates the replacement,
# then deletes the old resource, whose delete names the same instance (or install). Host-side
# claims (rmq-claim) make that delete leave the replacement's work in place. Runs in set a on its
# running cluster. Uses the helpers of lib.sh and scenarios.sh. Sourced by run.sh, not run.

# replace_urns: "deploy URN" for broker-a-s's deploy command (found by its delete, decoded) and
# "install URN" for worker1's install command; node reads the state (no jq on CI).
replace_urns() {
  pulumi stack export | node -e '
    const d = JSON.parse(require("fs").readFileSync(0, "utf8"));
    for (const r of d.deployment.resources || []) {
      if (r.type !== "command:remote:Command") continue;
      const m = /echo (\S+) \| base64 -d/.exec((r.inputs && r.inputs.delete) || "");
      const del = m ? Buffer.from(m[1], "base64").toString() : "";
      if (/rmq-service remove broker-a-s( |$)/.test(del)) console.log("deploy " + r.urn);
      if (/::[^:]*-worker1-install-apply$/.test(r.urn)) console.log("install " + r.urn);
    }'
}

t_replace_keeps() {
  cd "$WORK/project" || return 1
  local urns deploy install w3=${HOST_IPS[2]} w1=${HOST_IPS[0]} store_before store_after changed t0
  urns=$(replace_urns)
  deploy=$(awk '$1 == "deploy" { print $2 }' <<<"$urns")
  install=$(awk '$1 == "install" { print $2 }' <<<"$urns")
  if [ "$(wc -w <<<"$deploy")" != 1 ] || [ "$(wc -w <<<"$install")" != 1 ]; then
    fail "expected one deploy command of broker-a-s and one install command of worker1 in the state, found: $urns"
  fi
  # broker-a-s's store on worker3: its commit log files by inode and size.
  # shellcheck disable=SC2016  # expanded on the host
  store_before=$(on_host "$w3" 'cd /app/rocketmq/storeSlave/commitlog && stat -c "%n %i %s" * | sort')
  [ -n "$store_before" ] || fail "broker-a-s has no commit log on worker3 to keep"
  all_pids >"$WORK/pids.before"
  t0=$SECONDS
  pulumi_up --replace "$deploy" --replace "$install" >"$WORK/replace.out" 2>&1 || {
    up_failure "$WORK/replace.out"
    fail "pulumi up --replace failed"
  }
  record "a6. up --replace of broker-a-s's deploy and worker1's install: $((SECONDS - t0)) s"
  grep -Eq '2 replaced' "$WORK/replace.out" || { tail -20 "$WORK/replace.out" >&2; fail "the engine did not report 2 replaced"; }
  all_pids >"$WORK/pids.after"
  # The replacement's create deploys broker-a-s again (a restart); nothing else restarts.
  changed=$(restarted_instances "$WORK/pids.before" "$WORK/pids.after")
  [ "$changed" = "broker-a-s" ] || fail "expected only broker-a-s to restart, restarted: ${changed:-none}"
  on_host "$w3" '/app/rocketmq/bin/rmq-service status broker-a-s && test -f /etc/systemd/system/rocketmq-broker-a-s.service' >/dev/null ||
    fail "broker-a-s does not run on worker3 after up --replace (the old resource's delete removed it)"
  # shellcheck disable=SC2016  # expanded on the host
  store_after=$(on_host "$w3" 'cd /app/rocketmq/storeSlave/commitlog && stat -c "%n %i %s" * | sort')
  # Every file that holds data stays, same inode and size. The last file may be the empty one the
  # broker maps ahead of its writes, which a restart drops and maps again (seen in the CI run).
  local kept
  kept=$(echo "$store_before" | sed '$d')
  [ -n "$kept" ] || kept=$store_before
  while read -r line; do
    grep -qxF -- "$line" <<<"$store_after" || fail "broker-a-s's commit log lost or changed $line (before: $store_before; after: $store_after)"
  done <<<"$kept"
  expect_rows "${EXPECTED_2M[@]}"
  on_host "$w1" 'test -x /app/rocketmq/bin/mqadmin && test -x /app/rocketmq/bin/rmq-service && test -e /usr/local/bin/mqadmin && test -e /app/rocketmq/current' ||
    fail "worker1's tools are gone after up --replace of its install command"
  # One claim each, in root's own directory.
  [ "$(on_host "$w3" 'stat -c "%a %U" /var/lib/rocketmq-pulumi/claims; cat /var/lib/rocketmq-pulumi/claims/instance-broker-a-s')" = $'700 root\n1' ] ||
    fail "worker3's claim of broker-a-s is not one count in a root-only directory"
  [ "$(on_host "$w1" 'cat /var/lib/rocketmq-pulumi/claims/install')" = 1 ] || fail "worker1's install is not claimed once"
  pulumi preview --expect-no-changes --non-interactive >"$WORK/replace-preview.out" 2>&1 || {
    tail -30 "$WORK/replace-preview.out" >&2
    fail "changes planned after up --replace"
  }
}
