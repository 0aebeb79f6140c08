#!/usr/bin/env bash
# The end-to-end scenarios (tests/e2e/run.sh runs them in host sets). Each function is one test:
# it returns non-zero, printing why, when the behaviour it checks is broken. Sourced, not run.

# client_network on|off: whether the next stack advertises the client network (hosts[].clientAddress
# on eth1) while replication stays on the cluster network; the expected clusterList rows follow.
client_network() {
  if [ "$1" = on ]; then ADV_NET=${CLIENT_IPS[0]%.*}; else ADV_NET=$NET; fi
  EXPECTED_2M=("broker-a 0 $ADV_NET.12:10911" "broker-a 1 $ADV_NET.13:11011" "broker-b 0 $ADV_NET.13:10911" "broker-b 1 $ADV_NET.12:11011")
}
client_network off
# Where the brokers listen (every address of the host): probed on the cluster network.
BROKER_ENDPOINTS=("$NET.12:10911" "$NET.13:11011" "$NET.13:10911" "$NET.12:11011")

expect_rows() { # expect_rows "NAME BID ADDR"...: clusterList shows exactly these brokers (waits)
  local want got
  want=$(printf '%s\n' "$@" | sort)
  for _ in $(seq 1 60); do
    got=$(broker_rows)
    [ "$got" = "$want" ] && return 0
    sleep 3
  done
  printf 'expected:\n%s\ngot:\n%s\n' "$want" "$got" >&2
  fail "clusterList does not show the expected brokers"
}

nameservers_answer() {
  local ip out
  for ip in "${HOST_IPS[@]}"; do
    out=$(on_host "${HOST_IPS[0]}" /app/rocketmq/bin/mqadmin clusterList -n "$ip:9876")
    [[ $out == *broker-a*broker-b* ]] || fail "name server $ip:9876 does not answer with the brokers"
  done
}

# Every instance on every host is an enabled, active systemd unit; prints the count.
units_enabled_active() {
  local ip id n=0 state
  for ip in "${HOST_IPS[@]}"; do
    for id in $(on_host "$ip" 'ls /app/rocketmq/instances'); do
      state=$(on_host "$ip" "systemctl is-enabled rocketmq-$id.service; systemctl is-active rocketmq-$id.service" | tr '\n' ' ')
      [ "$state" = "enabled active " ] || fail "rocketmq-$id.service on $ip is '$state', not enabled and active"
      n=$((n + 1))
    done
  done
  echo "$n"
}

# The kernel settings cannot be applied inside the test machines (/proc/sys is read-only): the
# stack must have persisted them and said so.
sysctl_persisted() {
  local ip
  for ip in "${HOST_IPS[@]}"; do
    on_host "$ip" "grep -Eq '^vm.max_map_count *= *655360' /etc/sysctl.d/60-rocketmq.conf && grep -q 'nofile' /etc/security/limits.d/60-rocketmq.conf" ||
      fail "kernel settings or file limits not persisted on $ip"
  done
  grep -q 'kernel settings persisted in /etc/sysctl.d/60-rocketmq.conf but NOT applied' "$1" ||
    fail "pulumi up did not say that the kernel settings were persisted but not applied"
}

# The guide's section 7.5 on worker2: its quickstart Producer sends 1000 messages to TopicTest, its
# Consumer must receive all 1000 distinct message ids.
quickstart_roundtrip() {
  local t0=$SECONDS sent got consumer
  on_host "${HOST_IPS[1]}" "ls /app/rocketmq/current/lib | grep '^rocketmq-example-'" >/dev/null ||
    fail "the distribution has no quickstart classes (lib/rocketmq-example-*.jar)"
  local env="NAMESRV_ADDR='worker1:9876;worker2:9876;worker3:9876'"
  local cp='-cp "/app/rocketmq/current/lib/*"'
  on_host "${HOST_IPS[1]}" ". /app/rocketmq/java.env; cd /tmp; $env \$JAVA -Xmx256m -Duser.home=/tmp $cp org.apache.rocketmq.example.quickstart.Producer" >"$WORK/producer.out" 2>&1 || true
  local produce_s=$((SECONDS - t0))
  # The Consumer prints the broker's id of each message (msgId=), which the Producer's SendResult
  # calls offsetMsgId (its own msgId= is the client-side unique key).
  grep 'sendStatus=SEND_OK' "$WORK/producer.out" | grep -o 'offsetMsgId=[0-9A-F]*' | sed 's/.*=//' | sort -u >"$WORK/sent.ids"
  sent=$(wc -l <"$WORK/sent.ids")
  [ "$sent" -eq 1000 ] || { tail -20 "$WORK/producer.out" >&2; fail "quickstart Producer: $sent of 1000 sends acknowledged"; }
  t0=$SECONDS
  on_host "${HOST_IPS[1]}" ". /app/rocketmq/java.env; cd /tmp; $env timeout 120 \$JAVA -Xmx256m -Duser.home=/tmp $cp org.apache.rocketmq.example.quickstart.Consumer" >"$WORK/consumer.out" 2>&1 &
  consumer=$!
  got=0
  for _ in $(seq 1 110); do
    grep -o '[^A-Za-z]msgId=[0-9A-F]*' "$WORK/consumer.out" | sed 's/.*msgId=//' | sort -u >"$WORK/got.ids" || true
    got=$(comm -12 "$WORK/sent.ids" "$WORK/got.ids" | wc -l)
    [ "$got" -eq 1000 ] && break
    sleep 1
  done
  local consume_s=$((SECONDS - t0))
  on_host "${HOST_IPS[1]}" 'pkill -f "[q]uickstart.Consumer" || true'
  wait "$consumer" || true
  record "quickstart 1000 messages ($1): Producer acknowledged $sent in ${produce_s} s, Consumer received $got distinct ids in ${consume_s} s"
  [ "$got" -eq 1000 ] || fail "quickstart Consumer received $got of the 1000 message ids sent"
}

