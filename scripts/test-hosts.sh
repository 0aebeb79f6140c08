#!/usr/bin/env bash
# Local test hosts: N Debian 12 machines on this one, booted by systemd-nspawn with systemd as PID 1,
# each reachable over SSH on its own IP, for deploying the stack end to end without VMs or Docker.
#
#   test-hosts.sh up [N] [--init MODE]  boot worker1..N (default 3) on 10.77.0.11.. behind bridge
#                                 rmqbr0 (10.77.0.1/24); idempotent (a healthy machine is left
#                                 alone, a broken one is rebooted with its disk kept); waits until
#                                 every sshd takes a login and, with systemd, until the system is
#                                 running or degraded (failed units are printed); builds the image
#                                 first if it is not cached
#   test-hosts.sh down [N]        power every machine off (cleanly, then by force), unmount, delete
#                                 namespaces, links, bridge and the machines' disks (the SSH client key
#                                 and the image cache are kept); safe to rerun, also after a crash or a
#                                 half-made `up`; stops scripts/artifact-server.sh too
#   test-hosts.sh purge           down, and delete the SSH client key and the state dir too (never the
#                                 image cache)
#   test-hosts.sh status [N]      one line per host: name, IP, sshd up or down, init mode and state
#   test-hosts.sh exec HOST [CMD...]  run CMD (a shell command line, like ssh) as root inside HOST
#                                 (worker1, 1 or 10.77.0.11), without ssh; no CMD: an interactive shell
#   test-hosts.sh env [N]         `export` lines: RMQ_TEST_HOSTS_KEY, _STATE, _BRIDGE_IP, _IPS, ...
#   test-hosts.sh poweroff I      clean poweroff of machine I (systemd: SIGRTMIN+4 to its PID 1;
#                                 none: SIGTERM to its processes), by force after RMQ_TEST_HOSTS_STOP_WAIT
#   test-hosts.sh boot I          boot machine I again, disk kept, in the init mode it last ran
#   test-hosts.sh reboot I        poweroff I, then boot I; prints seconds down and seconds until sshd
#                                 answers (and until systemd says running)
#   test-hosts.sh hostkeys [N]    one line per host: name and its SSH host key (`ssh-ed25519 BASE64`,
#                                 read from its disk, not over the network): what a stack pins in
#                                 hosts[].hostKey (each machine makes its own key on its first boot)
#   test-hosts.sh logins [N]      total number of accepted SSH public-key logins into the hosts since
#                                 their disks were made (kept across reboots, reset by down)
#   test-hosts.sh image           build the image if it is not cached, print its path
#   test-hosts.sh client CMD...   run CMD here inside the client namespace, whose only network is the
#                                 client network (10.78.0.100; the hosts' eth1 are 10.78.0.1I)
#
# A host is a systemd-nspawn container named workerI: its own network namespace rmq-workerI (eth0 =
# 10.77.0.1I/24 on the bridge, lo up, no default route: the hosts reach each other and the bridge
# address, nothing else; names other than localhost and the host's own do not resolve), its own
# mount, UTS, IPC and PID namespaces and its own cgroup (rmq-test-hosts/workerI). Its root is an
# overlay: a cached Debian 12 image (debootstrap minbase + systemd, sshd, curl, unzip, OpenJDK 17,
# see IMAGE_PACKAGES) below, its own disk $STATE/workerI/upper above, so whatever it writes (/app,
# /etc, units, users) survives `reboot` and goes with `down`. It has its own machine-id, hostname,
# /etc/hosts line and SSH host key, made at its first boot. /tmp and /run are the container's own
# tmpfs; /proc/sys and /sys are read-only (nspawn's defaults): `sysctl -w` fails inside.
# Each host also has eth1 = 10.78.0.1I/24 on a second bridge, rmqcb0 (10.78.0.1 here, so the
# harness's own clients reach what brokers advertise there): the client network. The client
# namespace rmq-client (10.78.0.100) sits on it alone, so a client run there reaches the hosts'
# client addresses and nothing on the cluster network.
# Slots (RMQ_TEST_HOSTS_SLOT=S, 0..9, default 0): independent sets of machines on one machine. Slot
# S uses 10.77.S.0/24 and 10.78.S.0/24, bridges rmqbrS and rmqcbS, namespaces rmqS-workerI and
# rmqS-client, machine names sS-workerI (hostnames stay workerI), state /var/tmp/rmq-test-hostsS and
# its own lock; slot 0 keeps the names above.
# Init modes (RMQ_TEST_HOSTS_INIT or `up --init`): systemd (default) boots the image with systemd as
# PID 1, like a cloud VM; none starts the same image with sshd as its first process (nspawn's stub
# init is PID 1, sshd PID 2), no systemd: /run/systemd/system does not exist, so the stack takes its
# fallback supervisor path. Each machine keeps its mode across poweroff/boot/reboot.
# sshd: key-only, root by key (prohibit-password), UseDNS no, LogLevel INFO; the client key
# $STATE/id_ed25519 is authorized for root. In both modes sshd logs to /var/log/sshd.log inside
# (`sshd -E`), i.e. $STATE/workerI/upper/var/log/sshd.log outside (symlinked as
# $STATE/workerI/sshd.log): `logins` counts its "Accepted publickey" lines. Every login counts, also
# those `up`, `boot` and `status` make to see that sshd answers; `exec` does not log in. The
# container's console (boot messages) goes to $STATE/workerI/console.log.
# Environment: RMQ_TEST_HOSTS_STATE (default /var/tmp/rmq-test-hosts; not on overlayfs, not on
# tmpfs), RMQ_TEST_HOSTS_INIT (systemd or none, default systemd), RMQ_TEST_HOSTS_WAIT (seconds a boot
# may take until ready, default 90), RMQ_TEST_HOSTS_GRACE (seconds `down` gives machines to power off
# cleanly before killing them, default 10), RMQ_TEST_HOSTS_STOP_WAIT (the same for `poweroff` and
# `reboot`, default 90), RMQ_PULUMI_CACHE (default ~/.cache/rocketmq-pulumi: the image is
# rootfs/bookworm-HASH in it, HASH of the package list and the image tweaks), RMQ_TEST_HOSTS_MIRROR
# (Debian mirror for the image, default the machine's apt source).
# Needs root, Linux with overlayfs; installs what it lacks (systemd-container, debootstrap, ...) from
# Debian's packages.
set -euo pipefail

