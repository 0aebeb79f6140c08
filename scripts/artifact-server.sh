#!/usr/bin/env bash
# Serves a directory over HTTP to the local test hosts (scripts/test-hosts.sh), bound only to the
# bridge address 10.77.S.1 of slot S (RMQ_TEST_HOSTS_SLOT, default 0), so the hosts can
# `curl http://10.77.S.1:PORT/FILE`.
#
#   artifact-server.sh start DIR PORT   serve DIR (idempotent: a server already serving DIR on PORT is
#                                       kept); waits until it answers
#   artifact-server.sh stop             stop it (safe when none runs)
#   artifact-server.sh status           print "running PID PORT DIR" or "stopped"
#
# The pid file and the request log are in the test hosts' state dir
# (RMQ_TEST_HOSTS_STATE, default /var/tmp/rmq-test-hostsS, no S for slot 0). The bridge must exist: run
# `scripts/test-hosts.sh up` first.
set -euo pipefail

SLOT=${RMQ_TEST_HOSTS_SLOT:-0}
[[ $SLOT =~ ^[0-9]$ ]] || { echo "[artifact-server] error: RMQ_TEST_HOSTS_SLOT must be 0..9, got '$SLOT'" >&2; exit 1; }
STATE=${RMQ_TEST_HOSTS_STATE:-/var/tmp/rmq-test-hosts${SLOT#0}}
BIND=10.77.$SLOT.1
PIDFILE=$STATE/artifact-server.pid
LOGFILE=$STATE/artifact-server.log

log() { printf '[artifact-server] %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# "PID PORT DIR" of the running server, or nothing (a stale pid file is ignored).
running() {
  local pid port dir
  [ -f "$PIDFILE" ] || return 0
  read -r pid port dir <"$PIDFILE" || true
  [[ ${pid:-} =~ ^[0-9]+$ ]] || return 0
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -- "-m http.server --bind $BIND" >/dev/null || return 0
  echo "$pid $port $dir"
}

# Is PID still running? (A killed server that the machine's init has not reaped yet is not.)
alive() {
  local stat=""
  read -r stat <"/proc/$1/stat" 2>/dev/null || return 1
  stat=${stat##*) }
  case ${stat%% *} in Z | X) return 1 ;; *) return 0 ;; esac
}

python_bin() {
  local p
  for p in /usr/bin/python3 "$(command -v python3 || true)"; do
    if [ -n "$p" ] && [ -x "$p" ]; then
      echo "$p"
      return 0
    fi
  done
  log "installing python3"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3 >/dev/null
  echo /usr/bin/python3
}

cmd_stop() {
  local cur pid
  cur=$(running)
  if [ -n "$cur" ]; then
    pid=${cur%% *}
    kill -TERM "$pid" 2>/dev/null || true
    local tries=0
    while alive "$pid" && [ "$tries" -lt 50 ]; do
      sleep 0.1
      tries=$((tries + 1))
    done
    if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
    log "stopped (pid $pid)"
  fi
  rm -f "$PIDFILE"
}

cmd_start() {
  [ $# -eq 2 ] || die "usage: artifact-server.sh start DIR PORT"
  local dir port cur py pid
  [ -d "$1" ] || die "not a directory: $1"
  dir=$(cd "$1" && pwd -P)
  port=$2
  if ! [[ $port =~ ^[0-9]+$ ]] || [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then die "bad port: $port"; fi
  # grep reads it all (no -q): quitting at the first match would SIGPIPE ip, which pipefail reports as a failure.
  ip -4 addr show 2>/dev/null | grep "inet $BIND/" >/dev/null || die "$BIND is not on this machine: run scripts/test-hosts.sh up first"
  cur=$(running)
  if [ -n "$cur" ] && [ "${cur#* }" = "$port $dir" ]; then
    log "already serving $dir on http://$BIND:$port/"
    return 0
  fi
  cmd_stop >/dev/null 2>&1
  mkdir -p "$STATE"
  py=$(python_bin)
  setsid "$py" -m http.server --bind "$BIND" --directory "$dir" "$port" </dev/null >>"$LOGFILE" 2>&1 9<&- &
  pid=$!
  echo "$pid $port $dir" >"$PIDFILE"
  local tries=0
  until curl -s -o /dev/null --max-time 1 "http://$BIND:$port/"; do
    tries=$((tries + 1))
    if ! alive "$pid" || [ "$tries" -ge 100 ]; then
      tail -n 20 "$LOGFILE" >&2 || true
      cmd_stop >/dev/null 2>&1
      die "server did not answer on http://$BIND:$port/"
    fi
    sleep 0.1
  done
  log "serving $dir on http://$BIND:$port/ (pid $pid)"
}

cmd_status() {
  local cur
  cur=$(running)
  if [ -n "$cur" ]; then echo "running $cur"; else echo stopped; fi
}

case ${1:-} in
  start)
    shift
    cmd_start "$@"
    ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *)
    sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
