#!/usr/bin/env bash
# Local test hosts: N isolated Linux "machines" on this one, each reachable over SSH on its own IP,
# for deploying the stack end to end without VMs, Docker or systemd.
#
#   test-hosts.sh up [N]          start worker1..N (default 3) on 10.77.0.11.. behind bridge rmqbr0
#                                 (10.77.0.1/24); idempotent; waits until every sshd takes a login
#   test-hosts.sh down [N]        kill every process of every host, unmount, delete namespaces, links,
#                                 bridge and state (the SSH client key is kept); safe to rerun, also
#                                 after a crash or a half-made `up`
#   test-hosts.sh purge           down, and delete the SSH client key and the state dir too
#   test-hosts.sh status [N]      one line per host: name, IP, sshd up or down
#   test-hosts.sh exec HOST [CMD...]  run CMD (a shell command line, like ssh) as root inside HOST
#                                 (worker1, 1 or 10.77.0.11); no CMD: an interactive shell
#   test-hosts.sh env [N]         `export` lines: RMQ_TEST_HOSTS_KEY, _STATE, _BRIDGE_IP, _IPS, ...
#
# A host is: its own network namespace rmq-workerI (eth0 = 10.77.0.1I/24 on the bridge, lo up, no
# default route: the hosts reach each other and the bridge address, nothing else), and its own
# mount, UTS, IPC and PID namespaces (hostname workerI; PID 1 is the host's sshd, so when it dies
# every process of the host dies with it, like a machine that crashed). Its root is a private
# overlay of the machine's root filesystem: everything installed on the machine (Java, curl,
# unzip, ...) is there, and whatever the host writes (/app, /etc/hosts, users) lands in its upper
# layer $STATE/workerI/upper only. /run, /tmp and /dev/shm are private tmpfs, /dev is a minimal
# private one with its own devpts, /proc is the host's own (its own PIDs: a PID seen inside a host
# is not the machine's PID of that process, so kill it from inside, over ssh or `exec`).
# /proc/sys and /sys are read-only, so software deployed into a host can read but not change the
# machine's kernel settings (vm.* sysctls are global, not per namespace): `sysctl -w` fails there
# (writes to /proc/sys get "Read-only file system"). /root is a fresh home (the machine's root home
# is hidden), and the state dir is hidden too. The hosts reach 10.77.0.0/24 (each other, and the
# machine at 10.77.0.1, e.g. scripts/artifact-server.sh) and nothing else; names other than
# localhost and the host's own do not resolve. sshd: key-only, root by key, no PAM, UseDNS no, one
# host key per host; the client key $STATE/id_ed25519 is authorized for root inside the hosts only
# (the machine's /root/.ssh is not touched). sshd logs to $STATE/workerI/sshd.log.
#
# `up` on a host that is not healthy (sshd gone, half-made) stops what is left of it and boots it
# again with its disk (upper layer) kept, like a rebooted machine; a lost pid file is found again
# without a reboot. `down` wipes the hosts and stops scripts/artifact-server.sh. There is no
# systemd (nor any init but sshd) in a host.
# Environment: RMQ_TEST_HOSTS_STATE (default /var/tmp/rmq-test-hosts; not on overlayfs, not on
# tmpfs), RMQ_TEST_HOSTS_WAIT (seconds `up` waits for the sshds, default 20),
# RMQ_TEST_HOSTS_GRACE (seconds `down` gives processes between SIGTERM and SIGKILL, default 2).
# Needs root, Linux with overlayfs; installs what it lacks from Debian's packages.
set -euo pipefail

STATE=${RMQ_TEST_HOSTS_STATE:-/var/tmp/rmq-test-hosts}
WAIT_S=${RMQ_TEST_HOSTS_WAIT:-20}
GRACE_S=${RMQ_TEST_HOSTS_GRACE:-2}
BRIDGE=rmqbr0
NET=10.77.0
BRIDGE_IP=$NET.1
KEY=$STATE/id_ed25519
SELF=$(readlink -f "${BASH_SOURCE[0]}")
# Packages of the machine that the harness or the hosts (through the lower layer) need.
PACKAGES=(openssh-server openssh-client iproute2 util-linux procps curl unzip attr shellcheck)
SSH_OPTS=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes
  -o LogLevel=ERROR -o ConnectTimeout=2)