# A slot is one independent set of machines (its own subnets, bridges, namespaces, state and lock),
# so that several runs can share this machine; slot 0 keeps the historic names.
SLOT=${RMQ_TEST_HOSTS_SLOT:-0}
[[ $SLOT =~ ^[0-9]$ ]] || { echo "[test-hosts] error: RMQ_TEST_HOSTS_SLOT must be 0..9, got '$SLOT'" >&2; exit 1; }
if [ "$SLOT" = 0 ]; then SFX=""; else SFX=$SLOT; fi
STATE=${RMQ_TEST_HOSTS_STATE:-/var/tmp/rmq-test-hosts${SLOT#0}}
WAIT_S=${RMQ_TEST_HOSTS_WAIT:-90}
GRACE_S=${RMQ_TEST_HOSTS_GRACE:-10}
STOP_WAIT_S=${RMQ_TEST_HOSTS_STOP_WAIT:-90}
INIT_MODE=${RMQ_TEST_HOSTS_INIT:-systemd}
CACHE=${RMQ_PULUMI_CACHE:-${HOME:-/root}/.cache/rocketmq-pulumi}
BRIDGE=rmqbr$SLOT
NET=10.77.$SLOT
BRIDGE_IP=$NET.1
# The client network: a second bridge joining each host's eth1, this machine and the client
# namespace, which reaches nothing else (no route to the cluster network).
CBRIDGE=rmqcb$SLOT
CNET=10.78.$SLOT
CLIENT_NS=rmq${SFX}-client
CLIENT_IP=$CNET.100
KEY=$STATE/id_ed25519
SELF=$(readlink -f "${BASH_SOURCE[0]}")
SUITE=bookworm
# Packages of this machine that the harness needs (curl: scripts/artifact-server.sh, which serves
# the hosts, used to get it from here).
PACKAGES=(systemd-container debootstrap iproute2 openssh-client util-linux curl)
# Packages of the image, besides debootstrap's minbase. The stack keeps a Java >= 11 it finds.
IMAGE_PACKAGES=(systemd-sysv dbus openssh-server openssh-client iproute2 procps curl unzip
  ca-certificates openjdk-17-jdk-headless)
SSH_OPTS=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes
  -o LogLevel=ERROR -o ConnectTimeout=2)
HOST_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
SSHD_LOG=/var/log/sshd.log
# The cgroup every machine gets below, in each cgroup hierarchy that tracks processes (see cg_roots).
CG_NAME=rmq-test-hosts${SFX:+-$SFX}

log() { printf '[test-hosts] %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

name_of() { echo "worker$1"; } # the hostname
machine_of() { echo "${SFX:+s$SFX-}worker$1"; } # nspawn's machine name: unique across slots
ip_of() { echo "$NET.$((10 + $1))"; }
cip_of() { echo "$CNET.$((10 + $1))"; } # the address on the client network
ns_of() { echo "rmq${SFX}-worker$1"; }
veth_of() { echo "rmqv${SFX}-worker$1"; }
cveth_of() { echo "rmqc${SFX}-worker$1"; }
dir_of() { echo "$STATE/worker$1"; }
# mac_of KIND I: 0 bridge, 1 veth, 2 eth0, 3 client bridge, 4 client veth, 5 eth1; 6/7 the client
# namespace's veth/eth0 (I 0)
mac_of() { printf '02:72:6d:%02x:%02x:%02x' "$SLOT" "$1" "$2"; }

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

check_index() {
  if ! [[ ${1:-} =~ ^[0-9]+$ ]] || [ "$1" -lt 1 ] || [ "$1" -gt 200 ]; then
    die "machine index must be 1..200, got '${1:-}'"
  fi
}

check_mode() {
  case $1 in systemd | none) ;; *) die "init mode must be systemd or none, got '$1'" ;; esac
}

