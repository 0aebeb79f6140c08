#!/usr/bin/env bash
# Topics and consumer groups as code (rocketmq:topics, rocketmq:consumerGroups): run by set a of
# tests/e2e/run.sh on its cluster (2m-2s-async, the default version), after its recovery tests and
# before its destroy: no deploy of its own. Sourced by run.sh, not run.
# shellcheck disable=SC2154  # results is run.sh's

T_TOPIC=E2eOrders
T_GROUP=e2e-orders-consumer

set_topic() { # set_topic QUEUES: the one topic and the one group of these tests in config
  pulumi config set --path "rocketmq:topics[0].name" "$T_TOPIC"
  pulumi config set --path "rocketmq:topics[0].queues" "$1"
  pulumi config set --path "rocketmq:consumerGroups[0].name" "$T_GROUP"
  pulumi config set --path "rocketmq:consumerGroups[0].retryMaxTimes" 3
}

# Each test runs in its own subshell: back to the project, on this slot's state (lib.sh pins the
# backend too; `pulumi login` is machine-wide and runs on other slots log in to theirs).
topics_enter() {
  cd "$WORK/project" || return 1
  export PULUMI_BACKEND_URL="file://$WORK/state"
  pulumi stack select local
}

unset_topic() { pulumi config rm rocketmq:topics; pulumi config rm rocketmq:consumerGroups; }

mqadmin_w1() { on_host "${HOST_IPS[0]}" /app/rocketmq/bin/mqadmin "$@" 2>/dev/null; }

# The name servers' route of the topic, read with plain mqadmin (not the stack's rmq-topic):
# "R W" per broker group, or nothing when it has no route.
route_queues() {
  mqadmin_w1 topicRoute -t "$T_TOPIC" | tr -d ' \t\r\n' | { grep -oE '"(read|write)QueueNums":[0-9]+' || true; } | cut -d: -f2 | paste -d' ' - -
}

expect_queues() { # expect_queues N: both broker groups route the topic with N read and N write queues
  local got
  got=$(route_queues | sort | tr '\n' ';')
  [ "$got" = "$1 $1;$1 $1;" ] || fail "topic $T_TOPIC: expected $1 read and $1 write queues on each of the 2 broker groups, topicRoute shows '${got:-no route}'"
}

expect_group() { # expect_group present|absent
  local n
  n=$(mqadmin_w1 getConsumerConfig -g "$T_GROUP" | grep -cE '^retryMaxTimes +=  3$' || true)
  case $1 in
    present) [ "$n" -eq 2 ] || fail "group $T_GROUP: expected retryMaxTimes 3 on both broker groups, getConsumerConfig shows it on $n" ;;
    absent) [ "$n" -eq 0 ] || fail "group $T_GROUP: still held by $n broker group(s)" ;;
  esac
}

t_topics_create() {
  topics_enter
  # The smoke step of each up below: 20 messages, not set a's default.
  pulumi config set rocketmq:smokeMessages 20
  set_topic 4
  local t0=$SECONDS
  pulumi_up >"$WORK/t-up1.out" 2>&1 || { tail -60 "$WORK/t-up1.out" >&2; fail "pulumi up failed"; }
  record "t. one topic (4 queues) and one group added to a running cluster: up $((SECONDS - t0)) s"
  grep -E "rmq-(topic|group): (topic|group) .* as declared" "$WORK/t-up1.out" >&2 || fail "the up did not print the read-back of the topic and the group"
  expect_queues 4
  expect_group present
}

t_topics_queue_change() {
  topics_enter
  set_topic 8
  pulumi preview --diff --non-interactive >"$WORK/t-preview8.out" 2>&1 || { tail -40 "$WORK/t-preview8.out" >&2; fail "preview failed"; }
  cp "$WORK/t-preview8.out" "$WORK-t-preview8.txt"
  local updates
  updates=$(grep -cE '^ +~ .*: \(update\)$' "$WORK/t-preview8.out" || true)
  [ "$updates" -eq 1 ] || fail "preview: expected exactly one resource to update, found $updates"
  grep -q "urn=.*rmq-local-topic-$T_TOPIC\]" "$WORK/t-preview8.out" || fail "preview: the update is not the topic's resource"
  grep -qE '~ 1 to update' "$WORK/t-preview8.out" || fail "preview: the summary is not '1 to update'"
  grep -qE 'to (create|delete|replace)' "$WORK/t-preview8.out" && fail "preview: something is created, deleted or replaced"
  grep -qE "readQueues 4, writeQueues 4.*=>|readQueues 8, writeQueues 8" "$WORK/t-preview8.out" || fail "preview: the diff does not show the queue counts"
  local t0=$SECONDS
  pulumi_up >"$WORK/t-up2.out" 2>&1 || { tail -60 "$WORK/t-up2.out" >&2; fail "pulumi up failed"; }
  record "t. queue count 4 -> 8: preview showed 1 resource to update (the topic); up $((SECONDS - t0)) s"
  expect_queues 8
  local out
  out=$(smoke_client roundtrip --namesrv "$NAMESRV_ADDRS" --topic "$T_TOPIC" --group "$T_GROUP" --count 200 --no-create --timeout-seconds 120) ||
    fail "round trip on $T_TOPIC with $T_GROUP failed: $out"
  record "t. 200 messages round trip on the managed topic (8 queues) with the managed group, nothing created by the client: $out"
}