HOST_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

log() { printf '[test-hosts] %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

name_of() { echo "worker$1"; }
ip_of() { echo "$NET.$((10 + $1))"; }
ns_of() { echo "rmq-worker$1"; }
veth_of() { echo "rmqv-worker$1"; }
dir_of() { echo "$STATE/worker$1"; }
mac_of() { printf '02:72:6d:00:%02x:%02x' "$1" "$2"; } # mac_of KIND I: 0 bridge, 1 veth, 2 eth0

now_ms() { date +%s%3N; }
elapsed() { # elapsed START_MS: seconds since START_MS, one decimal
  local ms=$(($(now_ms) - $1))
  printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100))
}

require_root() { [ "$(id -u)" -eq 0 ] || die "must run as root"; }

check_count() {
  if ! [[ $1 =~ ^[0-9]+$ ]] || [ "$1" -lt 1 ] || [ "$1" -gt 200 ]; then
    die "host count must be 1..200, got '$1'"
  fi
}

check_state_path() {
  [[ $STATE =~ ^/[A-Za-z0-9._/-]+$ ]] || die "RMQ_TEST_HOSTS_STATE must be an absolute path of [A-Za-z0-9._/-] (it goes into mount options): $STATE"
  [ "$STATE" != / ] || die "RMQ_TEST_HOSTS_STATE must not be /"
}

# The upper layers live under $STATE: overlayfs cannot use a directory on overlayfs as upper layer,
# and on tmpfs every byte the hosts write (RocketMQ's commit logs) would sit in RAM.
check_state_fs() {
  local d=$STATE fs
  while [ ! -d "$d" ]; do d=$(dirname "$d"); done
  fs=$(stat -f -c %T "$d")
  case $fs in
    overlayfs) die "$d is on overlayfs, which cannot hold the hosts' upper layers: set RMQ_TEST_HOSTS_STATE to a directory on a disk filesystem" ;;
    tmpfs | ramfs) die "$d is on $fs (RAM): set RMQ_TEST_HOSTS_STATE to a directory on a disk filesystem (the default is /var/tmp/rmq-test-hosts)" ;;
  esac
}

# apt-get install whatever of PACKAGES is missing, non-interactively, without starting the machine's
# own sshd (policy-rc.d denies service starts during the install when none is in place).
ensure_packages() {
  local missing=() p status
  for p in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$status" = installed ] || missing+=("$p")
  done
  [ "${#missing[@]}" -gt 0 ] || return 0
  command -v apt-get >/dev/null || die "missing packages (${missing[*]}) and no apt-get to install them"
  log "installing ${missing[*]}"
  local policy=/usr/sbin/policy-rc.d own_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    own_policy=1
  fi
  local rc=0 out
  out=$(mktemp)
  {
    apt-get update -q &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}"
  } >"$out" 2>&1 || rc=$?
  [ "$own_policy" -eq 0 ] || rm -f "$policy"
  [ "$rc" -eq 0 ] || {
    tail -n 30 "$out" >&2
    rm -f "$out"
    die "apt-get install ${missing[*]} failed"
  }
  rm -f "$out"
}

# ---- discovery -------------------------------------------------------------------------------------

# Indexes of every host that exists in any form (namespace, link, state dir), plus 1..$1.
known_hosts() {
  local n=${1:-0} i
  {
    for ((i = 1; i <= n; i++)); do echo "$i"; done
    ip netns list 2>/dev/null | awk '{print $1}' | sed -n 's/^rmq-worker\([0-9][0-9]*\)$/\1/p'
    ip -o link show 2>/dev/null | sed -n 's/^[0-9]*: rmqv-worker\([0-9][0-9]*\)[@:].*/\1/p'
    if [ -d "$STATE" ]; then
      find "$STATE" -mindepth 1 -maxdepth 1 -type d -name 'worker*' -printf '%f\n' | sed -n 's/^worker\([0-9][0-9]*\)$/\1/p'
    fi
  } | sort -n -u
}