# Both paths go into overlayfs mount options, where commas and colons have a meaning.
check_paths() {
  [[ $STATE =~ ^/[A-Za-z0-9._/-]+$ ]] || die "RMQ_TEST_HOSTS_STATE must be an absolute path of [A-Za-z0-9._/-] (it goes into mount options): $STATE"
  [ "$STATE" != / ] || die "RMQ_TEST_HOSTS_STATE must not be /"
  [[ $CACHE =~ ^/[A-Za-z0-9._/-]+$ ]] || die "RMQ_PULUMI_CACHE must be an absolute path of [A-Za-z0-9._/-] (it goes into mount options): $CACHE"
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

# apt-get install whatever of PACKAGES is missing, non-interactively, without starting services of
# this machine (policy-rc.d denies service starts during the install when none is in place).
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

# Mount points on the machine matching an extended regex, deepest first.
our_mounts() {
  awk '{print $5}' /proc/self/mountinfo | grep -E "$1" | sort -r || true
}

# A path as an extended regex. Paths here are of [A-Za-z0-9._/-] (see check_paths): only the dot
# needs quoting.
re_quote() { printf '%s' "${1//./[.]}"; }

unmount_matching() {
  local m
  while read -r m; do
    [ -n "$m" ] || continue
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "could not unmount $m"
  done < <(our_mounts "$1")
}

# ---- image --------------------------------------------------------------------------------------------

# What makes the debootstrapped root a cloud-like test machine. Its text is part of the image's
# hash: changing it builds a new image.
image_tweak() { # image_tweak ROOT
  local r=$1 u
  # Cloud images have one (minbase has none), and the stack edits it.
  printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\nff02::1\t\tip6-allnodes\nff02::2\t\tip6-allrouters\n' >"$r/etc/hosts"
  # No name server is reachable from the hosts: an empty list fails a lookup at once instead of
  # after resolver timeouts.
  printf '# test host: no name server (only 10.77.0.0/24 is reachable)\n' >"$r/etc/resolv.conf"
  # Made per machine at its first boot (host_prepare): shared ones would make the machines one.
  : >"$r/etc/machine-id"
  ln -sfn /etc/machine-id "$r/var/lib/dbus/machine-id"
  rm -f "$r"/etc/ssh/ssh_host_*
  # remount-fs fails in a container (the root is nspawn's, there is no fstab to apply); the gettys
  # would only print login prompts into console.log.
  for u in systemd-remount-fs.service console-getty.service getty@.service container-getty@.service; do
    ln -sfn /dev/null "$r/etc/systemd/system/$u"
  done
  cat >"$r/etc/ssh/sshd_config.d/rmq-test-host.conf" <<'EOF'
# scripts/test-hosts.sh: key-only, root by key, no DNS on connect (there is none), a host key of the
# machine's own, every accepted login logged (INFO) to /var/log/sshd.log (sshd -E, /etc/default/ssh).
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
LogLevel INFO
# A deployment opens many connections at once.
MaxStartups 200
MaxSessions 200
EOF
  # The same log file with or without systemd (the none mode starts sshd with the same option).
  printf '# scripts/test-hosts.sh: log to a file in both init modes (logins are counted there)\nSSHD_OPTS="-E %s"\n' "$SSHD_LOG" >"$r/etc/default/ssh"
  rm -f "$r"/var/cache/apt/archives/*.deb "$r$SSHD_LOG"
}

image_id() {
  { echo "$SUITE"; printf '%s\n' "${IMAGE_PACKAGES[@]}"; declare -f image_tweak; } | sha256sum | cut -c1-12
}

image_dir() { echo "$CACHE/rootfs/$SUITE-$(image_id)"; }

debian_mirror() {
  if [ -n "${RMQ_TEST_HOSTS_MIRROR:-}" ]; then
    echo "$RMQ_TEST_HOSTS_MIRROR"
    return 0
  fi
  local m=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    m=$(awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$m" ] && [ -f /etc/apt/sources.list ]; then
    m=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' /etc/apt/sources.list)
  fi
  echo "${m:-http://deb.debian.org/debian}"
}

# Remove a half-made image: debootstrap mounts /proc, /sys and maybe /dev into it, and an rm -rf
# across a bind mount of /dev would delete this machine's device nodes.
image_discard() {
  unmount_matching "^$(re_quote "$1")/"
  rm -rf --one-file-system "$1"
}

# Delete the images other than KEEP that no machine uses (an overlay mount of any state dir names its
# image; a powered-off machine of this state dir records it), so edits of the package list or the
# tweaks do not pile up images of ~500 MB.
image_prune() {
  local keep=$1 old
  for old in "$CACHE/rootfs/$SUITE"-*; do
    if [ ! -d "$old" ] || [ "$old" = "$keep" ]; then continue; fi
    case $old in *.tmp.*) continue ;; esac
    if grep -q -F "lowerdir=$old," /proc/self/mountinfo || grep -q -x -F "$old" "$STATE"/worker*/image 2>/dev/null; then continue; fi
    log "deleting unused image $old"
    image_discard "$old"
  done
}

# Build the image once (debootstrap, ~1-2 min), atomically: in a temporary dir renamed when done,
# under a lock so concurrent `up`s build it once.
ensure_image() {
  local dir tmp t0 lockfd
  dir=$(image_dir)
  [ -x "$dir/lib/systemd/systemd" ] && return 0
  mkdir -p "$CACHE/rootfs"
  exec {lockfd}>"$CACHE/rootfs/.lock"
  flock -w 1800 "$lockfd" || die "another image build holds $CACHE/rootfs/.lock"
  if [ ! -x "$dir/lib/systemd/systemd" ]; then
    local stale
    for stale in "$CACHE/rootfs/"*.tmp.*; do
      [ ! -e "$stale" ] || image_discard "$stale"
    done
    [ ! -e "$dir" ] || image_discard "$dir"
    tmp=$dir.tmp.$$
    t0=$(now_ms)
    log "building image $dir (debootstrap $SUITE from $(debian_mirror), once)"
    # An interrupted build must not leave debootstrap's mounts of /proc and /sys behind.
    # shellcheck disable=SC2064  # $tmp is fixed now
    trap "image_discard '$tmp'" EXIT
    if ! debootstrap --variant=minbase --include="$(IFS=,; echo "${IMAGE_PACKAGES[*]}")" \
      "$SUITE" "$tmp" "$(debian_mirror)" >"$CACHE/rootfs/build.log" 2>&1; then
      tail -n 30 "$CACHE/rootfs/build.log" >&2
      image_discard "$tmp"
      die "debootstrap failed (log: $CACHE/rootfs/build.log)"
    fi
    unmount_matching "^$(re_quote "$tmp")/"
    image_tweak "$tmp"
    mv -T "$tmp" "$dir"
    trap - EXIT
    log "image built in $(elapsed "$t0") s ($(du -sh "$dir" | cut -f1))"
    image_prune "$dir"
  fi
  exec {lockfd}>&-
}

# ---- discovery -------------------------------------------------------------------------------------

# Indexes of every host that exists in any form (namespace, link, state dir, nspawn, cgroup), plus
# 1..$1.
known_hosts() {
  local n=${1:-0} i root
  {
    for ((i = 1; i <= n; i++)); do echo "$i"; done
    ip netns list 2>/dev/null | awk '{print $1}' | sed -n "s/^rmq${SFX}-worker\\([0-9][0-9]*\\)\$/\\1/p"
    ip -o link show 2>/dev/null | sed -n "s/^[0-9]*: rmqv${SFX}-worker\\([0-9][0-9]*\\)[@:].*/\\1/p"
    if [ -d "$STATE" ]; then
      find "$STATE" -mindepth 1 -maxdepth 1 -type d -name 'worker*' -printf '%f\n' | sed -n 's/^worker\([0-9][0-9]*\)$/\1/p'
    fi
    for root in $(cg_roots); do
      if [ -d "$root/$CG_NAME" ]; then
        find "$root/$CG_NAME" -mindepth 1 -maxdepth 1 -type d -name 'worker*' -printf '%f\n' | sed -n 's/^worker\([0-9][0-9]*\)$/\1/p'
      fi
    done
  } | sort -n -u
}

alive() { [ -n "${1:-}" ] && [ -d "/proc/$1" ]; }

read_word() { # read_word FILE: the first word in FILE, or nothing
  local w=""
  if [ -f "$1" ]; then read -r w _ <"$1" 2>/dev/null || true; fi
  echo "$w"
}

read_pid() { # read_pid FILE: the number in FILE, or nothing
  local p
  p=$(read_word "$1")
  if [[ $p =~ ^[0-9]+$ ]]; then echo "$p"; fi
}

mode_of() { # the init mode machine I last booted in (or the requested one for a new machine)
  local m
  m=$(read_word "$(dir_of "$1")/init")
  echo "${m:-$INIT_MODE}"
}

# The cgroup hierarchies whose membership the container's systemd relies on: the named systemd one
# (cgroup v1) and the unified one (cgroup v2, hybrid or pure). Without a cgroup of its own, every
# machine's systemd would take the same (this machine's root) cgroup and their units would mix.
cg_roots() {
  local d
  for d in /sys/fs/cgroup/systemd /sys/fs/cgroup/unified /sys/fs/cgroup; do
    [ -f "$d/cgroup.procs" ] || continue
    echo "$d"
    [ "$d" != /sys/fs/cgroup/unified ] || break
  done
}

cg_join() { # cg_join I PID: move PID into machine I's cgroups
  local root d
  for root in $(cg_roots); do
    d=$root/$CG_NAME/$(name_of "$1")
    mkdir -p "$d"
    echo "$2" >"$d/cgroup.procs"
  done
}

cg_pids() { # every process in machine I's cgroups
  local root d
  for root in $(cg_roots); do
    d=$root/$CG_NAME/$(name_of "$1")
    [ -d "$d" ] || continue
    find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null || true
  done
}

cg_remove() { # cg_remove I: machine I's (empty) cgroups
  local root d
  for root in $(cg_roots); do
    d=$root/$CG_NAME/$(name_of "$1")
    [ -d "$d" ] || continue
    find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
    rmdir "$root/$CG_NAME" 2>/dev/null || true
  done
}

# PIDs of the systemd-nspawn processes running machine I (normally one), found by their root dir.
nspawn_pids() {
  local i=$1 root p cmd
  root=$(dir_of "$i")/root
  for p in $(pgrep -x systemd-nspawn 2>/dev/null || true); do
    cmd=$(tr '\0' '\n' <"/proc/$p/cmdline" 2>/dev/null) || continue
    if grep -q -x -F -e "$root" -e "--directory=$root" <<<"$cmd"; then echo "$p"; fi
  done
}

# Is PID machine I's init: running, PID 1 of its own PID namespace, in the machine's network
# namespace?
is_init_of() {
  local pid=$1 i=$2 netino st
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  netino=$(stat -L -c %i "/run/netns/$(ns_of "$i")" 2>/dev/null) || return 1
  [ "$(readlink "/proc/$pid/ns/net" 2>/dev/null)" = "net:[$netino]" ] || return 1
  st=$(awk '$1 == "State:" { s = $2 } $1 == "NSpid:" { n = $NF } END { print s, n }' "/proc/$pid/status" 2>/dev/null) || return 1
  case $st in Z* | X* | *" ") return 1 ;; *" 1") return 0 ;; *) return 1 ;; esac
}

