#!/usr/bin/env bash
# demo.sh up|down - the whole stack on three local hosts (Linux, root), no cloud needed.
#   up:   builds or reuses the toolchain and artifacts, starts worker1..3, runs `pulumi up`.
#   down: `pulumi destroy`, then removes the hosts and the demo's state.
set -euo pipefail
export RMQ_E2E_WORK=${RMQ_DEMO_WORK:-/var/tmp/rmq-demo}
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/../tests/e2e/lib.sh"

case "${1:-up}" in
  up)
    prepare_toolchain
    prepare_artifacts
    hosts_up
    stack_init "$E2E_VERSION"
    log "pulumi up (takes a few minutes the first time)"
    pulumi_up
    cat <<MSG

RocketMQ is up on worker1..3 ($(pulumi stack output topology)).
  name servers:  $(pulumi stack output namesrvAddr)
  dashboard:     $(pulumi stack output dashboardUrl)  (admin / \`cd $WORK/project && pulumi stack output dashboardAdminPassword --show-secrets\`)
  send 1000 messages and read them back, the guide's way (section 7.5), on worker2:
    ssh -i $RMQ_TEST_HOSTS_KEY root@${HOST_IPS[1]}
    . /app/rocketmq/java.env; export NAMESRV_ADDR='worker1:9876;worker2:9876;worker3:9876'
    \$JAVA -cp '/app/rocketmq/current/lib/*' org.apache.rocketmq.example.quickstart.Producer
    \$JAVA -cp '/app/rocketmq/current/lib/*' org.apache.rocketmq.example.quickstart.Consumer
  cluster state:  ssh ... mqadmin clusterList
  remove it all:  npm run demo:down
MSG
    ;;
  down)
    if [ -d "$WORK/project" ]; then
      prepare_toolchain
      (cd "$WORK/project" && pulumi login "file://$WORK/state" >/dev/null &&
        pulumi destroy --yes --skip-preview --non-interactive -s local) || log "destroy failed; removing the hosts anyway"
    fi
    hosts_down
    rm -rf "$WORK"
    log "demo removed"
    ;;
  *)
    echo "usage: demo.sh up|down" >&2
    exit 2
    ;;
esac