alive() { [ -n "${1:-}" ] && [ -d "/proc/$1" ]; }

read_pid() { # read_pid FILE: the number in FILE, or nothing
  local p=""
  if [ -f "$1" ]; then read -r p <"$1" 2>/dev/null || true; fi
  if [[ $p =~ ^[0-9]+$ ]]; then echo "$p"; fi
}

# Is PID host I's init: running, PID 1 of its own PID namespace, in the host's network namespace?
is_init_of() {
  local pid=$1 i=$2 netino st
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  netino=$(stat -L -c %i "/run/netns/$(ns_of "$i")" 2>/dev/null) || return 1
  [ "$(readlink "/proc/$pid/ns/net" 2>/dev/null)" = "net:[$netino]" ] || return 1
  st=$(awk '$1 == "State:" { s = $2 } $1 == "NSpid:" { n = $NF } END { print s, n }' "/proc/$pid/status" 2>/dev/null) || return 1
  case $st in Z* | X* | *" ") return 1 ;; *" 1") return 0 ;; *) return 1 ;; esac
}

# The PID (in the machine's PID namespace) of host I's init = its sshd: from its pid file, or, when
# that is lost or stale, found among the host's processes.
init_pid() {
  local i=$1 pid
  pid=$(read_pid "$(dir_of "$i")/init.pid")
  if is_init_of "$pid" "$i"; then
    echo "$pid"
    return 0
  fi
  for pid in $(host_pids "$i"); do
    if is_init_of "$pid" "$i"; then
      echo "$pid"
      return 0
    fi
  done
  return 1
}

# Every process that belongs to host I: in its network namespace, in its PID namespace, or rooted
# in its overlay (a process may have left the network namespace, the namespace's file in /run/netns
# may be gone, the pid files may be lost). One pass over /proc, no fork per process.
host_pids() {
  local i=$1 b ns nets=() pidns="" n
  b=$(dir_of "$i")
  ns=$(ns_of "$i")
  if [ -e "/run/netns/$ns" ]; then nets+=("$(stat -L -c %i "/run/netns/$ns" 2>/dev/null || true)"); fi
  if [ -f "$b/netns" ] && read -r n <"$b/netns"; then nets+=("$n"); fi
  if [ -f "$b/pidns" ]; then read -r pidns <"$b/pidns" || true; fi
  {
    stat -L -c '%n %i' /proc/[0-9]*/ns/net /proc/[0-9]*/ns/pid 2>/dev/null || true
    QUOTING_STYLE=literal stat -c '%N' /proc/[0-9]*/root 2>/dev/null || true
  } | awk -v nets=" ${nets[*]} " -v pidns="${pidns:-none}" -v root="$b/root" -v self=$$ '
    { split($1, f, "/"); pid = f[3]; if (pid == self || pid !~ /^[0-9]+$/) next }
    f[5] == "net" && $2 != "" && index(nets, " " $2 " ") { print pid; next }
    f[5] == "pid" && $2 == pidns { print pid; next }
    f[4] == "root" && ($3 == root || index($3, root "/") == 1) { print pid }
  ' | sort -n -u | not_zombies
}

# The PIDs read from stdin that are still running (a killed process whose parent has not reaped it
# yet only waits to be reaped, by the machine's init when its parent was killed too).
not_zombies() {
  local p stat st
  while read -r p; do
    stat=""
    read -r stat <"/proc/$p/stat" 2>/dev/null || continue
    st=${stat##*) }
    case ${st%% *} in Z | X) ;; *) echo "$p" ;; esac
  done
}

# Mount points on the machine matching an extended regex, deepest first. Normally there are
# none but the namespace files in /run/netns: the hosts' mounts live in their own mount namespaces
# and vanish with them.
our_mounts() {
  awk '{print $5}' /proc/self/mountinfo | grep -E "$1" | sort -r || true
}

