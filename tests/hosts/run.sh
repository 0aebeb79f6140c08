#!/usr/bin/env bash
# Host-level end-to-end tests (no Pulumi engine needed): three real SSH hosts, a real RocketMQ,
# real clients, the stack's own rendered scripts run in the program's order. Linux + root.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"

trap 'hosts_down' EXIT
prepare_artifacts
hosts_down
hosts_up
export RMQ_DIST_DIR=$DIST RMQ_ARTIFACT_URL="http://$BRIDGE_IP:$ARTIFACT_PORT" RMQ_DASHBOARD_VERSION=$DASHBOARD_VERSION
export RMQ_E2E_WORK=$WORK RMQ_E2E_FIGURES=${RMQ_E2E_FIGURES:-$WORK-figures.txt}
mkdir -p "$WORK"
: >"$RMQ_E2E_FIGURES"
cd "$REPO"
status=0
npx jest --selectProjects hosts --runInBand || status=$?
echo "figures:"
cat "$RMQ_E2E_FIGURES"
exit "$status"