t_topics_remove_kept() {
  topics_enter
  unset_topic
  pulumi preview --non-interactive >"$WORK/t-preview-rm.out" 2>&1 || { tail -40 "$WORK/t-preview-rm.out" >&2; fail "preview failed"; }
  local kept
  kept=$(grep -cE "rmq-local-(topic-$T_TOPIC|group-$T_GROUP) +delete\[retain\]" "$WORK/t-preview-rm.out" || true)
  [ "$kept" -eq 2 ] || { cat "$WORK/t-preview-rm.out" >&2; fail "preview: expected the topic and the group shown as delete[retain], found $kept"; }
  pulumi_up >"$WORK/t-up3.out" 2>&1 || { tail -60 "$WORK/t-up3.out" >&2; fail "pulumi up failed"; }
  grep -qE "rmq-(topic|group): .* deleted" "$WORK/t-up3.out" && fail "up ran a delete although nothing opted in"
  expect_queues 8
  expect_group present
  record "t. topic and group removed from config without opt-in: preview '$(grep -E "topic-$T_TOPIC +delete" "$WORK/t-preview-rm.out" | sed 's/^ *//;s/  */ /g')', both still on the cluster after up"
}

t_topics_remove_deleted() {
  topics_enter
  # Opt in, recorded by an up (the topic and the group come back under management with it) ...
  set_topic 8
  pulumi config set rocketmq:deleteRemovedTopics true
  pulumi config set rocketmq:deleteRemovedGroups true
  pulumi_up >"$WORK/t-up4.out" 2>&1 || { tail -60 "$WORK/t-up4.out" >&2; fail "pulumi up failed"; }
  # up --replace of the topic's resource, deletion opted in: the replacement applies the topic, then
  # the old resource's delete finds the replacement's claim and deletes nothing.
  local urn
  urn=$(pulumi stack export | node -e '
    const d = JSON.parse(require("fs").readFileSync(0, "utf8"));
    for (const r of d.deployment.resources || []) if (/::rmq-local-topic-/.test(r.urn) && !r.delete) console.log(r.urn);')
  [ "$(wc -w <<<"$urn")" = 1 ] || fail "expected one topic resource in the state, found: $urn"
  pulumi_up --replace "$urn" >"$WORK/t-up-replace.out" 2>&1 || { up_failure "$WORK/t-up-replace.out"; fail "pulumi up --replace of the topic failed"; }
  grep -q '1 replaced' "$WORK/t-up-replace.out" || { tail -20 "$WORK/t-up-replace.out" >&2; fail "the engine did not report 1 replaced"; }
  expect_queues 8
  [ "$(on_host "${HOST_IPS[0]}" "cat /var/lib/rocketmq-pulumi/claims/topic-$T_TOPIC")" = 1 ] || fail "worker1's claim of topic $T_TOPIC is not one count after the replace"
  record "t. up --replace of the topic's resource with deleteRemovedTopics on: the topic stays (8 queues on both groups), claimed once"
  # ... then removing them deletes them.
  unset_topic
  pulumi preview --non-interactive >"$WORK/t-preview-del.out" 2>&1 || { tail -40 "$WORK/t-preview-del.out" >&2; fail "preview failed"; }
  grep -q 'retain' "$WORK/t-preview-del.out" && fail "preview still says retain after the opt-in"
  grep -qE "rmq-local-topic-$T_TOPIC +delete" "$WORK/t-preview-del.out" || fail "preview does not show the topic deleted"
  local t0=$SECONDS
  pulumi_up >"$WORK/t-up5.out" 2>&1 || { tail -60 "$WORK/t-up5.out" >&2; fail "pulumi up failed"; }
  record "t. with deleteRemovedTopics/Groups: topic and group removed from config deleted on the cluster, up $((SECONDS - t0)) s"
  [ -z "$(route_queues)" ] || fail "topic $T_TOPIC is still routed"
  mqadmin_w1 topicList | grep -qx "$T_TOPIC" && fail "topicList still lists $T_TOPIC"
  expect_group absent
}

# On set a's cluster (run.sh set_async): t2-t4 build on t1.
topics_tests() {
  run_test topics-create t_topics_create
  if [ "${results[-1]:0:4}" != PASS ]; then
    local t
    for t in topics-queue-change topics-removed-kept topics-replace-then-delete; do blocked "$t" topics-create; done
    return 0
  fi
  run_test topics-queue-change t_topics_queue_change
  run_test topics-removed-kept t_topics_remove_kept
  run_test topics-replace-then-delete t_topics_remove_deleted
}