# A path as an extended regex. Paths here are of [A-Za-z0-9._/-] (see check_state_path): only the
# dot needs quoting.
re_quote() { printf '%s' "${1//./[.]}"; }

unmount_matching() {
  local m
  while read -r m; do
    [ -n "$m" ] || continue
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "could not unmount $m"
  done < <(our_mounts "$1")
}

# ---- hosts ------------------------------------------------------------------------------------------

# Stop every process of the hosts given: SIGTERM to all but their inits (and the unshare processes
# above them), one grace period, then SIGKILL to all (SIGKILL to an init, PID 1 of its host's PID
# namespace, takes down whatever is left in that namespace).
hosts_stop() {
  local i init keep=(x) others pids deadline
  for i in "$@"; do
    # (unshare ignores SIGTERM while it waits for the init; when the init is gone it exits.)
    keep+=("$(read_pid "$(dir_of "$i")/init.pid")" "$(read_pid "$(dir_of "$i")/unshare.pid")")
    if init=$(init_pid "$i"); then keep+=("$init" "$(awk '{ print $4 }' "/proc/$init/stat" 2>/dev/null)"); fi
  done
  all_pids() { for i in "$@"; do host_pids "$i"; done | sort -n -u; }
  others_of() { all_pids "$@" | grep -v -x -F -f <(printf '%s\n' "${keep[@]}") || true; }
  mapfile -t others < <(others_of "$@")
  if [ "${#others[@]}" -gt 0 ] && [ "$GRACE_S" != 0 ]; then
    kill -TERM "${others[@]}" 2>/dev/null || true
    deadline=$(($(now_ms) + GRACE_S * 1000))
    while [ "$(now_ms)" -lt "$deadline" ]; do
      mapfile -t others < <(others_of "$@")
      [ "${#others[@]}" -gt 0 ] || break
      sleep 0.05
    done
  fi
  deadline=$(($(now_ms) + 10000))
  while :; do
    mapfile -t pids < <(all_pids "$@")
    [ "${#pids[@]}" -gt 0 ] || return 0
    if [ "$(now_ms)" -ge "$deadline" ]; then
      log "processes survive SIGKILL: ${pids[*]}"
      return 1
    fi
    kill -KILL "${pids[@]}" 2>/dev/null || true
    sleep 0.05
  done
}

# Remove host I's namespace, link and mounts (its processes must be stopped first); with "wipe",
# its state dir too.
host_remove() {
  local i=$1 wipe=${2:-} b ns
  b=$(dir_of "$i")
  ns=$(ns_of "$i")
  ip netns del "$ns" 2>/dev/null || true
  ip link del "$(veth_of "$i")" 2>/dev/null || true
  unmount_matching "^($(re_quote "$b")/|/run/netns/$ns\$)"
  rm -f "$b/init.pid" "$b/unshare.pid" "$b/pidns" "$b/netns"
  if [ "$wipe" = wipe ] && [ -d "$b" ]; then
    rm -rf "$b" 2>/dev/null || {
      unmount_matching "^$(re_quote "$b")/"
      rm -rf "$b"
    }
  fi
}

write_sshd_config() { # write_sshd_config FILE
  cat >"$1" <<'EOF'
# Written by scripts/test-hosts.sh; seen inside the host as /run/rmq-test-host/sshd_config.
Port 22
HostKey /run/rmq-test-host/ssh_host_ed25519_key
PidFile /run/sshd.pid
UsePAM no
UseDNS no
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile .ssh/authorized_keys
PrintMotd no
PrintLastLog no
AcceptEnv LANG LC_*
# A deployment opens many connections at once.
MaxStartups 200
MaxSessions 200
LoginGraceTime 30
Subsystem sftp internal-sftp
Match User root
  AuthorizedKeysFile /run/rmq-test-host/authorized_keys .ssh/authorized_keys
EOF
}