dashboard_requires_login() {
  local url pw code
  url=$(pulumi stack output dashboardUrl)
  [ "$url" = "http://${HOST_IPS[0]}:8080" ] || fail "dashboardUrl output is '$url'"
  code=$(curl -s -o /dev/null -w '%{http_code}' "$url/")
  [ "$code" = 200 ] || fail "dashboard index answered HTTP $code"
  code=$(curl -s -o "$WORK/dash-anon.json" -w '%{http_code}' "$url/cluster/list.query")
  [ "$code" = 302 ] || fail "the dashboard API answered HTTP $code without a login (expected a 302 to the login page)"
  if grep -q 'broker-a' "$WORK/dash-anon.json"; then fail "dashboard served cluster data without a login"; fi
  curl -s -c "$WORK/dash.bad" -d "username=admin&password=admin" "$url/login/login.do" >/dev/null
  curl -s -b "$WORK/dash.bad" "$url/cluster/list.query" >"$WORK/dash-bad.json"
  if grep -q 'broker-a' "$WORK/dash-bad.json"; then fail "dashboard accepted admin/admin"; fi
  pw=$(pulumi stack output dashboardAdminPassword --show-secrets)
  [ "${#pw}" -ge 16 ] || fail "dashboard password is too short (${#pw})"
  curl -s -c "$WORK/dash.cookies" --data-urlencode "username=admin" --data-urlencode "password=$pw" "$url/login/login.do" >"$WORK/dash-login.json"
  curl -s -b "$WORK/dash.cookies" "$url/cluster/list.query" >"$WORK/dash-auth.json"
  grep -q 'broker-a' "$WORK/dash-auth.json" || { cat "$WORK/dash-login.json" "$WORK/dash-auth.json" >&2; fail "dashboard did not serve cluster data after login"; }
  record "dashboard: anonymous API refused, admin/admin refused, generated password accepted"
}

# Producer on this machine against the hosts, in the background, 20 messages a second, each
# outcome in $1 ("epochMillis id ok|fail"). stop_producer ends it; lines are flushed one by one.
# Fails unless a send is acknowledged within WAIT seconds (default 30).
start_producer() { # start_producer OUT TOPIC [WAIT]
  local out=$1 topic=$2 wait_s=${3:-30}
  smoke_client produce --namesrv "$NAMESRV_ADDRS" --topic "$topic" --duration-seconds 900 --rate 20 \
    --route-refresh-ms 1000 --out "$out" >"$out.summary" 2>&1 &
  # The first acknowledgement: a JVM start and a route lookup, slower on a loaded machine.
  local n
  for _ in $(seq 1 $((wait_s * 2))); do
    n=$(grep -c ' ok$' "$out" 2>/dev/null) || n=0
    [ "$n" -gt 0 ] && return 0
    sleep 0.5
  done
  cat "$out.summary" >&2
  fail "the producer sent nothing acknowledged within $wait_s s"
}

stop_producer() {
  pkill -f -- "--out $1" || true
  for _ in $(seq 1 20); do pgrep -f -- "--out $1" >/dev/null || return 0; sleep 0.5; done
  pkill -9 -f -- "--out $1" || true
}

# Every message the producer saw acknowledged must be consumed: prints "acked failed".
all_acked_consumed() {
  local out=$1 topic=$2 acked failed
  acked=$(grep -c ' ok$' "$out" || true)
  failed=$(grep -c ' fail$' "$out" || true)
  smoke_client consume --namesrv "$NAMESRV_ADDRS" --topic "$topic" --group "check-$(date +%s%N)" \
    --expect "$out" --timeout-seconds 120 >"$out.consume" 2>&1 || true
  cat "$out.consume" >&2
  grep -q 'missing=0' "$out.consume" || fail "acknowledged messages were lost ($(grep -o 'missing=[0-9]*' "$out.consume" || echo 'consume failed'))"
  echo "$acked $failed"
}

