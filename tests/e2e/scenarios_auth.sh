#!/usr/bin/env bash
# End-to-end scenarios of rocketmq:authEnabled / rocketmq:authUsers (ACL 2.0, 5.3.3+), run by set g
# of run.sh on its running 2m-2s-sync cluster (the default version): authentication turned on (a
# rolling restart the stack's own tools must get through) together with the dashboard, one user may
# send and receive on AuthTopicA only. Sourced by run.sh.
# shellcheck disable=SC2154  # results: run.sh's

AUTH_USER=orders

# The stack's smoke client on this machine as USER (env, not argv), or anonymous without one.
auth_client() { # auth_client USER|- PASSWORD|- TOPIC COUNT OUT
  local user=$1 pw=$2 topic=$3 count=$4 out=$5 rc=0 wait=${AUTH_CLIENT_WAIT:-60}
  if [ "$user" = - ]; then
    smoke_client roundtrip --namesrv "$NAMESRV_ADDRS" --topic "$topic" --group AuthGroupA --count "$count" \
      --timeout-seconds "$wait" --no-create >"$out" 2>&1 || rc=$?
  else
    RMQ_ACCESS_KEY=$user RMQ_SECRET_KEY=$pw smoke_client roundtrip --namesrv "$NAMESRV_ADDRS" --topic "$topic" \
      --group AuthGroupA --count "$count" --timeout-seconds "$wait" --no-create >"$out" 2>&1 || rc=$?
  fi
  return "$rc"
}

# "No password on a command line" needs eyes while the secrets are in use, not one ps afterwards:
# a sampler on every host records each distinct command line of every process (/proc/*/cmdline,
# every 0.1 s, with bash builtins only, so it barely loads the host) while an `up` runs the auth
# steps (credential files, user creation with rmq-auth, the brokers' rolling restart);
# cmdline_samples_check greps the samples for the passwords afterwards, on the hosts (the passwords
# travel on stdin). A canary process with a marker on its command line, started while sampling,
# must show up, so a sampler that saw nothing cannot pass.
CMDLINE_SAMPLES=/var/tmp/rmq-e2e-cmdlines
# shellcheck disable=SC2016  # expanded on the host
CMDLINE_SAMPLER='
umask 077
out=$1 stop=$1.stop
rm -f "$stop"
while [ ! -e "$stop" ]; do
  for f in /proc/[0-9]*/cmdline; do
    a=()
    mapfile -d "" -t a <"$f" 2>/dev/null || continue
    [ "${#a[@]}" -eq 0 ] || printf "%s\n" "${a[*]}"
  done
  sleep 0.1
done | awk "!seen[\$0]++" >>"$out"
rm -f "$stop"
'
cmdline_sampler_start() {
  local ip
  for ip in "${HOST_IPS[@]}"; do
    on_host "$ip" "cat >$CMDLINE_SAMPLES.sh && (setsid bash $CMDLINE_SAMPLES.sh $CMDLINE_SAMPLES </dev/null >/dev/null 2>&1 &)" <<<"$CMDLINE_SAMPLER"
    # The canary: a marker on a command line for 2 s, which the sampler must catch.
    on_host "$ip" "(setsid bash -c 'exec -a rmq-e2e-canary-$ip sleep 2' </dev/null >/dev/null 2>&1 &)"
  done
}
cmdline_sampler_stop() {
  local ip
  for ip in "${HOST_IPS[@]}"; do
    # shellcheck disable=SC2016  # expanded on the host
    on_host "$ip" "touch $CMDLINE_SAMPLES.stop; for _ in \$(seq 50); do [ -e $CMDLINE_SAMPLES.stop ] || exit 0; sleep 0.1; done; echo 'sampler did not stop' >&2; exit 1"
  done
}
# cmdline_samples_check SECRET...: none of them on any sampled command line; the canaries seen;
# prints how many distinct command lines were seen in all.
cmdline_samples_check() {
  local ip n hits total=0
  for ip in "${HOST_IPS[@]}"; do
    # Each failure returns at once: callers may test this in an `if`, where errexit is off.
    on_host "$ip" "grep -q '^rmq-e2e-canary-$ip' $CMDLINE_SAMPLES" || { fail "the command-line sampler on $ip did not see its canary: it proves nothing"; return 1; }
    hits=$(printf '%s\n' "$@" | on_host "$ip" "grep -cF -f - $CMDLINE_SAMPLES || true")
    [ "$hits" -eq 0 ] || { fail "a password on $hits command line(s) on $ip while the auth steps ran ($CMDLINE_SAMPLES there)"; return 1; }
    n=$(on_host "$ip" "wc -l <$CMDLINE_SAMPLES")
    total=$((total + n))
  done
  echo "$total"
}