# Create host I's namespaces and network, and start its init (which mounts its root and execs sshd).
host_start() {
  local i=$1 b ns veth ip name
  b=$(dir_of "$i")
  ns=$(ns_of "$i")
  veth=$(veth_of "$i")
  ip=$(ip_of "$i")
  name=$(name_of "$i")
  mkdir -p "$b/upper" "$b/work" "$b/root" "$b/ssh"
  chmod 700 "$b/ssh"
  [ -f "$b/ssh/ssh_host_ed25519_key" ] ||
    ssh-keygen -q -t ed25519 -N "" -C "root@$name" -f "$b/ssh/ssh_host_ed25519_key"
  install -m 600 "$KEY.pub" "$b/ssh/authorized_keys"
  write_sshd_config "$b/ssh/sshd_config"
  # First boot: the host's own /etc/hostname and /etc/hosts (its name resolves, as on a VM), and a
  # fresh /root: an opaque directory hides the machine's root home (its caches, tool configs and
  # dotfiles) from the host, with Debian's default dotfiles in it.
  if [ ! -e "$b/upper/etc/hosts" ]; then
    mkdir -p "$b/upper/etc" "$b/upper/root"
    echo "$name" >"$b/upper/etc/hostname"
    { cat /etc/hosts 2>/dev/null || echo "127.0.0.1 localhost"; printf '%s\t%s\n' "$ip" "$name"; } >"$b/upper/etc/hosts"
    chmod 700 "$b/upper/root"
    setfattr -n trusted.overlay.opaque -v y "$b/upper/root"
    local f
    for f in bashrc profile; do
      if [ -f "/usr/share/base-files/dot.$f" ]; then cp "/usr/share/base-files/dot.$f" "$b/upper/root/.$f"; fi
    done
  fi

  ip netns add "$ns"
  # Fixed MAC addresses: a rebooted host keeps its MAC, so no ARP cache (the machine's, the other
  # hosts') points at a MAC that is gone.
  ip link add "$veth" address "$(mac_of 1 "$i")" type veth peer name eth0 address "$(mac_of 2 "$i")" netns "$ns"
  ip link set "$veth" master "$BRIDGE" up
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "$ip/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip neigh flush to "$ip" dev "$BRIDGE" 2>/dev/null || true

  printf '=== %s boot %s\n' "$name" "$(date -Is)" >>"$b/sshd.log"
  # setsid: signals to the caller's terminal or process group do not reach the hosts.
  # --kill-child: if this unshare process dies, the host's init does too.
  setsid env -i PATH="$HOST_PATH" LANG=C.UTF-8 RMQ_TEST_HOSTS_STATE="$STATE" nsenter --net="/run/netns/$ns" -- \
    unshare --mount --uts --ipc --pid --fork --kill-child --propagation private -- \
    "$SELF" __init "$i" </dev/null >>"$b/sshd.log" 2>&1 9<&- &
  local upid=$! init="" tries=0
  echo "$upid" >"$b/unshare.pid"
  while [ "$tries" -lt 250 ]; do
    tries=$((tries + 1))
    init=$(pgrep -P "$upid" | head -n1 || true)
    [ -z "$init" ] || break
    alive "$upid" || break
    sleep 0.02
  done
  [ -n "$init" ] || {
    cat "$b/sshd.log" >&2
    die "$name: init did not start"
  }
  echo "$init" >"$b/init.pid"
  stat -L -c %i "/proc/$init/ns/pid" >"$b/pidns"
  stat -L -c %i "/run/netns/$ns" >"$b/netns"
}