down_before() { # down_before PORTS_LOG A B: every down sample of A precedes every down sample of B
  awk -v a="$2" -v b="$3" '$3 == "down" && $2 == a { la = $1 } $3 == "down" && $2 == b && !fb { fb = $1 }
    END { exit !(la && fb && la < fb) }' "$1"
}

# Background sampler: every 0.5 s, "epochMillis endpoint up|down" per broker endpoint (TCP).
start_port_watch() {
  local out=$1
  (
    while [ ! -e "$out.stop" ]; do
      local t ep
      t=$(date +%s%3N)
      for ep in "${BROKER_ENDPOINTS[@]}"; do
        # A second try before "down": on a busy machine one connect can miss its 1 s while the
        # instance runs (the CI run saw a name server "down" twice, once for a single sample).
        if timeout 1 bash -c "</dev/tcp/${ep%:*}/${ep#*:}" 2>/dev/null ||
          timeout 2 bash -c "</dev/tcp/${ep%:*}/${ep#*:}" 2>/dev/null; then
          echo "$t $ep up"
        else
          echo "$t $ep down"
        fi
      done >>"$out"
      sleep 0.5
    done
  ) &
}

# up_under_load RUN TOPIC OUT: a stack-wide broker property changed and `pulumi up` run while a
# producer sends to TOPIC and the broker endpoints are sampled ($RUN/sent.log, $RUN/ports.log).
up_under_load() {
  local run=$1 topic=$2 out=$3 rc=0
  start_producer "$run/sent.log" "$topic"
  start_port_watch "$run/ports.log"
  pulumi config set --path 'rocketmq:brokerProperties.sendMessageThreadPoolNums' 4
  pulumi_up >"$out" 2>&1 || rc=$?
  sleep 5
  touch "$run/ports.log.stop"
  stop_producer "$run/sent.log"
  wait
  [ "$rc" -eq 0 ] || { up_failure "$out"; fail "pulumi up failed"; }
}

# ---- scenarios ----

t_async_up() {
  stack_init "$E2E_VERSION"
  pulumi config set rocketmq:purgeDataOnDestroy false
  pulumi preview --non-interactive >"$WORK/preview.out" 2>&1 || { tail -30 "$WORK/preview.out" >&2; fail "pulumi preview failed"; }
  local t0=$SECONDS units
  pulumi_up >"$WORK/up.out" 2>&1 || { up_failure "$WORK/up.out"; fail "pulumi up failed"; }
  record "a. fresh up 2m-2s-async $E2E_VERSION (to a verified cluster, smoke included): $((SECONDS - t0)) s"
  expect_rows "${EXPECTED_2M[@]}"
  nameservers_answer
  units=$(units_enabled_active)
  [ "$units" -eq 8 ] || fail "expected 8 systemd units (3 name servers, 4 brokers, the dashboard), found $units"
  sysctl_persisted "$WORK/up.out"
  quickstart_roundtrip "2m-2s-async $E2E_VERSION"
  dashboard_requires_login
}

# replication_on_cluster_net MIN PORT IP...: on each host IP, at least MIN established TCP
# connections to or from PORT, and every one between cluster-network addresses; prints the total.
replication_on_cluster_net() {
  local min=$1 port=$2 ip conns n total=0
  shift 2
  for ip in "$@"; do
    conns=$(on_host "$ip" "ss -Htn state established '( sport = :$port or dport = :$port )'")
    printf '%s connections on port %s:\n%s\n' "$ip" "$port" "$conns" >&2
    n=$(grep -c . <<<"$conns" || true)
    [ "$n" -ge "$min" ] || fail "$ip: expected at least $min replication connections on port $port, found $n"
    # Local and peer address of each connection (IPv4-mapped ones too) must be on $NET.0/24.
    if awk -v net="$NET." '{ for (f = 3; f <= 4; f++) { a = $f; gsub(/^\[::ffff:|\]:[0-9]+$|:[0-9]+$/, "", a); if (index(a, net) != 1) { print "off the cluster network: " $0; bad = 1 } } } END { exit !bad }' <<<"$conns" >&2; then
      fail "$ip: a replication connection on port $port is not between cluster-network addresses"
    fi
    total=$((total + n))
  done
  echo "$total"
}