# The PID (in this machine's PID namespace) of machine I's PID 1: from its pid file, or found among
# the machine's processes.
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

# Every process that belongs to machine I: its nspawn, and whatever is in its cgroups, its network
# namespace or its PID namespace (a process may have left one of them, the namespace's file in
# /run/netns may be gone, the pid files may be lost). One pass over /proc, no fork per process.
host_pids() {
  local i=$1 b ns nets=() pidns="" n
  b=$(dir_of "$i")
  ns=$(ns_of "$i")
  if [ -e "/run/netns/$ns" ]; then nets+=("$(stat -L -c %i "/run/netns/$ns" 2>/dev/null || true)"); fi
  if [ -f "$b/netns" ] && read -r n <"$b/netns"; then nets+=("$n"); fi
  if [ -f "$b/pidns" ]; then read -r pidns <"$b/pidns" || true; fi
  {
    nspawn_pids "$i"
    cg_pids "$i"
    stat -L -c '%n %i' /proc/[0-9]*/ns/net /proc/[0-9]*/ns/pid 2>/dev/null |
      awk -v nets=" ${nets[*]} " -v pidns="${pidns:-none}" -v self=$$ '
        { split($1, f, "/"); pid = f[3]; if (pid == self || pid !~ /^[0-9]+$/) next }
        f[5] == "net" && $2 != "" && index(nets, " " $2 " ") { print pid; next }
        f[5] == "pid" && $2 == pidns { print pid }
      ' || true
  } | grep -v -x -e 0 -e "$$" | sort -n -u | not_zombies
}

# The PIDs read from stdin that are still running (a killed process whose parent has not reaped it
# yet only waits to be reaped).
not_zombies() {
  local p stat st
  while read -r p; do
    stat=""
    read -r stat <"/proc/$p/stat" 2>/dev/null || continue
    st=${stat##*) }
    case ${st%% *} in Z | X) ;; *) echo "$p" ;; esac
  done
}

# Processes of the PID namespace of machine I's init, as "HOSTPID NSPID" lines.
ns_procs() {
  local init=$1 pidns
  pidns=$(readlink "/proc/$init/ns/pid" 2>/dev/null) || return 0
  stat -L -c '%n %i' /proc/[0-9]*/ns/pid 2>/dev/null |
    awk -v want="${pidns//[^0-9]/}" '$2 == want { split($1, f, "/"); print f[3] }' |
    while read -r p; do
      awk -v p="$p" '$1 == "NSpid:" { print p, $NF }' "/proc/$p/status" 2>/dev/null || true
    done
}

# ---- machines -----------------------------------------------------------------------------------------

# Machine I's network: namespace, veth on the bridge with fixed MACs (a rebooted machine keeps its
# MAC, so no ARP cache points at a MAC that is gone), address, no default route.
host_net() {
  local i=$1 ns veth
  ns=$(ns_of "$i")
  veth=$(veth_of "$i")
  [ -e "/run/netns/$ns" ] || ip netns add "$ns"
  if ! ip link show "$veth" >/dev/null 2>&1; then
    ip -n "$ns" link del eth0 2>/dev/null || true
    ip link add "$veth" address "$(mac_of 1 "$i")" type veth peer name eth0 address "$(mac_of 2 "$i")" netns "$ns"
  fi
  ip link set "$veth" master "$BRIDGE" up
  ip -n "$ns" link set lo up
  ip -n "$ns" addr replace "$(ip_of "$i")/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip neigh flush to "$(ip_of "$i")" dev "$BRIDGE" 2>/dev/null || true
  # eth1: the client network, where clients reach the brokers' client addresses
  local cveth
  cveth=$(cveth_of "$i")
  if ! ip link show "$cveth" >/dev/null 2>&1; then
    ip -n "$ns" link del eth1 2>/dev/null || true
    ip link add "$cveth" address "$(mac_of 4 "$i")" type veth peer name eth1 address "$(mac_of 5 "$i")" netns "$ns"
  fi
  ip link set "$cveth" master "$CBRIDGE" up
  ip -n "$ns" addr replace "$(cip_of "$i")/24" dev eth1
  ip -n "$ns" link set eth1 up
  stat -L -c %i "/run/netns/$ns" >"$(dir_of "$i")/netns"
}

host_net_remove() {
  local i=$1 ns
  ns=$(ns_of "$i")
  ip netns del "$ns" 2>/dev/null || true
  ip link del "$(veth_of "$i")" 2>/dev/null || true
  ip link del "$(cveth_of "$i")" 2>/dev/null || true
  unmount_matching "^/run/netns/$ns\$"
  rm -f "/run/netns/$ns" 2>/dev/null || true
}

