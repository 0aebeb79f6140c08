#!/usr/bin/env bash
# failover.sh WORKDIR - kill the DLedger leader's broker with SIGKILL while a producer sends at a
# steady rate; print the seconds until a new leader is listed and until a send succeeds again;
# then consume and require every acknowledged message (0 lost). Exit 0 only if nothing was lost.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
work=$1
run=$work/failover-$(date +%s)
mkdir -p "$run"
namesrv=$NAMESRV_ADDRS
topic=FailoverTest
client() { smoke_client "$@"; }

on_host "${HOST_IPS[0]}" /app/rocketmq/bin/mqadmin updateTopic -c rocketmq-cluster -t "$topic" -r 4 -w 4 >/dev/null
leader=$(broker_rows | awk '$2 == 0 { print $3 }')
[ -n "$leader" ] || { echo "no leader in clusterList" >&2; exit 1; }
# clusterList shows the advertised address (the client network's, when a set uses it): find the
# member by either, and reach its host on the cluster network.
leader_ip=${leader%:*} leader_id=""
for i in 0 1 2; do
  if [ "${HOST_IPS[$i]}" = "$leader_ip" ] || [ "${CLIENT_IPS[$i]}" = "$leader_ip" ]; then
    leader_id=n$i leader_ip=${HOST_IPS[$i]}
  fi
done
[ -n "$leader_id" ] || { echo "leader $leader is none of the hosts" >&2; exit 1; }
echo "leader before: $leader ($leader_id)" >&2
# Followers copy topic config from the leader periodically: give them time before the kill.
sleep 12

client produce --namesrv "$namesrv" --topic "$topic" --duration-seconds 45 --rate 20 --route-refresh-ms 1000 --out "$run/sent.log" >"$run/produce.out" 2>&1 &
producer=$!
sleep 10
pid=$(instance_pid "$leader_ip" "$leader_id")
# systemd restarts a killed broker after 5 s, and a member that is back before the survivors'
# election can win it again: then no failover is measured. A runtime drop-in (gone at reboot,
# removed below) holds the restart for 60 s, as if the leader's machine had died.
unit=rocketmq-$leader_id.service
on_host "$leader_ip" "if [ -d /run/systemd/system ]; then mkdir -p /run/systemd/system/$unit.d && printf '[Service]\nRestartSec=60\n' >/run/systemd/system/$unit.d/failover-test.conf && systemctl daemon-reload; fi"
kill_ms=$(date +%s%3N)
on_host "$leader_ip" "kill -9 $pid"
echo "SIGKILL $leader_id (pid $pid) at $kill_ms" >&2

new_leader=""
deadline=$((SECONDS + 90))
while [ "$SECONDS" -lt "$deadline" ]; do
  new_leader=$(broker_rows | awk -v old="$leader" '$2 == 0 && $3 != old { print $3 }')
  [ -n "$new_leader" ] && break
  sleep 0.5
done
leader_ms=$(date +%s%3N)
on_host "$leader_ip" "rm -rf /run/systemd/system/$unit.d; [ ! -d /run/systemd/system ] || systemctl daemon-reload"
wait "$producer" || true
cat "$run/produce.out" >&2
[ -n "$new_leader" ] || { echo "no new leader within 90 s" >&2; exit 1; }
# Sends in flight when the kill lands may still succeed: recovery is the first success after the
# first failure that follows the kill (the kill itself, if no send ever failed).
first_ok=$(awk -v k="$kill_ms" '$1 > k && $3 == "fail" && !f { f = 1 } f && $3 == "ok" { print $1; exit }' "$run/sent.log")
failed=$(awk -v k="$kill_ms" '$1 > k && $3 == "fail"' "$run/sent.log" | wc -l)
if [ "$failed" -eq 0 ]; then first_ok=$kill_ms; fi
[ -n "$first_ok" ] || { echo "no successful send after the failures that followed the kill" >&2; exit 1; }
echo "new leader: $new_leader" >&2
awk -v k="$kill_ms" -v l="$leader_ms" -v s="$first_ok" -v n="$failed" \
  'BEGIN { printf "dledger-failover: new leader listed after %.1f s, sends ok again after %.1f s (%d sends failed)\n", (l - k) / 1000, (s - k) / 1000, n }' |
  tee -a "$FIGURES"
client consume --namesrv "$namesrv" --topic "$topic" --group "failover-$(date +%s)" --expect "$run/sent.log" --timeout-seconds 120 | tee "$run/consume.out"
grep -q 'missing=0' "$run/consume.out"