# Two networks: brokers advertise the client network (hosts[].clientAddress), so a client that
# reaches only that network (the client namespace) sends and receives everything, while the HA
# replication connections (the masters' HA port, listenPort + 1) stay on the cluster network.
t_client_network() {
  cd "$WORK/project" || return 1
  local ns=$RMQ_TEST_HOSTS_CLIENT_NS addrs total
  ip netns exec "$ns" timeout 3 bash -c "</dev/tcp/${CLIENT_IPS[1]}/9876" || fail "the client namespace cannot reach ${CLIENT_IPS[1]}:9876"
  if ip netns exec "$ns" timeout 3 bash -c "</dev/tcp/${HOST_IPS[1]}/9876" 2>/dev/null; then
    fail "the client namespace reaches the cluster network (${HOST_IPS[1]}:9876): the test would prove nothing"
  fi
  addrs=$(pulumi stack output namesrvAddr)
  [ "$addrs" = "${CLIENT_IPS[0]}:9876;${CLIENT_IPS[1]}:9876;${CLIENT_IPS[2]}:9876" ] || fail "namesrvAddr output is '$addrs', not the client addresses"
  local t0=$SECONDS
  SMOKE_NETNS=$ns smoke_client roundtrip --namesrv "$addrs" --topic ClientNet --group client-net --count 500 --timeout-seconds 120 \
    >"$WORK/client-net.out" 2>&1 || { tail -20 "$WORK/client-net.out" >&2; fail "a client on the client network could not send and receive 500 messages"; }
  total=$(replication_on_cluster_net 2 10912 "${HOST_IPS[1]}" "${HOST_IPS[2]}")
  record "a3. client network: 500 messages round trip from the client namespace in $((SECONDS - t0)) s (namesrvAddr $addrs); $total HA connection ends, all on $NET.0/24"
}