# The image machine I's disk lies on: the one it was made on while that is cached (a disk is a diff
# against its image), else the current one.
host_image() {
  local b image
  b=$(dir_of "$1")
  image=$(read_word "$b/image")
  if [ -z "$image" ] || [ ! -x "$image/lib/systemd/systemd" ]; then
    image=$(image_dir)
    echo "$image" >"$b/image"
  fi
  echo "$image"
}

# Mount machine I's root (image below, its disk above) and give a new disk what makes the machine
# itself: hostname, /etc/hosts line, machine-id, SSH host key. The client key is authorized anew at
# every boot (it may have been made again since).
host_prepare() {
  local i=$1 b r name image
  b=$(dir_of "$i")
  r=$b/root
  name=$(name_of "$i")
  image=$(host_image "$i")
  mkdir -p "$b/upper" "$b/work" "$r"
  if ! mountpoint -q "$r"; then
    mount -t overlay "rmq${SFX}-$name" -o "lowerdir=$image,upperdir=$b/upper,workdir=$b/work" "$r"
  fi
  ln -sfn "upper$SSHD_LOG" "$b/sshd.log"
  if [ ! -s "$r/etc/machine-id" ]; then
    echo "$name" >"$r/etc/hostname"
    # (the client network's address is not listed: inside, the hostname means the cluster address)
    printf '%s\t%s\n' "$(ip_of "$i")" "$name" >>"$r/etc/hosts"
    od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$r/etc/machine-id"
    echo >>"$r/etc/machine-id"
    rm -f "$r"/etc/ssh/ssh_host_*
    ssh-keygen -q -t ed25519 -N "" -C "root@$name" -f "$r/etc/ssh/ssh_host_ed25519_key"
  fi
  install -d -m 700 "$r/root/.ssh"
  install -m 600 "$KEY.pub" "$r/root/.ssh/authorized_keys"
}

# Start machine I (its network must exist) in MODE; returns once its PID 1 is there.
host_boot() {
  local i=$1 mode=$2 b name npid init="" tries=0
  b=$(dir_of "$i")
  name=$(name_of "$i")
  host_prepare "$i"
  echo "$mode" >"$b/init"
  local args=(-D "$b/root" -M "$(machine_of "$i")" --hostname="$name" --register=no --keep-unit
    --network-namespace-path="/run/netns/$(ns_of "$i")"
    --link-journal=no --resolv-conf=off --timezone=off --console=read-only)
  if [ "$mode" = systemd ]; then
    args+=(-b)
  else
    # nspawn's stub init as PID 1 reaps orphans (the stack's nohup'ed processes), sshd is PID 2.
    # /run is a fresh tmpfs: sshd's privilege separation dir must be made first.
    args+=(--as-pid2 /bin/sh -c "mkdir -p -m 755 /run/sshd && exec /usr/sbin/sshd -D -E $SSHD_LOG")
  fi
  printf '=== %s boot (%s) %s\n' "$name" "$mode" "$(date -Is)" >>"$b/console.log"
  # The subshell moves itself into the machine's cgroups, then becomes nspawn: with --keep-unit the
  # container gets nspawn's cgroup. setsid: signals to the caller's terminal or process group do
  # not reach the machines. Fd 9 is the harness's lock: machines must not hold it.
  (
    cg_join "$i" "$BASHPID"
    exec setsid systemd-nspawn "${args[@]}" </dev/null >>"$b/console.log" 2>&1 9<&-
  ) &
  npid=$!
  echo "$npid" >"$b/nspawn.pid"
  while [ "$tries" -lt 500 ]; do
    tries=$((tries + 1))
    for init in $(cg_pids "$i"); do
      if is_init_of "$init" "$i"; then break 2; fi
    done
    init=""
    alive "$npid" || break
    sleep 0.02
  done
  [ -n "$init" ] || {
    tail -n 40 "$b/console.log" >&2
    die "$name: systemd-nspawn did not start the container (log: $b/console.log)"
  }
  echo "$init" >"$b/init.pid"
  stat -L -c %i "/proc/$init/ns/pid" >"$b/pidns"
}

# Run a shell command line as root inside machine I (not a login: nothing is logged by sshd).
in_host() {
  local i=$1 pid
  shift
  pid=$(init_pid "$i") || return 1
  local flags=() t
  for t in mnt:-m uts:-u ipc:-i net:-n pid:-p cgroup:-C; do
    if [ "$(readlink "/proc/$pid/ns/${t%%:*}")" != "$(readlink "/proc/self/ns/${t%%:*}")" ]; then flags+=("${t#*:}"); fi
  done
  nsenter --target "$pid" "${flags[@]}" --root --wd -- \
    env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/bash PATH="$HOST_PATH" TERM="${TERM:-dumb}" LANG=C.UTF-8 "$@"
}

ssh_ok() { ssh -i "$KEY" "${SSH_OPTS[@]}" "root@$(ip_of "$1")" true </dev/null >/dev/null 2>&1; }

# systemd's state inside machine I (running, degraded, starting, ...), "none" without systemd.
sys_state() {
  in_host "$1" /bin/sh -c 'if [ -d /run/systemd/system ]; then systemctl is-system-running 2>/dev/null; else echo none; fi' 2>/dev/null || true
}