# Runs as PID 1 of a new host, inside its network, mount, UTS, IPC and PID namespaces.
host_init() {
  local i=$1 b r name p
  [ "$$" = 1 ] || die "__init is internal to test-hosts.sh up"
  b=$(dir_of "$i")
  r=$b/root
  name=$(name_of "$i")
  mount --make-rprivate /
  mount -t overlay "rmq-$name" -o "lowerdir=/,upperdir=$b/upper,workdir=$b/work" "$r"
  # The host's own /proc (its own PIDs); the kernel's global knobs in it read-only.
  mount -t proc -o nosuid,nodev,noexec proc "$r/proc"
  for p in sys sysrq-trigger irq bus fs; do
    [ -e "$r/proc/$p" ] || continue
    mount --bind "$r/proc/$p" "$r/proc/$p"
    mount -o remount,bind,ro "$r/proc/$p"
  done
  # sysfs of the host's network namespace, read-only.
  mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$r/sys"
  # A minimal /dev of its own.
  mount -t tmpfs -o mode=755,nosuid,size=1m dev "$r/dev"
  mknod -m 666 "$r/dev/null" c 1 3
  mknod -m 666 "$r/dev/zero" c 1 5
  mknod -m 666 "$r/dev/full" c 1 7
  mknod -m 666 "$r/dev/random" c 1 8
  mknod -m 666 "$r/dev/urandom" c 1 9
  mknod -m 666 "$r/dev/tty" c 5 0
  ln -s /proc/self/fd "$r/dev/fd"
  ln -s /proc/self/fd/0 "$r/dev/stdin"
  ln -s /proc/self/fd/1 "$r/dev/stdout"
  ln -s /proc/self/fd/2 "$r/dev/stderr"
  mkdir "$r/dev/pts" "$r/dev/shm"
  mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5,nosuid,noexec devpts "$r/dev/pts"
  ln -s pts/ptmx "$r/dev/ptmx"
  mount -t tmpfs -o mode=1777,nosuid,nodev shm "$r/dev/shm"
  mount -t tmpfs -o mode=755,nosuid,nodev run "$r/run"
  mount -t tmpfs -o mode=1777,nosuid,nodev tmp "$r/tmp"
  # sshd's config, host key and authorized key, read-only.
  mkdir -p "$r/run/rmq-test-host" "$r/run/sshd"
  mount --bind "$b/ssh" "$r/run/rmq-test-host"
  mount -o remount,bind,ro "$r/run/rmq-test-host"
  # The harness's state (other hosts' layers, the client key) is not the host's business.
  if [ -d "$r$STATE" ]; then mount -t tmpfs -o ro,mode=755,size=4k hidden "$r$STATE"; fi
  hostname "$name"
  exec chroot "$r" /usr/sbin/sshd -D -e -f /run/rmq-test-host/sshd_config
}

# Wait until every host of $@ takes an SSH login; on failure show their sshd logs.
wait_ssh() {
  local pending=("$@") deadline i next
  deadline=$(($(now_ms) + WAIT_S * 1000))
  while [ "${#pending[@]}" -gt 0 ]; do
    next=()
    for i in "${pending[@]}"; do
      if ! init_pid "$i" >/dev/null; then
        log "$(name_of "$i"): init exited; its log:"
        cat "$(dir_of "$i")/sshd.log" >&2 || true
        die "$(name_of "$i") did not start"
      fi
      ssh_ok "$i" || next+=("$i")
    done
    pending=("${next[@]}")
    [ "${#pending[@]}" -gt 0 ] || break
    if [ "$(now_ms)" -ge "$deadline" ]; then
      for i in "${pending[@]}"; do
        log "$(name_of "$i") ($(ip_of "$i")): no SSH login within ${WAIT_S} s; its sshd log:"
        cat "$(dir_of "$i")/sshd.log" >&2 || true
      done
      die "hosts not ready: ${pending[*]/#/worker}"
    fi
    sleep 0.1
  done
}

ssh_ok() { ssh -i "$KEY" "${SSH_OPTS[@]}" "root@$(ip_of "$1")" true </dev/null >/dev/null 2>&1; }

