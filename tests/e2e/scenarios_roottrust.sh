#!/usr/bin/env bash
# End-to-end checks that root never reads or runs what the service user can write (issue 14,
# defects 6, 8, 19). Run on a deployed cluster (set a after its up; set l after the upgrade of a
# stack an older release deployed, which had made the install root the service user's).
# Sourced by run.sh.

# The host-side walk, run as root on a host. Prints one line per offence, nothing when all is well:
#   - every file root runs or sources (bin/*, java.env, current and the release it points to, every
#     installed release, the java binary java.env names, /usr/local/bin/mqadmin, each instance's
#     launcher) and each directory above it, up to /, is root's and not writable by group or others;
#   - the service user cannot create or replace anything in those directories, nor write those files
#     (tried for real, with runuser);
#   - the user.home of root's JVM tools (mqadmin, rmq-smoke) is root's 0700 directory, not in /tmp.
# shellcheck disable=SC2016  # expanded on the host
ROOT_TRUST_WALK='
set -euo pipefail
root=/app/rocketmq
user=oper
# shellcheck source=/dev/null
. "$root/java.env"
# logs: root makes the log directory of each instance in it for the service user (rmq-user-dir).
paths=("$root/java.env" "$root/current" "$(readlink -f "$root/current")" "$(readlink -f "$JAVA")" /usr/local/bin/mqadmin "$root/logs")
for f in "$root"/bin/* "$root"/versions/* "$root"/instances/*/run.sh; do paths+=("$f"); done
declare -A dirs=()
for p in "${paths[@]}"; do
  q=$p
  while :; do
    if [ -L "$q" ] || [ -e "$q" ]; then
      [ "$(stat -c %u "$q")" = 0 ] || echo "OWNER $q $(stat -c %U:%G "$q") (root runs or reads $p)"
      if [ ! -L "$q" ] && [ -n "$(find "$q" -maxdepth 0 -perm /022)" ]; then echo "MODE $q $(stat -c %A "$q") (root runs or reads $p)"; fi
      if [ ! -L "$q" ] && runuser -u "$user" -- test -w "$q"; then echo "WRITABLE-BY-$user $q"; fi
      [ -d "$q" ] && [ ! -L "$q" ] && dirs[$q]=1
    else
      echo "MISSING $q"
    fi
    [ "$q" != / ] || break
    q=$(dirname "$q")
  done
done
# Every file in the release trees too (root runs lib/*.jar through mqadmin).
find "$(readlink -f "$root/current")" "$root/bin" -xdev \( ! -user root -o \( ! -type l -perm /022 \) \) -printf "TREE %p %u %M\n"
# Real attempts as the service user: create a file, a link and a directory in each directory, and
# replace java.env (rename over it) - each must fail.
for d in "${!dirs[@]}"; do
  if runuser -u "$user" -- sh -c "echo x >\"\$1/.rmq-trust-probe\"" _ "$d" 2>/dev/null; then echo "CREATED-BY-$user $d/.rmq-trust-probe"; rm -f "$d/.rmq-trust-probe"; fi
  if runuser -u "$user" -- ln -s /etc/passwd "$d/.rmq-trust-link" 2>/dev/null; then echo "LINKED-BY-$user $d/.rmq-trust-link"; rm -f "$d/.rmq-trust-link"; fi