# Wait until every machine of $@ takes an SSH login and its init is done booting: systemd running or
# degraded (failed units are printed), or, in mode none, no systemd at all. Prints per machine the
# seconds since T0 (first argument) until sshd answered and until ready.
wait_ready() {
  local t0=$1 deadline i next st mode
  shift
  local pending=("$@")
  declare -A ssh_at=()
  deadline=$(($(now_ms) + WAIT_S * 1000))
  while [ "${#pending[@]}" -gt 0 ]; do
    next=()
    for i in "${pending[@]}"; do
      if ! init_pid "$i" >/dev/null; then
        log "$(name_of "$i"): its container ended; console:"
        tail -n 40 "$(dir_of "$i")/console.log" >&2 || true
        die "$(name_of "$i") did not boot"
      fi
      if [ -z "${ssh_at[$i]:-}" ]; then
        if ssh_ok "$i"; then ssh_at[$i]=$(elapsed "$t0"); else
          next+=("$i")
          continue
        fi
      fi
      mode=$(mode_of "$i")
      st=$(sys_state "$i")
      case $mode:$st in
        systemd:running | none:none) ;;
        systemd:degraded)
          log "$(name_of "$i"): degraded; failed units: $(in_host "$i" systemctl list-units --failed --plain --no-legend 2>/dev/null | awk '{ print $1 }' | tr '\n' ' ')"
          ;;
        none:*)
          die "$(name_of "$i"): init mode none, but /run/systemd/system exists inside"
          ;;
        *)
          next+=("$i")
          continue
          ;;
      esac
      log "$(name_of "$i") ($(ip_of "$i"), init $mode${st:+, $st}): sshd answered after ${ssh_at[$i]} s, ready after $(elapsed "$t0") s"
    done
    pending=("${next[@]}")
    [ "${#pending[@]}" -gt 0 ] || break
    if [ "$(now_ms)" -ge "$deadline" ]; then
      for i in "${pending[@]}"; do
        log "$(name_of "$i") ($(ip_of "$i")): not ready within ${WAIT_S} s (sshd ${ssh_at[$i]:+answered}${ssh_at[$i]:-silent}, system $(sys_state "$i")); console:"
        tail -n 30 "$(dir_of "$i")/console.log" >&2 || true
        in_host "$i" systemctl list-jobs --no-pager 2>/dev/null | head -n 20 >&2 || true
      done
      die "hosts not ready: ${pending[*]/#/worker}"
    fi
    sleep 0.2
  done
}

# Healthy: nspawn and the container's PID 1 alive, in the requested mode, link on the bridge, and
# sshd takes a login.
host_healthy() {
  local i=$1 mode=$2 pid
  [ -n "$(nspawn_pids "$i")" ] || return 1
  pid=$(init_pid "$i") || return 1
  [ "$(mode_of "$i")" = "$mode" ] || return 1
  [ "$(read_pid "$(dir_of "$i")/init.pid")" = "$pid" ] || echo "$pid" >"$(dir_of "$i")/init.pid"
  ip link show "$(veth_of "$i")" >/dev/null 2>&1 || return 1
  ip link set "$(veth_of "$i")" master "$BRIDGE" up 2>/dev/null || return 1
  ssh_ok "$i" || { sleep 1 && ssh_ok "$i"; }
}

# Ask machine I to shut down cleanly. systemd: SIGRTMIN+4 is its "poweroff". none: SIGTERM to every
# process but the stub init and sshd, which go last (see hosts_stop), as a shutdown would.
stop_begin() {
  local i=$1 init
  init=$(init_pid "$i") || return 0
  if [ "$(mode_of "$i")" = systemd ]; then
    kill -s RTMIN+4 "$init" 2>/dev/null || true
  else
    local p nsp
    while read -r p nsp; do
      [ "$nsp" -le 2 ] || kill -TERM "$p" 2>/dev/null || true
    done < <(ns_procs "$init")
  fi
}

# In mode none, once only the stub init and sshd are left, stop sshd: the stub init then exits and
# the container with it. Returns 0 when that was done or is not needed.
stop_none_last() {
  local i=$1 init p nsp left=0 sshd=""
  [ "$(mode_of "$i")" = none ] || return 0
  init=$(init_pid "$i") || return 0
  while read -r p nsp; do
    case $nsp in 1) ;; 2) sshd=$p ;; *) left=1 ;; esac
  done < <(ns_procs "$init")
  [ "$left" -eq 0 ] || return 1
  [ -z "$sshd" ] || kill -TERM "$sshd" 2>/dev/null || true
}