t_auth_on() {
  cd "$WORK/project" || return 1
  pulumi config set rocketmq:smokeMessages 20
  local t0 out
  # The topics the user is and is not allowed, made with the stack's mqadmin (anonymous still).
  # shellcheck disable=SC2016  # expanded on the host
  on_host "${HOST_IPS[0]}" 'for t in AuthTopicA AuthTopicB; do /app/rocketmq/bin/mqadmin updateTopic -c rocketmq-cluster -t $t -r 4 -w 4; done' >"$WORK/x-topics.out" 2>&1
  [ "$(grep -c 'create topic to .* success' "$WORK/x-topics.out")" -eq 4 ] || { cat "$WORK/x-topics.out" >&2; fail "topics not created on both masters"; }

  pulumi config set rocketmq:authEnabled true
  # Set g runs without the dashboard until here: it comes up with authentication on (x2 logs in).
  pulumi config set rocketmq:dashboardEnabled true
  pulumi config set --path "rocketmq:authUsers.$AUTH_USER.topics.AuthTopicA" 'PUB|SUB'
  pulumi config set --path "rocketmq:authUsers.$AUTH_USER.groups[0]" AuthGroupA
  all_pids >"$WORK/x-pids-before.txt"
  cmdline_sampler_start
  t0=$SECONDS
  pulumi_up >"$WORK/up-x1.out" 2>&1 || { cmdline_sampler_stop; tail -80 "$WORK/up-x1.out" >&2; fail "pulumi up turning authentication on failed"; }
  cmdline_sampler_stop
  record "x. authentication turned on and the dashboard added (rolling restart, health gates, smoke and user creation as the administrator): $((SECONDS - t0)) s"
  all_pids >"$WORK/x-pids-after.txt"
  auth_on_checks
}

# What t_auth_on checks once the up turning authentication on is done (RMQ_E2E_KEEP=1 machines: rerunnable).
auth_on_checks() {
  local out
  out=$(restarted_instances "$WORK/x-pids-before.txt" "$WORK/x-pids-after.txt" | sort | tr '\n' ' ')
  [ "$out" = "broker-a broker-a-s broker-b broker-b-s dashboard " ] || fail "expected the four brokers to restart and the dashboard to start, got: $out"
  grep -q 'acked=20 received=20 missing=0' "$WORK/up-x1.out" || fail "the stack's smoke step did not report its round trip"
  if grep -q "user $AUTH_USER in place" "$WORK/up-x1.out"; then fail "the user step's output (secret) shows in the engine output"; fi
  expect_rows "${EXPECTED_2M[@]}"

  # Every broker, slaves included, runs with it; secrets only in the root-only files.
  local ip id
  for ip in "${HOST_IPS[1]}" "${HOST_IPS[2]}"; do
    for id in $(on_host "$ip" 'ls /app/rocketmq/instances | grep broker'); do
      on_host "$ip" "grep -qx authenticationEnabled=true /app/rocketmq/instances/$id/broker.properties && grep -qx authorizationEnabled=true /app/rocketmq/instances/$id/broker.properties" ||
        fail "$id on $ip: authentication not on in broker.properties"
      if on_host "$ip" "grep -Eq '^(initAuthenticationUser|innerClientAuthenticationCredentials)=' /app/rocketmq/instances/$id/broker.properties"; then
        fail "$id: a secret in broker.properties"
      fi
    done
  done
  out=$(on_host "${HOST_IPS[0]}" 'stat -c "%a %U:%G" /app/rocketmq/auth/conf/tools.yml /app/rocketmq/auth/broker-auth.properties' | tr '\n' ' ')
  [ "$out" = "600 root:root 640 root:oper " ] || fail "credential files have modes/owners: $out"

  # The user's ACL is on all four brokers (each keeps its own).
  out=$(on_host "${HOST_IPS[0]}" "for b in ${BROKER_ENDPOINTS[*]}; do /app/rocketmq/bin/mqadmin getAcl -b \$b -s User:$AUTH_USER; done" 2>&1)
  [ "$(grep -c 'Topic:AuthTopicA' <<<"$out")" -eq 4 ] || { echo "$out" >&2; fail "the user's ACL is not on every broker"; }
  record "x. user $AUTH_USER with Topic:AuthTopicA Pub,Sub and Group:AuthGroupA Sub on all 4 brokers (masters and slaves)"

  # An unprivileged user of a host cannot read the administrator's credentials: mqadmin is anonymous.
  if on_host "${HOST_IPS[0]}" 'su -s /bin/sh nobody -c "cat /app/rocketmq/auth/conf/tools.yml"' >/dev/null 2>&1; then
    fail "nobody can read the administrator's credentials"
  fi
}