done
if runuser -u "$user" -- sh -c "echo JAVA=/bin/true >\"\$1\"" _ "$root/java.env" 2>/dev/null; then echo "REPLACED-BY-$user $root/java.env"; fi
if runuser -u "$user" -- mv -f "$root/java.env" "$root/java.env.moved" 2>/dev/null; then echo "MOVED-BY-$user $root/java.env"; mv -f "$root/java.env.moved" "$root/java.env"; fi
# user.home of root'"'"'s tools, as bash -x shows the exec line.
for tool in "mqadmin clusterList" "rmq-smoke 10"; do
  # The tool'"'"'s own verdict does not matter here (a5 and the deploy judge that), only the home it used.
  home=$({ timeout 90 bash -x "$root/bin/${tool%% *}" ${tool#* } 2>&1 >/dev/null || true; } | grep -o -- "-Duser.home=[^ ]*" | head -n 1 | cut -d= -f2 || true)
  case "$home" in
    "") echo "NO-USER-HOME ${tool%% *}" ;;
    /tmp/* | /var/tmp/* | /dev/shm/*) echo "TMP-USER-HOME ${tool%% *} $home" ;;
    *) [ "$(stat -c "%u %a" "$home")" = "0 700" ] || echo "USER-HOME ${tool%% *} $home $(stat -c "%U %a" "$home")" ;;
  esac
done
echo "checked ${#paths[@]} paths, ${#dirs[@]} directories"
'

# The console attack, on one host: the service user swaps a name server's console.log for a link to
# a file of root's, then the unit restarts. With systemd opening the console (a unit's
# StandardOutput=append:) root would append the JVM's output to that file. It must stay empty; the
# name server then comes back on a real console log and re-lists the brokers. Prints offences.
# shellcheck disable=SC2016  # expanded on the host
CONSOLE_ATTACK='
set -euo pipefail
root=/app/rocketmq
id=$(ls "$root/instances" | grep -m1 "^namesrv-")
unit=rocketmq-$id.service
log=$root/logs/$id/console.log
target=/root/.rmq-console-target
: >"$target"
chmod 0600 "$target"
runuser -u oper -- sh -c "rm -f \"\$1\" && ln -s \"\$2\" \"\$1\"" _ "$log" "$target"
if runuser -u oper -- mv "$root/logs/$id" "$root/logs/$id.moved" 2>/dev/null; then echo "MOVED-BY-oper $root/logs/$id"; mv "$root/logs/$id.moved" "$root/logs/$id"; fi
systemctl restart "$unit" || true
for _ in $(seq 1 12); do [ ! -s "$target" ] || break; sleep 1; done
[ ! -s "$target" ] || echo "APPENDED-AS-ROOT $target: $(wc -c <"$target") bytes of $id output written through the link oper made"
rm -f "$target"
runuser -u oper -- rm -f "$log"
systemctl reset-failed "$unit" 2>/dev/null || true
systemctl restart "$unit"
for _ in $(seq 1 60); do
  [ "$("$root/bin/rmq-probe" cluster "127.0.0.1:9876" 2>/dev/null | wc -l)" -ge 4 ] && break
  sleep 2
done
[ "$("$root/bin/rmq-probe" cluster "127.0.0.1:9876" 2>/dev/null | wc -l)" -ge 4 ] || echo "NOT-BACK $id lists fewer than 4 brokers 120 s after its restart"
[ -f "$log" ] && [ ! -L "$log" ] || echo "NO-CONSOLE $log after the restart"
'

t_root_trust() {
  local ip out bad=0 total=""
  for ip in "${HOST_IPS[@]}"; do
    out=$(on_host "$ip" "bash -s" <<<"$ROOT_TRUST_WALK" 2>&1) || { echo "$out" >&2; fail "the walk failed on $ip"; }
    if grep -v '^checked ' <<<"$out" | grep -q .; then
      echo "$ip:" >&2
      grep -v '^checked ' <<<"$out" | head -40 >&2
      bad=1
    fi
    total+="$ip: $(grep '^checked ' <<<"$out" | tail -n 1); "
  done
  [ "$bad" = 0 ] || fail "root runs or reads something the service user (or anyone but root) can change (above)"
  out=$(on_host "${HOST_IPS[0]}" "bash -s" <<<"$CONSOLE_ATTACK" 2>&1) || { echo "$out" >&2; fail "the console attack could not be run on ${HOST_IPS[0]}"; }
  [ -z "$out" ] || { echo "$out" >&2; fail "the service user's link in its log directory made root write through it, or the name server did not come back (above)"; }
  record "root trust: on every host, all that root runs or sources and each parent directory are root's alone; oper could create, link or replace nothing; root's tools use a 0700 user.home outside /tmp (${total%; }); a name server restarted with its console.log made a link to a root file by oper: nothing written through it"
}

# Defect 19: smoke runs do not pile up consumer groups. A run deletes its own group, but a broker can
# make it again at once (a pull it still held wakes up; autoCreateSubscriptionGroup), so each run
# also deletes the groups earlier runs left, when older than 120 s. Here: an old run's group (and
# its retry topic) planted on both masters, one rmq-smoke run; then the planted group is gone, and
# no group older than 120 s is left. Read from each master's persisted config.
t_smoke_leaves_no_group() {
  local old=RMQ_PULUMI_SMOKE_GROUP-1000000000-1 ip n start
  on_host "${HOST_IPS[0]}" "/app/rocketmq/bin/mqadmin updateSubGroup -c rocketmq-cluster -g $old" >"$WORK/smoke-plant.out" 2>&1 ||
    { cat "$WORK/smoke-plant.out" >&2; fail "could not plant $old"; }
  for ip in "${HOST_IPS[1]}" "${HOST_IPS[2]}"; do
    on_host "$ip" "grep -q '\"$old\"' /app/rocketmq/store/config/subscriptionGroup.json" || fail "$old was not planted on the master of $ip"
  done
  start=$(date +%s)
  on_host "${HOST_IPS[0]}" /app/rocketmq/bin/rmq-smoke 20 >"$WORK/smoke-group.out" 2>&1 || { cat "$WORK/smoke-group.out" >&2; fail "rmq-smoke 20 failed"; }
  grep -q 'group(s) earlier runs left behind' "$WORK/smoke-group.out" || { cat "$WORK/smoke-group.out" >&2; fail "rmq-smoke did not report the earlier group it deleted"; }
  for ip in "${HOST_IPS[1]}" "${HOST_IPS[2]}"; do
    # shellcheck disable=SC2016  # expanded on the host
    n=$(on_host "$ip" 'grep -o "RMQ_PULUMI_SMOKE_GROUP-[0-9]*-[0-9]*" /app/rocketmq/store/config/subscriptionGroup.json /app/rocketmq/store/config/topics.json 2>/dev/null | cut -d: -f2 | sort -u' || true)
    echo "$ip: ${n:-none}" >&2
    ! grep -qx "$old" <<<"$n" || fail "the old run's group $old is still on the master of $ip"
    while read -r g; do
      [ -n "$g" ] || continue
      g=${g#RMQ_PULUMI_SMOKE_GROUP-}
      # The sweep deletes those older than 120 s at the run's start; younger ones may stay for the next.
      [ "${g%%-*}" -ge "$((start - 125))" ] || fail "a smoke group older than the sweep's 120 s is left on $ip: RMQ_PULUMI_SMOKE_GROUP-$g"
    done <<<"$n"
  done
  on_host "${HOST_IPS[1]}" 'test -s /app/rocketmq/store/config/subscriptionGroup.json' || fail "no subscriptionGroup.json on broker-a's master: the check above read nothing"
  record "smoke: an old run's group planted on both masters is gone after one rmq-smoke 20; no smoke group older than 120 s left"
}