# Power off the machines given: a clean shutdown first, up to WAIT seconds (first argument), then
# SIGKILL to whatever is left (the container's PID 1 first: that ends its whole PID namespace).
# Then unmount their roots. Their network and disks stay.
hosts_stop() {
  local wait_s=$1 i deadline running pids init
  shift
  for i in "$@"; do stop_begin "$i"; done
  deadline=$(($(now_ms) + wait_s * 1000))
  while [ "$(now_ms)" -lt "$deadline" ]; do
    running=0
    for i in "$@"; do
      if [ -n "$(nspawn_pids "$i")" ] || init_pid "$i" >/dev/null; then
        running=1
        stop_none_last "$i" || true
      fi
    done
    [ "$running" -eq 1 ] || break
    sleep 0.1
  done
  deadline=$(($(now_ms) + 10000))
  while :; do
    pids=()
    for i in "$@"; do
      if init=$(init_pid "$i"); then kill -KILL "$init" 2>/dev/null || true; fi
      mapfile -t -O "${#pids[@]}" pids < <(host_pids "$i")
    done
    [ "${#pids[@]}" -gt 0 ] || break
    if [ "$(now_ms)" -ge "$deadline" ]; then
      log "processes survive SIGKILL: ${pids[*]}"
      return 1
    fi
    kill -KILL "${pids[@]}" 2>/dev/null || true
    sleep 0.05
  done
  for i in "$@"; do
    # nspawn's lock on the machine's root, left behind when nspawn itself was killed.
    if mountpoint -q "$(dir_of "$i")/root"; then
      rm -f "/run/systemd/nspawn/locks/$(stat -c 'inode-%d:%i' "$(dir_of "$i")/root")"
    fi
    unmount_matching "^$(re_quote "$(dir_of "$i")")/"
    cg_remove "$i"
    rm -f "$(dir_of "$i")/init.pid" "$(dir_of "$i")/nspawn.pid" "$(dir_of "$i")/pidns"
    # nspawn's per-machine dirs on this machine: nspawn refuses to remove them itself where /run is
    # not a tmpfs (as here).
    unmount_matching "^/run/systemd/nspawn/(propagate|unix-export)/$(machine_of "$i")\$"
    rm -rf "/run/systemd/nspawn/propagate/$(machine_of "$i")" "/run/systemd/nspawn/unix-export/$(machine_of "$i")" 2>/dev/null || true
  done
  rmdir /run/systemd/nspawn/* /run/systemd/nspawn 2>/dev/null || true
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
  ip link show "$CBRIDGE" >/dev/null 2>&1 || ip link add "$CBRIDGE" address "$(mac_of 3 0)" type bridge
  ip -4 addr show dev "$CBRIDGE" | grep -q "inet $CNET.1/24" || ip addr add "$CNET.1/24" dev "$CBRIDGE"
  ip link set "$CBRIDGE" up
  # The client namespace: one address on the client network, lo, no other route.
  [ -e "/run/netns/$CLIENT_NS" ] || ip netns add "$CLIENT_NS"
  if ! ip link show "rmqc${SFX}-client" >/dev/null 2>&1; then
    ip -n "$CLIENT_NS" link del eth0 2>/dev/null || true
    ip link add "rmqc${SFX}-client" address "$(mac_of 6 0)" type veth peer name eth0 address "$(mac_of 7 0)" netns "$CLIENT_NS"
  fi
  ip link set "rmqc${SFX}-client" master "$CBRIDGE" up
  ip -n "$CLIENT_NS" link set lo up
  ip -n "$CLIENT_NS" addr replace "$CLIENT_IP/24" dev eth0
  ip -n "$CLIENT_NS" link set eth0 up
}

client_net_remove() {
  ip netns del "$CLIENT_NS" 2>/dev/null || true
  ip link del "rmqc${SFX}-client" 2>/dev/null || true
  unmount_matching "^/run/netns/$CLIENT_NS\$"
  rm -f "/run/netns/$CLIENT_NS" 2>/dev/null || true
  ip link del "$CBRIDGE" 2>/dev/null || true
}

ensure_key() {
  mkdir -p "$STATE"
  chmod 755 "$STATE"
  if [ ! -f "$KEY" ] || [ ! -f "$KEY.pub" ]; then
    rm -f "$KEY" "$KEY.pub"
    ssh-keygen -q -t ed25519 -N "" -C rmq-test-hosts -f "$KEY"
  fi
}

lock() { # serialize the commands that change machines (the lock is on this file; machines never hold it)
  exec 9>"/run/lock/rmq-test-hosts-$SLOT.lock"
  flock -w 600 9 || die "another test-hosts.sh command is running on slot $SLOT"
}

prologue() { # what every command that boots machines needs first
  require_root
  check_paths
  lock
  ensure_packages
  check_state_fs
  ensure_key
  ensure_bridge
}

parse_host() { # parse_host HOST: the index of worker1, 1 or 10.77.0.11
  local h=$1 i
  case $h in
    worker[0-9]*) i=${h#worker} ;;
    "s$SFX-worker"[0-9]*) i=${h#"s$SFX-worker"} ;;
    "$NET".[0-9]*) i=$((${h##*.} - 10)) ;;
    [0-9]*) i=$h ;;
    *) die "unknown host '$h' (worker1, 1 or $NET.11)" ;;
  esac
  if ! [[ $i =~ ^[0-9]+$ ]] || [ "$i" -lt 1 ]; then die "unknown host '$h'"; fi
  echo "$i"
}

# ---- commands ----------------------------------------------------------------------------------------

cmd_up() {
  local n=3 mode=$INIT_MODE t0 i started=() healthy=() stale=()
  while [ $# -gt 0 ]; do
    case $1 in
      --init) mode=${2:-}; shift 2 || die "--init needs a mode" ;;
      --init=*) mode=${1#--init=}; shift ;;
      *) n=$1; shift ;;
    esac
  done
  check_count "$n"
  check_mode "$mode"
  t0=$(now_ms)
  prologue
  ensure_image
  for ((i = 1; i <= n; i++)); do
    if host_healthy "$i" "$mode"; then
      healthy+=("$i")
    elif [ -n "$(host_pids "$i")" ] || mountpoint -q "$(dir_of "$i")/root" 2>/dev/null; then
      stale+=("$i")
    fi
  done
  if [ "${#stale[@]}" -gt 0 ]; then
    log "rebooting ${stale[*]/#/worker} (not healthy, or not in init mode $mode; disks kept)"
    hosts_stop "$GRACE_S" "${stale[@]}"
  fi
  local tb
  tb=$(now_ms)
  for ((i = 1; i <= n; i++)); do
    [[ " ${healthy[*]} " == *" $i "* ]] && continue
    mkdir -p "$(dir_of "$i")"
    host_net "$i"
    host_boot "$i" "$mode"
    started+=("$i")
  done
  [ "${#started[@]}" -eq 0 ] || wait_ready "$tb" "${started[@]}"
  log "up: $n host(s) ready in $(elapsed "$t0") s (${#started[@]} booted, ${#healthy[@]} already up, init $mode); key $KEY"
}

cmd_down() {
  local n=${1:-0} t0 i hosts
  [ "$n" = 0 ] || check_count "$n"
  require_root
  check_paths
  t0=$(now_ms)
  lock
  "$(dirname "$SELF")/artifact-server.sh" stop >/dev/null 2>&1 || true
  mapfile -t hosts < <(known_hosts "$n")
  local nspawns=() p deadline
  for i in "${hosts[@]}"; do mapfile -t -O "${#nspawns[@]}" nspawns < <(nspawn_pids "$i"); done
  if [ "${#hosts[@]}" -gt 0 ]; then hosts_stop "$GRACE_S" "${hosts[@]}" || true; fi
  # An nspawn that ended is a zombie until this machine's init reaps it (nspawn's parent, `up`, is
  # gone), which may take a second: wait for that, so that no trace of the machines is left.
  deadline=$(($(now_ms) + 5000))
  for p in "${nspawns[@]}"; do
    while [ -e "/proc/$p" ] && [ "$(now_ms)" -lt "$deadline" ]; do sleep 0.1; done
  done
  for i in "${hosts[@]}"; do
    host_net_remove "$i"
    [ ! -d "$(dir_of "$i")" ] || rm -rf --one-file-system "$(dir_of "$i")"
  done
  ip link del "$BRIDGE" 2>/dev/null || true
  client_net_remove
  unmount_matching "^($(re_quote "$STATE")/|/run/netns/rmq${SFX}-worker[0-9]+\$)"
  if [ -d "$STATE" ]; then
    find "$STATE" -mindepth 1 -maxdepth 1 ! -name id_ed25519 ! -name id_ed25519.pub -exec rm -rf --one-file-system {} +
  fi
  local left
  left=$(grep -l -e "$STATE/" -e "rmq${SFX}-worker" -e "$CLIENT_NS" /proc/[0-9]*/mountinfo 2>/dev/null || true)
  [ -z "$left" ] || log "warning: mounts of the hosts still seen by: $(echo "$left" | tr '\n' ' ')"
  log "down: done in $(elapsed "$t0") s (${#hosts[@]} host(s) cleaned up)"
}

cmd_purge() {
  cmd_down "$@"
  rm -rf --one-file-system "$STATE"
}

cmd_poweroff() {
  local i t0
  check_index "${1:-}"
  i=$1
  require_root
  check_paths
  lock
  t0=$(now_ms)
  if [ -z "$(host_pids "$i")" ]; then
    log "$(name_of "$i") is not running"
    return 0
  fi
  hosts_stop "$STOP_WAIT_S" "$i"
  log "poweroff: $(name_of "$i") down in $(elapsed "$t0") s"
}