# Neither the deployer's SSH key nor the dashboard password may appear in clear in the state
# directory (checkpoints, history, backups) or in anything the engine printed.
t_secrets_stay_secret() {
  cd "$WORK/project" || return 1
  local pw key_line hits
  pw=$(pulumi stack output dashboardAdminPassword --show-secrets)
  [ "${#pw}" -ge 16 ] || fail "no dashboard password to look for"
  key_line=$(sed -n 2p "$RMQ_TEST_HOSTS_KEY")
  [ "${#key_line}" -ge 40 ] || fail "no key material to look for"
  [ -n "$(find "$WORK/state" -path '*history*' -type f | head -1)" ] || fail "the state has no history to search"
  hits=$(grep -rlF -e "$pw" -e "$key_line" "$WORK/state" "$WORK"/*.out 2>/dev/null || true)
  [ -z "$hits" ] || fail "secrets in clear in: $hits"
  # The search itself finds them where they are in clear.
  printf 'x %s x\n' "$pw" >"$WORK/canary.out"
  hits=$(grep -rlF -e "$pw" "$WORK"/*.out || true)
  rm -f "$WORK/canary.out"
  [ -n "$hits" ] || fail "the search does not find a password written in clear"
  record "a2. secrets: $(find "$WORK/state" -type f | wc -l) state files and $(find "$WORK" -maxdepth 1 -name "*.out" | wc -l) engine outputs searched, no SSH key or dashboard password in clear"
}

t_noop_rerun() {
  cd "$WORK/project" || return 1
  all_pids >"$WORK/pids.before"
  pulumi preview --expect-no-changes --non-interactive >"$WORK/preview2.out" 2>&1 || { tail -30 "$WORK/preview2.out" >&2; fail "preview reports changes"; }
  local t0=$SECONDS
  pulumi_up --expect-no-changes >"$WORK/up2.out" 2>&1 || { tail -30 "$WORK/up2.out" >&2; fail "no-op up changed something"; }
  record "b. no-op up: $((SECONDS - t0)) s"
  all_pids >"$WORK/pids.after"
  diff "$WORK/pids.before" "$WORK/pids.after" >&2 || fail "a process was restarted by a no-op up"
  [ "$(wc -l <"$WORK/pids.after")" -ge 8 ] || fail "expected at least 8 services (3 name servers, 4 brokers, dashboard), got $(cat "$WORK/pids.after")"
}

# Where data goes on destroy is not a reason to restart anything.
t_purge_toggle() {
  cd "$WORK/project" || return 1
  all_pids >"$WORK/pids.before"
  pulumi config set rocketmq:purgeDataOnDestroy true
  pulumi_up >"$WORK/up-toggle1.out" 2>&1 || { tail -40 "$WORK/up-toggle1.out" >&2; fail "pulumi up failed"; }
  pulumi config set rocketmq:purgeDataOnDestroy false
  pulumi_up >"$WORK/up-toggle2.out" 2>&1 || { tail -40 "$WORK/up-toggle2.out" >&2; fail "pulumi up failed"; }
  all_pids >"$WORK/pids.after"
  local changed
  changed=$(restarted_instances "$WORK/pids.before" "$WORK/pids.after")
  [ -z "$changed" ] || fail "toggling purgeDataOnDestroy restarted: $changed"
}

restarted_instances() { # IDs whose PID differs between two all_pids files
  { diff <(sort "$1") <(sort "$2") || true; } | awk '/^>/ { print $3 }' | sort -u | tr '\n' ' ' | sed 's/ $//'
}

t_targeted_change() {
  cd "$WORK/project" || return 1
  all_pids >"$WORK/pids.before"
  pulumi config set --path 'rocketmq:instances.broker-a.heap' 768m
  local t0=$SECONDS changed cmdline
  pulumi_up >"$WORK/up3.out" 2>&1 || { tail -40 "$WORK/up3.out" >&2; fail "pulumi up failed"; }
  record "c. one broker's heap changed: up $((SECONDS - t0)) s"
  all_pids >"$WORK/pids.after"
  changed=$(restarted_instances "$WORK/pids.before" "$WORK/pids.after")
  [ "$changed" = "broker-a" ] || fail "expected only broker-a to restart, restarted: ${changed:-none}"
  cmdline=$(on_host "${HOST_IPS[1]}" "tr '\\0' ' ' </proc/\$(/app/rocketmq/bin/rmq-service pid broker-a)/cmdline")
  [[ $cmdline == *-Xmx768m* ]] || fail "broker-a does not run with -Xmx768m"
  expect_rows "${EXPECTED_2M[@]}"
}

# A stack-wide broker property touches every broker: the engine must roll them one at a time,
# each healthy before the next, while a producer sends throughout.
t_rolling_all() {
  cd "$WORK/project" || return 1
  local run=$WORK/rolling t0 changed
  rm -rf "$run"; mkdir -p "$run"
  all_pids >"$WORK/pids.before"
  t0=$SECONDS
  up_under_load "$run" RollingTest "$WORK/up4.out"
  local up_s=$((SECONDS - t0))
  all_pids >"$WORK/pids.after"
  changed=$(restarted_instances "$WORK/pids.before" "$WORK/pids.after")
  [ "$changed" = "broker-a broker-a-s broker-b broker-b-s" ] || fail "expected the four brokers to restart, restarted: ${changed:-none}"
  # From the timeline: per endpoint its down intervals; never two endpoints down in one sample.
  awk '
    { t[$1] = 1; if ($3 == "down") { d[$1]++; if (!(($2) in first)) first[$2] = $1; last[$2] = $1 } }
    END {
      for (s in d) if (d[s] > max) max = d[s]
      for (e in first) printf "down %s from +%.1f s to +%.1f s\n", e, (first[e] - start) / 1000, (last[e] - start) / 1000
      printf "max-down-at-once %d\n", max
    }' start="$(head -1 "$run/ports.log" | cut -d' ' -f1)" "$run/ports.log" | sort >"$run/timeline.txt"
  cat "$run/timeline.txt" >&2
  [ "$(grep -c '^down ' "$run/timeline.txt")" -eq 4 ] || fail "the timeline does not show each of the 4 brokers down once"
  grep -q '^max-down-at-once 1$' "$run/timeline.txt" || fail "two brokers were down at the same time: $(grep max-down "$run/timeline.txt")"
  # Replicas first: each slave's restart ended before its master's began.
  down_before "$run/ports.log" "$NET.13:11011" "$NET.12:10911" || fail "broker-a's master restarted before its slave"
  down_before "$run/ports.log" "$NET.12:11011" "$NET.13:10911" || fail "broker-b's master restarted before its slave"
  grep -Eq "broker-a-s: $ADV_NET.13:11011 is [0-9]+ bytes behind $ADV_NET.12:10911" "$WORK/up4.out" || fail "broker-a-s's restart was not gated on catching up with its master"
  local counts
  counts=$(all_acked_consumed "$run/sent.log" RollingTest)
  record "d. rolling change of all 4 brokers: up ${up_s} s; $(grep '^down ' "$run/timeline.txt" | sed 's/^down //' | tr '\n' ';' | sed 's/;$//'); producer: ${counts% *} acknowledged (all consumed), ${counts#* } failed sends"
  expect_rows "${EXPECTED_2M[@]}"
}

# Power worker3 off and boot it again, no `pulumi up`: systemd must bring its name server and
# both brokers back; the producer running throughout loses nothing acknowledged.
t_machine_restart() {
  cd "$WORK/project" || return 1
  local run=$WORK/reboot t0 whole_s counts units
  rm -rf "$run"; mkdir -p "$run"
  start_producer "$run/sent.log" RebootTest
  t0=$SECONDS
  "$REPO/scripts/test-hosts.sh" reboot 3 >"$run/reboot.out" 2>&1 || { cat "$run/reboot.out" >&2; stop_producer "$run/sent.log"; fail "worker3 did not reboot"; }
  local boot_s=$((SECONDS - t0))
  expect_rows "${EXPECTED_2M[@]}" || { stop_producer "$run/sent.log"; return 1; }
  whole_s=$((SECONDS - t0))
  sleep 5
  stop_producer "$run/sent.log"
  units=$(units_enabled_active)
  [ "$units" -eq 8 ] || fail "expected 8 enabled active units after the reboot, found $units"
  counts=$(all_acked_consumed "$run/sent.log" RebootTest)
  record "e. worker3 powered off and booted: sshd back after ${boot_s} s, clusterList whole after ${whole_s} s; producer: ${counts% *} acknowledged (all consumed), ${counts#* } failed sends"
  pulumi preview --expect-no-changes --non-interactive >"$run/preview.out" 2>&1 || { tail -30 "$run/preview.out" >&2; fail "preview after the reboot reports changes"; }
}

destroy_stack() { # destroy, then check that nothing of RocketMQ runs or is installed
  local label=$1 t0=$SECONDS ip left
  pulumi destroy --yes --skip-preview --non-interactive >"$WORK/destroy.out" 2>&1 || { tail -40 "$WORK/destroy.out" >&2; fail "pulumi destroy failed"; }
  record "$label destroy: $((SECONDS - t0)) s"
  for ip in "${HOST_IPS[@]}"; do
    [ -z "$(rocketmq_pids "$ip")" ] || fail "RocketMQ processes left on $ip: $(rocketmq_pids "$ip")"
    left=$(on_host "$ip" 'ls -A /app/rocketmq/instances 2>/dev/null; ls -d /app/rocketmq/bin /app/rocketmq/current /usr/local/bin/mqadmin /etc/systemd/system/rocketmq-* 2>/dev/null; systemctl list-units --all --plain --no-legend "rocketmq-*" 2>/dev/null | grep -v "not-found" || true')
    [ -z "$left" ] || fail "left on $ip after destroy: $left"
  done
  left=$(pulumi stack export | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d.get("deployment",{}).get("resources") or []))')
  [ "$left" -eq 0 ] || fail "stack still has $left resources"
}

t_destroy_keeps_stores() {
  cd "$WORK/project" || return 1
  destroy_stack "$(pulumi config get rocketmq:topology)"
  local ip
  for ip in "${HOST_IPS[1]}" "${HOST_IPS[2]}"; do
    on_host "$ip" 'ls /app/rocketmq/store/commitlog | grep -q .' || fail "the store on $ip was deleted though purgeDataOnDestroy is false"
  done
}

t_destroy_purges() {
  cd "$WORK/project" || return 1
  [ "$(pulumi config get rocketmq:purgeDataOnDestroy)" = true ] || fail "this test needs purgeDataOnDestroy=true (Pulumi.local.yaml)"
  on_host "${HOST_IPS[1]}" 'ls /app/rocketmq/store/commitlog | grep -q .' || fail "no store to purge on worker2"
  destroy_stack "4.9.7"
  local ip
  for ip in "${HOST_IPS[@]}"; do
    [ -z "$(on_host "$ip" 'ls -A /app/rocketmq/store /app/rocketmq/storeSlave 2>/dev/null')" ] || fail "stores left on $ip despite purgeDataOnDestroy"
  done
}

t_bad_input() {
  cd "$WORK/project" || return 1
  pulumi config set rocketmq:topology 3m-3s
  local before after
  before=$("$REPO/scripts/test-hosts.sh" logins)
  if pulumi preview --non-interactive >"$WORK/bad.out" 2>&1; then fail "preview accepted topology 3m-3s"; fi
  after=$("$REPO/scripts/test-hosts.sh" logins)
  pulumi config set rocketmq:topology 2m-2s-async
  grep -q 'rocketmq:topology = "3m-3s": one of 2m-2s-async, 2m-2s-sync, 2m-noslave, dledger' "$WORK/bad.out" || { cat "$WORK/bad.out" >&2; fail "the error does not name the key, value and allowed values"; }
  if grep -qE 'unhandled exception|^ +at ' "$WORK/bad.out"; then cat "$WORK/bad.out" >&2; fail "the config error came with a stack trace"; fi
  [ "$before" = "$after" ] || fail "hosts were contacted by a preview with invalid config ($before -> $after logins)"
  # The same check can see a login: one ssh raises the count.
  on_host "${HOST_IPS[0]}" true
  after=$("$REPO/scripts/test-hosts.sh" logins)
  [ "$after" -gt "$before" ] || fail "the login counter did not see a login ($before -> $after)"
}

# Set u2's DLedger cluster (scenarios_upgrade.sh), just upgraded to 5.5.0: three members, one
# leader, the client network advertised, the peers on the cluster network, then the leader SIGKILLed
# under load.
t_dledger() {
  cd "$WORK/project" || return 1
  local rows leaders units want_units
  rows=$(broker_rows)
  echo "$rows" >&2
  [ "$(echo "$rows" | grep -c '^RaftNode00 ')" -eq 3 ] || fail "expected 3 DLedger members in clusterList"
  leaders=$(echo "$rows" | awk '$2 == 0' | wc -l)
  [ "$leaders" -eq 1 ] || fail "expected exactly one BID 0, got $leaders"
  # Clients are told the client network; the DLedger peers (port 40911) talk on the cluster network.
  [ "$(echo "$rows" | awk -v n="$ADV_NET." 'index($3, n) == 1' | wc -l)" -eq 3 ] || fail "the members do not advertise $ADV_NET addresses"
  local peers
  # The leader holds a connection to each follower; a follower that never stood for election opened
  # none of its own (seen in a run where the leader was elected before n0 started): one each, and
  # at least the leader's two links, both ends counted.
  peers=$(replication_on_cluster_net 1 40911 "${HOST_IPS[@]}")
  [ "$peers" -ge 4 ] || fail "expected the leader's links to both followers (4 connection ends on port 40911), found $peers"
  record "f. dledger advertises $ADV_NET.0/24 to clients; $peers peer connection ends on port 40911, all on $NET.0/24"
  units=$(units_enabled_active)
  want_units=6
  [ "$(pulumi config get rocketmq:dashboardEnabled 2>/dev/null || echo true)" = false ] || want_units=7
  [ "$units" -eq "$want_units" ] || fail "expected $want_units systemd units (3 name servers, 3 DLedger brokers, the dashboard if enabled), found $units"
  RMQ_E2E_FIGURES=$FIGURES "$REPO/tests/e2e/failover.sh" "$WORK" >&2 || fail "failover lost messages or did not recover"
  # The killed member comes back (systemd, after the probe's hold): the group is whole again.
  local running=0 i
  for _ in $(seq 1 60); do
    running=0
    for i in 0 1 2; do
      if on_host "${HOST_IPS[$i]}" "/app/rocketmq/bin/rmq-service status n$i && timeout 2 bash -c '</dev/tcp/127.0.0.1/30911'" >/dev/null 2>&1; then running=$((running + 1)); fi
    done
    [ "$running" -eq 3 ] && break
    sleep 2
  done
  [ "$running" -eq 3 ] || fail "the killed member did not come back ($running of 3 running)"
}

# The DLedger member that led when the roll reached the group, as its cluster-network endpoint: the
# one rmq-roll deferred (it found it leading in clusterList at that moment), else FALLBACK, the
# leader seen before the change. Leadership can move between the two (an election under load).
roll_leader() { # roll_leader UP_OUTPUT FALLBACK_ADDR
  local id
  id=$(grep -o 'n[0-2]: the group.s leader right now' "$1" | head -1 | cut -d: -f1 || true)
  if [ -n "$id" ]; then echo "${HOST_IPS[${id#n}]}:30911"; else echo "${2/#$ADV_NET./$NET.}"; fi
}

# A stack-wide change on a DLedger group: followers restart first, the leader (whoever it is at
# update time) last, one at a time, while a producer sends; nothing acknowledged is lost.
t_dledger_rolling() {
  cd "$WORK/project" || return 1
  local run=$WORK/dl-rolling leader t0 counts
  rm -rf "$run"; mkdir -p "$run"
  leader=$(broker_rows | awk '$2 == 0 { print $3 }')
  [ -n "$leader" ] || fail "no leader before the change"
  BROKER_ENDPOINTS=("$NET.11:30911" "$NET.12:30911" "$NET.13:30911")
  t0=$SECONDS
  up_under_load "$run" DLedgerRolling "$WORK/up-dl2.out"
  local up_s=$((SECONDS - t0))
  leader=$(roll_leader "$WORK/up-dl2.out" "$leader")
  local ep downs=0
  for ep in "${BROKER_ENDPOINTS[@]}"; do
    grep -q " $ep down$" "$run/ports.log" && downs=$((downs + 1))
    [ "$ep" = "$leader" ] && continue
    down_before "$run/ports.log" "$ep" "$leader" || fail "the leader $leader restarted before follower $ep"
  done
  [ "$downs" -eq 3 ] || fail "expected all 3 members to restart, saw $downs"
  awk '$3 == "down" { d[$1]++ } END { for (t in d) if (d[t] > 1) exit 1 }' "$run/ports.log" || fail "two members were down at the same time"
  counts=$(all_acked_consumed "$run/sent.log" DLedgerRolling)
  record "f2. dledger rolling change: up ${up_s} s, leader $leader restarted last; producer: ${counts% *} acknowledged (all consumed), ${counts#* } failed sends"
}

smoke_on_host() { # the stack's own smoke tool on worker2: N messages round trip
  on_host "${HOST_IPS[1]}" /app/rocketmq/bin/rmq-smoke "$1" "$2" >"$WORK/smoke.out" 2>&1 || { cat "$WORK/smoke.out" >&2; fail "round trip of $1 messages failed"; }
  grep -q "acked=$1 received=$1 missing=0" "$WORK/smoke.out" || { cat "$WORK/smoke.out" >&2; fail "not all $1 messages came back"; }
  record "$3: $1 messages round trip: $(grep -o 'sent=.*' "$WORK/smoke.out")"
}

t_sync() {
  stack_init "$E2E_VERSION"
  pulumi config set rocketmq:topology 2m-2s-sync
  # No dashboard in this set (set a and x test it): one JVM less to boot on a busy machine.
  pulumi config set rocketmq:dashboardEnabled false
  local t0=$SECONDS
  pulumi_up >"$WORK/up-sync.out" 2>&1 || { up_failure "$WORK/up-sync.out"; fail "pulumi up (2m-2s-sync) failed"; }
  record "g1. fresh up 2m-2s-sync $E2E_VERSION: $((SECONDS - t0)) s"
  expect_rows "${EXPECTED_2M[@]}"
  on_host "${HOST_IPS[1]}" 'grep -qx "brokerRole *= *SYNC_MASTER" /app/rocketmq/instances/broker-a/broker.properties' || fail "broker-a is not a SYNC_MASTER"
  smoke_on_host 500 SyncTest "g1. 2m-2s-sync"
}

t_v497() {
  stack_init 4.9.7
  # No dashboard in this set (set a and x test it): one JVM less to boot on a busy machine.
  pulumi config set rocketmq:dashboardEnabled false
  local t0=$SECONDS
  pulumi_up >"$WORK/up-497.out" 2>&1 || { up_failure "$WORK/up-497.out"; fail "pulumi up (4.9.7) failed"; }
  record "h. fresh up 2m-2s-async 4.9.7: $((SECONDS - t0)) s"
  expect_rows "${EXPECTED_2M[@]}"
  on_host "${HOST_IPS[1]}" 'readlink -f /app/rocketmq/current' | grep -q 'rocketmq-all-4.9.7' || fail "worker2 does not run 4.9.7"
  quickstart_roundtrip "2m-2s-async 4.9.7"
}

t_v550() {
  stack_init 5.5.0
  local t0=$SECONDS
  pulumi_up >"$WORK/up-550.out" 2>&1 || { up_failure "$WORK/up-550.out"; fail "pulumi up (5.5.0) failed"; }
  record "h2. fresh up 2m-2s-async 5.5.0: $((SECONDS - t0)) s"
  expect_rows "${EXPECTED_2M[@]}"
  t_v550_add_opens
  quickstart_roundtrip "2m-2s-async 5.5.0"
}

# 5.5.0's brokers and name servers need java.lang opened (their launchers say so); checked on every
# instance of a running 5.5.0 cluster: h2's own, or set a's when that runs 5.5.0 (run.sh).
t_v550_add_opens() {
  local ip id
  on_host "${HOST_IPS[1]}" 'readlink -f /app/rocketmq/current' | grep -q 'rocketmq-all-5.5.0' || fail "worker2 does not run 5.5.0"
  for ip in "${HOST_IPS[@]}"; do
    for id in $(on_host "$ip" 'ls /app/rocketmq/instances'); do
      [ "$id" = dashboard ] && continue
      on_host "$ip" "grep -q -- '--add-opens=java.base/java.lang=ALL-UNNAMED' /app/rocketmq/instances/$id/run.sh" ||
        fail "the 5.5.0 launcher of $id on $ip lacks the java.lang add-opens"
    done
  done
}

t_noslave_fallback() {
  stack_init "$E2E_VERSION"
  pulumi config set rocketmq:topology 2m-noslave
  pulumi config set rocketmq:purgeDataOnDestroy false
  on_host "${HOST_IPS[0]}" '[ ! -d /run/systemd/system ]' || fail "the machines run systemd; this test needs machines without it"
  local t0=$SECONDS
  pulumi_up >"$WORK/up-ns.out" 2>&1 || { up_failure "$WORK/up-ns.out"; fail "pulumi up (2m-noslave, no systemd) failed"; }
  record "g2. fresh up 2m-noslave $E2E_VERSION without systemd: $((SECONDS - t0)) s"
  expect_rows "broker-a 0 $NET.12:10911" "broker-b 0 $NET.13:10911"
  smoke_on_host 500 NoSlaveTest "g2. 2m-noslave"
}

t_fallback_restart() {
  cd "$WORK/project" || return 1
  local pid new t0
  pid=$(instance_pid "${HOST_IPS[1]}" broker-a)
  case $pid in "" | 0) fail "broker-a has no PID" ;; esac
  on_host "${HOST_IPS[1]}" "pgrep -f '[r]mq-supervise' >/dev/null" || fail "no rmq-supervise process on worker2"
  t0=$SECONDS
  on_host "${HOST_IPS[1]}" "kill -9 $pid"
  new=""
  for _ in $(seq 1 60); do
    new=$(instance_pid "${HOST_IPS[1]}" broker-a || true)
    [ -n "$new" ] && [ "$new" != 0 ] && [ "$new" != "$pid" ] && break
    new=""
    sleep 1
  done
  [ -n "$new" ] || fail "broker-a was not restarted after SIGKILL"
  expect_rows "broker-a 0 $NET.12:10911" "broker-b 0 $NET.13:10911"
  record "i. SIGKILLed broker-a restarted by the fallback supervisor and listed again after $((SECONDS - t0)) s"
}