t_auth_clients() {
  cd "$WORK/project" || return 1
  local pw
  pw=$(pulumi stack output authUserPasswords --show-secrets | python3 -c "import json,sys; print(json.load(sys.stdin)['$AUTH_USER'])")
  [ "${#pw}" -ge 24 ] || fail "no generated password for $AUTH_USER"
  if auth_client - - AuthTopicA 5 "$WORK/x-anon.out"; then cat "$WORK/x-anon.out" >&2; fail "an anonymous client sent and received"; fi
  grep -q 'acked=0' "$WORK/x-anon.out" || { cat "$WORK/x-anon.out" >&2; fail "an anonymous send was acknowledged"; }
  auth_client "$AUTH_USER" "$pw" AuthTopicA 200 "$WORK/x-user-a.out" || { cat "$WORK/x-user-a.out" >&2; fail "$AUTH_USER could not send and receive on AuthTopicA"; }
  grep -q 'acked=200 received=200 missing=0' "$WORK/x-user-a.out" || { cat "$WORK/x-user-a.out" >&2; fail "not all 200 came back"; }
  if auth_client "$AUTH_USER" "$pw" AuthTopicB 5 "$WORK/x-user-b.out"; then cat "$WORK/x-user-b.out" >&2; fail "$AUTH_USER sent and received on AuthTopicB"; fi
  grep -q 'no permission to access Topic:AuthTopicB' "$WORK/x-user-b.out" || { cat "$WORK/x-user-b.out" >&2; fail "AuthTopicB refused, but not for lack of permission"; }
  if auth_client "$AUTH_USER" "wrong$pw" AuthTopicA 5 "$WORK/x-wrong.out"; then fail "a wrong password was accepted"; fi
  record "x. anonymous client: $(grep -o 'sent=.*' "$WORK/x-anon.out"); $AUTH_USER on AuthTopicA: $(grep -o 'sent=.*' "$WORK/x-user-a.out"); on AuthTopicB: refused (no permission); wrong password: refused"

  # The dashboard signs its broker requests: runtime data of every broker after login.
  local url dpw
  url=$(pulumi stack output dashboardUrl)
  dpw=$(pulumi stack output dashboardAdminPassword --show-secrets)
  curl -s -c "$WORK/x-dash.cookies" --data-urlencode "username=admin" --data-urlencode "password=$dpw" "$url/login/login.do" >/dev/null
  curl -s -b "$WORK/x-dash.cookies" "$url/cluster/list.query" >"$WORK/x-dash.json"
  [ "$(grep -o '"commitLogMaxOffset"' "$WORK/x-dash.json" | wc -l)" -eq 4 ] || { head -c 600 "$WORK/x-dash.json" >&2; fail "the dashboard did not get runtime data from the 4 brokers"; }
  record "x. dashboard after login: runtime data of all 4 brokers (signed as the administrator)"
  pulumi preview --expect-no-changes --non-interactive >"$WORK/x-noop.out" 2>&1 || { tail -30 "$WORK/x-noop.out" >&2; fail "a rerun would change something"; }
}

