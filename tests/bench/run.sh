#!/usr/bin/env bash
# Benchmark: prints figures, asserts nothing. Real engine, systemd test machines, real RocketMQ.
#   fresh `pulumi up` to a verified cluster per topology; the host phase (OS tuning + install) for
#   one host alone vs all three (the hosts deploy in parallel); no-op up; one-broker change;
#   all-broker rolling change; destroy; DLedger failover (median of 3); the guide's quickstart
#   1000-message produce/consume; toolchain cold/warm.
set -euo pipefail
export RMQ_E2E_WORK=${RMQ_BENCH_WORK:-/var/tmp/rmq-bench}
export RMQ_E2E_FIGURES=${RMQ_BENCH_FIGURES:-/var/tmp/rmq-bench-figures.txt}
# shellcheck source=tests/e2e/run.sh
. "$(dirname "$0")/../e2e/run.sh"

figure() { echo "$*" | tee -a "$RMQ_E2E_FIGURES"; }
timed() { local t0=$SECONDS; "$@" >"$WORK/bench-step.out" 2>&1 || { tail -40 "$WORK/bench-step.out" >&2; return 1; }; echo $((SECONDS - t0)); }

: >"$RMQ_E2E_FIGURES"
trap 'hosts_down' EXIT
t0=$SECONDS
prepare_toolchain
figure "toolchain warm check: $((SECONDS - t0)) s"
cold=$(cat "$CACHE"/pulumi-*/build-times.txt 2>/dev/null || true)
figure "toolchain cold build (recorded when it was built): ${cold:-not recorded}"
prepare_artifacts
fresh() { hosts_down; hosts_up; }
fresh

# Host phase alone: one host, then all three (targets: the ssh/os/install commands).
stack_init 5.3.3
host_targets() {
  local w u=urn:pulumi:local::rocketmq::rocketmq:index args=()
  # Targets need their parent components too.
  args+=(--target "$u:ExistingHosts::rmq-local" --target "$u:RocketMqCluster::rmq-local")
  # Every host's first command: rendering needs all hosts' addresses (the /etc/hosts block).
  for w in worker1 worker2 worker3; do
    args+=(--target "urn:pulumi:local::rocketmq::rocketmq:index:ExistingHosts\$command:remote:Command::rmq-local-$w-ssh")
  done
  for w in "$@"; do
    args+=(--target "$u:RocketMqCluster\$rocketmq:index:OsTuning::rmq-local-$w-os")
    args+=(--target "$u:RocketMqCluster\$rocketmq:index:RocketMqInstall::rmq-local-$w-install")
    args+=(--target "urn:pulumi:local::rocketmq::rocketmq:index:RocketMqCluster\$rocketmq:index:OsTuning\$command:remote:Command::rmq-local-$w-os-apply")
    args+=(--target "urn:pulumi:local::rocketmq::rocketmq:index:RocketMqCluster\$rocketmq:index:RocketMqInstall\$command:remote:Command::rmq-local-$w-install-apply")
  done
  printf '%s\n' "${args[@]}"
}
mapfile -t one < <(host_targets worker1)
figure "host phase (os tuning + install), one host: $(timed pulumi_up "${one[@]}") s"
pulumi destroy --yes --skip-preview --non-interactive >/dev/null
mapfile -t three < <(host_targets worker1 worker2 worker3)
figure "host phase (os tuning + install), three hosts: $(timed pulumi_up "${three[@]}") s"
pulumi destroy --yes --skip-preview --non-interactive >/dev/null

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }
# Fresh deploys, three times on fresh machines: the median is the figure.
fresh_ups=()
for i in 1 2 3; do
  if [ "$i" -gt 1 ]; then fresh; stack_init 5.3.3; fi
  fresh_ups+=("$(timed pulumi_up)")
done
figure "fresh up to verified cluster, 2m-2s-async, median of 3: $(printf '%s\n' "${fresh_ups[@]}" | median) s (${fresh_ups[*]})"
figure "no-op up: $(timed pulumi_up) s"
quickstart_roundtrip "bench 2m-2s-async"
pulumi config set --path 'rocketmq:instances.broker-a.heap' 768m
figure "targeted change (broker-a heap), up: $(timed pulumi_up) s"
pulumi config set --path 'rocketmq:brokerProperties.sendMessageThreadPoolNums' 4
figure "rolling change of all 4 brokers (stack-wide property), up: $(timed pulumi_up) s"
figure "destroy: $(timed pulumi destroy --yes --skip-preview --non-interactive) s"

for topology in 2m-2s-sync 2m-noslave; do
  fresh
  stack_init 5.3.3
  pulumi config set rocketmq:topology "$topology"
  figure "fresh up to verified cluster, $topology: $(timed pulumi_up) s"
done

fresh
stack_init 5.3.3
pulumi config set rocketmq:topology dledger
figure "fresh up to verified cluster, dledger: $(timed pulumi_up) s"
for i in 1 2 3; do
  "$REPO/tests/e2e/failover.sh" "$WORK" >"$WORK/failover-$i.out" 2>&1 || figure "failover run $i failed: $(tail -3 "$WORK/failover-$i.out")"
  sleep 20
done
leader=$(grep -o 'new leader listed after [0-9.]*' "$RMQ_E2E_FIGURES" | awk '{ print $5 }' | median)
resumed=$(grep -o 'sends ok again after [0-9.]*' "$RMQ_E2E_FIGURES" | awk '{ print $5 }' | median)
figure "dledger failover, median of $(grep -c 'dledger-failover:' "$RMQ_E2E_FIGURES") runs: new leader listed after ${leader:-?} s, sends ok again after ${resumed:-?} s"
pulumi destroy --yes --skip-preview --non-interactive >/dev/null
echo "---- figures ----"
cat "$RMQ_E2E_FIGURES"
