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

t_example_destroy() {
  example_enter
  destroy_stack "p. example"
}

set_package() {
  local t0=$SECONDS
  fresh_hosts systemd
  client_network off
  run_test "p1. package: npm pack, installed by examples/existing-hosts (components directly), up; clusterList and its outputs show broker-a/b masters and slaves; 500 messages round trip through its namesrvAddr; no change after" t_example_up
  if [ "${results[-1]:0:4}" != PASS ]; then
    blocked "p2. example destroy" "p1"
  else
    run_test "p2. example destroy: no RocketMQ process, unit or tool left, stack empty" t_example_destroy
  fi
  record "p. set duration (fresh hosts included): $((SECONDS - t0)) s"
}