t_auth_change_user() {
  cd "$WORK/project" || return 1
  local pw t0=$SECONDS
  pulumi config rm --path "rocketmq:authUsers.$AUTH_USER.topics.AuthTopicA"
  pulumi config set --path "rocketmq:authUsers.$AUTH_USER.topics.AuthTopicB" PUB
  pulumi preview --non-interactive --json >"$WORK/x-preview.json" 2>"$WORK/x-preview.err" || { tail -30 "$WORK/x-preview.err" >&2; fail "preview failed"; }
  local changed
  # "read": the program's StackReference to itself (the upgrade guard), read on every preview.
  changed=$(python3 -c 'import json,sys; print(" ".join(sorted(s["op"] + ":" + s["urn"].split("::")[-1] for s in json.load(open(sys.argv[1])).get("steps", []) if s["op"] not in ("same", "read"))))' "$WORK/x-preview.json")
  [ "$changed" = "update:rmq-local-users-$AUTH_USER" ] || fail "preview should update only the user's resource, it plans: $changed"
  cmdline_sampler_start
  pulumi_up >"$WORK/up-x2.out" 2>&1 || { cmdline_sampler_stop; tail -40 "$WORK/up-x2.out" >&2; fail "pulumi up changing the user failed"; }
  cmdline_sampler_stop
  record "x. permissions of $AUTH_USER changed (preview: only its resource): $((SECONDS - t0)) s"
  pw=$(pulumi stack output authUserPasswords --show-secrets | python3 -c "import json,sys; print(json.load(sys.stdin)['$AUTH_USER'])")
  if auth_client "$AUTH_USER" "$pw" AuthTopicA 3 "$WORK/x2-a.out"; then fail "$AUTH_USER still uses AuthTopicA"; fi
  grep -q 'no permission to access Topic:AuthTopicA' "$WORK/x2-a.out" || { cat "$WORK/x2-a.out" >&2; fail "AuthTopicA refused, but not for lack of permission"; }
  # PUB only: sends are acknowledged, receiving is refused.
  if AUTH_CLIENT_WAIT=15 auth_client "$AUTH_USER" "$pw" AuthTopicB 3 "$WORK/x2-b.out"; then fail "$AUTH_USER received from AuthTopicB with PUB only"; fi
  grep -q 'acked=3' "$WORK/x2-b.out" || { cat "$WORK/x2-b.out" >&2; fail "$AUTH_USER could not send to AuthTopicB"; }
  record "x. after the change: AuthTopicA refused; AuthTopicB $(grep -o 'sent=.*' "$WORK/x2-b.out") (PUB only)"
}

t_auth_secrets() {
  cd "$WORK/project" || return 1
  local admin user inner hits
  admin=$(pulumi stack output authAdminPassword --show-secrets)
  user=$(pulumi stack output authUserPasswords --show-secrets | python3 -c "import json,sys; print(json.load(sys.stdin)['$AUTH_USER'])")
  inner=$(on_host "${HOST_IPS[0]}" "sed -n 's/.*\"secretKey\":\"\\([A-Za-z0-9]*\\)\".*/\\1/p' /app/rocketmq/auth/broker-auth.properties")
  for v in "$admin" "$user" "$inner"; do [ "${#v}" -ge 24 ] || fail "a password to look for is missing"; done
  hits=$(grep -rlF -e "$admin" -e "$user" -e "$inner" "$WORK/state" "$WORK"/*.out 2>/dev/null || true)
  [ -z "$hits" ] || fail "auth secrets in clear in: $hits"
  # Nor on a command line of any process on the hosts while x1's and x3's ups ran the auth steps
  # (sampled, see cmdline_sampler_start): rmq-auth's own JVM must have been seen, or the samples
  # missed what they are about.
  local ip seen=0 lines
  for ip in "${HOST_IPS[@]}"; do
    on_host "$ip" "grep -q 'RmqAuth.java apply' $CMDLINE_SAMPLES" && seen=$((seen + 1))
  done
  [ "$seen" -gt 0 ] || fail "no sample shows rmq-auth's JVM (RmqAuth.java apply): the sampler did not run while the user was applied"
  lines=$(cmdline_samples_check "$admin" "$user" "$inner")
  record "x. auth secrets (administrator, broker-to-broker, user): not in $(find "$WORK/state" -type f | wc -l) state files nor the engine outputs nor any of $lines distinct command lines sampled on the 3 hosts during x1 and x3 (rmq-auth seen on $seen host(s))"
}

# On set g's cluster (run.sh set_sync): x2-x4 build on x1.
auth_tests() {
  run_test auth-on-rolls t_auth_on
  if [ "${results[-1]:0:4}" != PASS ]; then
    local t
    for t in auth-clients auth-user-change auth-secrets; do blocked "$t" auth-on-rolls; done
    return 0
  fi
  run_test auth-clients t_auth_clients
  run_test auth-user-change t_auth_change_user
  run_test auth-secrets t_auth_secrets
}