cmd_boot() {
  local i mode t0
  check_index "${1:-}"
  i=$1
  [ -d "$(dir_of "$i")/upper" ] || die "$(name_of "$i") has no disk: use up"
  mode=$(mode_of "$i")
  prologue
  [ -x "$(read_word "$(dir_of "$i")/image")/lib/systemd/systemd" ] || ensure_image
  if host_healthy "$i" "$mode"; then
    log "$(name_of "$i") is already up"
    return 0
  fi
  [ -z "$(host_pids "$i")" ] || hosts_stop 0 "$i"
  t0=$(now_ms)
  host_net "$i"
  host_boot "$i" "$mode"
  wait_ready "$t0" "$i"
  log "boot: $(name_of "$i") ready in $(elapsed "$t0") s"
}

cmd_reboot() {
  local i mode t0 down_s
  check_index "${1:-}"
  i=$1
  [ -d "$(dir_of "$i")/upper" ] || die "$(name_of "$i") has no disk: use up"
  mode=$(mode_of "$i")
  prologue
  [ -x "$(read_word "$(dir_of "$i")/image")/lib/systemd/systemd" ] || ensure_image
  t0=$(now_ms)
  [ -z "$(host_pids "$i")" ] || hosts_stop "$STOP_WAIT_S" "$i"
  down_s=$(elapsed "$t0")
  log "$(name_of "$i") down in $down_s s"
  t0=$(now_ms)
  host_net "$i"
  host_boot "$i" "$mode"
  wait_ready "$t0" "$i"
  log "reboot: $(name_of "$i") down in $down_s s, ready $(elapsed "$t0") s after boot (init $mode)"
}

cmd_status() {
  local n=${1:-0} i hosts state pid
  mapfile -t hosts < <(known_hosts "$n")
  [ "${#hosts[@]}" -gt 0 ] || {
    echo "no test hosts"
    return 0
  }
  for i in "${hosts[@]}"; do
    if pid=$(init_pid "$i"); then
      if [ -f "$KEY" ] && ssh_ok "$i"; then state="up"; else state="down (does not take logins)"; fi
      state="$state, init $(mode_of "$i") ($(sys_state "$i"), PID 1 is $pid)"
    else
      state="down (powered off)"
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
  printf 'export RMQ_TEST_HOSTS_SLOT=%q\n' "$SLOT"
  printf 'export RMQ_TEST_HOSTS_BRIDGE_IP=%q\n' "$BRIDGE_IP"
  printf 'export RMQ_TEST_HOSTS_CLIENT_NS=%q\n' "$CLIENT_NS"
  printf 'export RMQ_TEST_HOSTS_CLIENT_IP=%q\n' "$CLIENT_IP"
  local cips=()
  for i in "${hosts[@]}"; do
    ips+=("$(ip_of "$i")")
    cips+=("$(cip_of "$i")")
    printf 'export RMQ_TEST_HOST_%s=%q\n' "$(name_of "$i" | tr '[:lower:]' '[:upper:]')" "$(ip_of "$i")"
  done
  printf 'export RMQ_TEST_HOSTS_IPS="%s"\n' "${ips[*]}"
  printf 'export RMQ_TEST_HOSTS_CLIENT_IPS="%s"\n' "${cips[*]}"
}

# The log lives on the machine's disk, so it can be read whether or not the machine is running.
cmd_hostkeys() {
  local n=${1:-0} i hosts f
  mapfile -t hosts < <(known_hosts "$n")
  [ "${#hosts[@]}" -gt 0 ] || die "no test hosts: use up"
  for i in "${hosts[@]}"; do
    f=$(dir_of "$i")/upper/etc/ssh/ssh_host_ed25519_key.pub
    [ -s "$f" ] || die "$(name_of "$i"): no host key at $f (not booted yet?)"
    printf '%s %s\n' "$(name_of "$i")" "$(awk '{ print $1, $2; exit }' "$f")"
  done
}

cmd_logins() {
  local n=${1:-0} i hosts total=0 c f
  mapfile -t hosts < <(known_hosts "$n")
  for i in "${hosts[@]}"; do
    f=$(dir_of "$i")/upper$SSHD_LOG
    [ -f "$f" ] || continue
    c=$(grep -c 'Accepted publickey' "$f" || true)
    total=$((total + ${c:-0}))
  done
  echo "$total"
}

# exec HOST [CMD...]: like `ssh root@HOST CMD...` without ssh: the words of CMD are joined into one
# shell command line, run by bash as root in the machine's namespaces and root directory, in /root.
cmd_exec() {
  [ $# -ge 1 ] || die "usage: test-hosts.sh exec HOST [CMD...]"
  local i
  i=$(parse_host "$1")
  shift
  require_root
  init_pid "$i" >/dev/null || die "$(name_of "$i") is not running"
  # shellcheck disable=SC2016  # expanded by the machine's bash
  local script='cd /root 2>/dev/null || cd /; if [ $# -eq 0 ]; then exec /bin/bash -l; fi; eval "$1"'
  local line=()
  [ $# -eq 0 ] || line=("$*")
  in_host "$i" /bin/bash -c "$script" bash "${line[@]}"
}

# client CMD...: run CMD on this machine inside the client namespace (only the client network).
cmd_client() {
  [ $# -ge 1 ] || die "usage: test-hosts.sh client CMD..."
  require_root
  [ -e "/run/netns/$CLIENT_NS" ] || die "no client network: use up"
  exec ip netns exec "$CLIENT_NS" "$@"
}

cmd_image() {
  require_root
  check_paths
  ensure_packages
  ensure_image
  image_dir
}

usage() {
  sed -n '2,/^set -euo/p' "$SELF" | sed -e '$d' -e 's/^# \{0,1\}//'
}

main() {
  local cmd=${1:-}
  [ $# -eq 0 ] || shift
  check_mode "$INIT_MODE"
  case $cmd in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    purge) cmd_purge "$@" ;;
    status) cmd_status "$@" ;;
    env) cmd_env "$@" ;;
    exec) cmd_exec "$@" ;;
    client) cmd_client "$@" ;;
    poweroff) cmd_poweroff "$@" ;;
    boot) cmd_boot "$@" ;;
    reboot) cmd_reboot "$@" ;;
    logins) cmd_logins "$@" ;;
    hostkeys) cmd_hostkeys "$@" ;;
    image) cmd_image "$@" ;;
    -h | --help | help) usage ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
}

main "$@"