# Healthy: init alive in the host's namespace, link on the bridge, and sshd takes a login. Rewrites
# a lost or stale pid file.
host_healthy() {
  local i=$1 pid b
  b=$(dir_of "$i")
  pid=$(init_pid "$i") || return 1
  if [ "$(read_pid "$b/init.pid")" != "$pid" ]; then
    log "$(name_of "$i"): pid file lost or stale; init is $pid"
    echo "$pid" >"$b/init.pid"
    awk '{ print $4 }' "/proc/$pid/stat" >"$b/unshare.pid"
    stat -L -c %i "/proc/$pid/ns/pid" >"$b/pidns"
    stat -L -c %i "/run/netns/$(ns_of "$i")" >"$b/netns"
  fi
  ip link show "$(veth_of "$i")" >/dev/null 2>&1 || return 1
  ip link set "$(veth_of "$i")" master "$BRIDGE" up 2>/dev/null || return 1
  ssh_ok "$i" || { sleep 1 && ssh_ok "$i"; }
}

ensure_bridge() {
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    local other
    other=$(ip -4 route show "$NET.0/24" 2>/dev/null | grep -v "dev $BRIDGE" || true)
    [ -z "$other" ] || die "$NET.0/24 is already routed on this machine: $other"
    # (a bridge without a fixed MAC takes its ports' lowest, which changes as hosts come and go)
    ip link add "$BRIDGE" address "$(mac_of 0 0)" type bridge
  fi
  ip -4 addr show dev "$BRIDGE" | grep -q "inet $BRIDGE_IP/24" || ip addr add "$BRIDGE_IP/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
}

lock() { # serialize up/down/purge (the lock is on this file; hosts never hold it)
  exec 9<"$SELF"
  flock -w 300 9 || die "another test-hosts.sh up/down is running"
}

# ---- commands ----------------------------------------------------------------------------------------

cmd_up() {
  local n=${1:-3} t0 i started=() healthy=()
  check_count "$n"
  require_root
  check_state_path
  t0=$(now_ms)
  lock
  ensure_packages
  check_state_fs
  mkdir -p "$STATE"
  chmod 755 "$STATE"
  if [ ! -f "$KEY" ] || [ ! -f "$KEY.pub" ]; then
    rm -f "$KEY" "$KEY.pub"
    ssh-keygen -q -t ed25519 -N "" -C rmq-test-hosts -f "$KEY"
  fi
  ensure_bridge
  for ((i = 1; i <= n; i++)); do
    # A running host reads its authorized key through a bind mount: refresh it in place.
    if [ -d "$(dir_of "$i")/ssh" ]; then install -m 600 "$KEY.pub" "$(dir_of "$i")/ssh/authorized_keys"; fi
    if host_healthy "$i"; then
      healthy+=("$i")
      continue
    fi
    if [ -n "$(host_pids "$i")" ] || [ -e "/run/netns/$(ns_of "$i")" ] || ip link show "$(veth_of "$i")" >/dev/null 2>&1; then
      log "$(name_of "$i"): not healthy, rebooting it (its disk is kept)"
      hosts_stop "$i" || true
      host_remove "$i"
    fi
    host_start "$i"
    started+=("$i")
  done
  [ "${#started[@]}" -eq 0 ] || wait_ssh "${started[@]}"
  log "up: $n host(s) ready in $(elapsed "$t0") s (${#started[@]} started, ${#healthy[@]} already up); key $KEY"
}

cmd_down() {
  local n=${1:-0} t0 i hosts
  [ "$n" = 0 ] || check_count "$n"
  require_root
  check_state_path
  t0=$(now_ms)
  lock
  "$(dirname "$SELF")/artifact-server.sh" stop >/dev/null 2>&1 || true
  mapfile -t hosts < <(known_hosts "$n")
  if [ "${#hosts[@]}" -gt 0 ]; then hosts_stop "${hosts[@]}" || true; fi
  for i in "${hosts[@]}"; do host_remove "$i" wipe; done
  ip link del "$BRIDGE" 2>/dev/null || true
  unmount_matching "^($(re_quote "$STATE")/|/run/netns/rmq-worker[0-9]+\$)"
  if [ -d "$STATE" ]; then
    find "$STATE" -mindepth 1 -maxdepth 1 ! -name id_ed25519 ! -name id_ed25519.pub -exec rm -rf {} +
  fi
  local left
  left=$(grep -l -e "$STATE/" -e "rmq-worker" /proc/[0-9]*/mountinfo 2>/dev/null || true)
  [ -z "$left" ] || log "warning: mounts of the hosts still seen by: $(echo "$left" | tr '\n' ' ')"
  log "down: done in $(elapsed "$t0") s (${#hosts[@]} host(s) cleaned up)"
}

cmd_purge() {
  cmd_down "$@"
  rm -rf "$STATE"
}

cmd_status() {
  local n=${1:-0} i hosts state pid
  mapfile -t hosts < <(known_hosts "$n")
  [ "${#hosts[@]}" -gt 0 ] || { echo "no test hosts"; return 0; }
  for i in "${hosts[@]}"; do
    if pid=$(init_pid "$i"); then
      if [ -f "$KEY" ] && ssh_ok "$i"; then state="up (sshd pid $pid)"; else state="down (sshd pid $pid does not take logins)"; fi
    else
      state=down
    fi
    printf '%-10s %-12s sshd %s\n' "$(name_of "$i")" "$(ip_of "$i")" "$state"
  done
}

cmd_env() {
  local n=${1:-0} i hosts ips=()
  mapfile -t hosts < <(known_hosts "$n")
  [ "${#hosts[@]}" -gt 0 ] || mapfile -t hosts < <(known_hosts 3)
  printf 'export RMQ_TEST_HOSTS_STATE=%q\n' "$STATE"
  printf 'export RMQ_TEST_HOSTS_KEY=%q\n' "$KEY"
  printf 'export RMQ_TEST_HOSTS_BRIDGE_IP=%q\n' "$BRIDGE_IP"
  for i in "${hosts[@]}"; do
    ips+=("$(ip_of "$i")")
    printf 'export RMQ_TEST_HOST_%s=%q\n' "$(name_of "$i" | tr '[:lower:]' '[:upper:]')" "$(ip_of "$i")"
  done
  printf 'export RMQ_TEST_HOSTS_IPS="%s"\n' "${ips[*]}"
}

# exec HOST [CMD...]: like `ssh root@HOST CMD...` without ssh: the words of CMD are joined into one
# shell command line, run by bash as root in the host's namespaces and root directory, in /root.
cmd_exec() {
  [ $# -ge 1 ] || die "usage: test-hosts.sh exec HOST [CMD...]"
  local h=$1 i pid
  shift
  case $h in
    worker[0-9]*) i=${h#worker} ;;
    "$NET".[0-9]*) i=$((${h##*.} - 10)) ;;
    [0-9]*) i=$h ;;
    *) die "unknown host '$h' (worker1, 1 or $NET.11)" ;;
  esac
  if ! [[ $i =~ ^[0-9]+$ ]] || [ "$i" -lt 1 ]; then die "unknown host '$h'"; fi
  require_root
  pid=$(init_pid "$i") || die "$(name_of "$i") is not running"
  # --wd: the init's working directory, the host's /; nsenter's --wd=DIR would resolve DIR on the
  # machine, hence the cd inside.
  # shellcheck disable=SC2016  # expanded by the host's bash
  local script='cd /root 2>/dev/null || cd /; if [ $# -eq 0 ]; then exec /bin/bash -l; fi; eval "$1"'
  local line=()
  [ $# -eq 0 ] || line=("$*")
  exec nsenter --target "$pid" --mount --uts --ipc --net --pid --root --wd -- \
    env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/bash PATH="$HOST_PATH" TERM="${TERM:-dumb}" LANG=C.UTF-8 \
    /bin/bash -c "$script" bash "${line[@]}"
}

usage() {
  sed -n '2,/^set -euo/p' "$SELF" | sed -e '$d' -e 's/^# \{0,1\}//'
}

main() {
  local cmd=${1:-}
  [ $# -eq 0 ] || shift
  case $cmd in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    purge) cmd_purge "$@" ;;
    status) cmd_status "$@" ;;
    env) cmd_env "$@" ;;
    exec) cmd_exec "$@" ;;
    __init) host_init "$@" ;;
    -h | --help | help) usage ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
}

main "$@"
