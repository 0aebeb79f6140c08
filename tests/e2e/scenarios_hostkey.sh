#!/usr/bin/env bash
# A host whose SSH host key changed is refused before any script runs (issue 14, defect 7): the
# last test of host set "g" of tests/e2e/run.sh, on its deployed stack (nothing after it depends on
# it). Uses the helpers of lib.sh. Sourced by run.sh, not run.

# hk_exec I CMD: a shell command line as root inside test host I, without SSH (no login).
hk_exec() { "$REPO/scripts/test-hosts.sh" exec "$@"; }

# hk_digest: a digest of every name server's files on every host (what the change below would
# rewrite), read without SSH.
hk_digest() {
  local i
  for i in 1 2 3; do
    hk_exec "$i" 'cd /app/rocketmq/instances && find . -path "*namesrv*" -type f ! -path "*/home/*" -print0 | sort -z | xargs -0 sha256sum'
  done
}

# hk_sshd_restart I: restart sshd inside host I and wait until it answers again.
hk_sshd_restart() {
  local i=$1 n
  hk_exec "$i" 'systemctl restart ssh'
  for n in $(seq 1 50); do
    ssh-keyscan -T 2 "${HOST_IPS[$((i - 1))]}" 2>/dev/null | grep -q ssh-ed25519 && return 0
    sleep 0.2
  done
  fail "sshd on worker$i did not answer after its restart ($n tries)"
}

t_hostkey_changed() {
  cd "$WORK/project" || return 1
  grep -q 'hostKey: "ssh-ed25519 ' Pulumi.local.yaml || fail "the stack pins no host key: this test would prove nothing"
  local heap
  heap=$(pulumi config get rocketmq:namesrvHeap)
  # worker2 gets a new host key (as a reinstalled host, or whoever took its address, would have).
  hk_exec 2 'cp -a /etc/ssh/ssh_host_ed25519_key /root/.hk-e2e && cp -a /etc/ssh/ssh_host_ed25519_key.pub /root/.hk-e2e.pub &&
    rm -f /etc/ssh/ssh_host_ed25519_key /etc/ssh/ssh_host_ed25519_key.pub &&
    ssh-keygen -q -t ed25519 -N "" -C impostor -f /etc/ssh/ssh_host_ed25519_key'
  hk_sshd_restart 2
  local before_logins after_logins before_files after_files t0 rc=0
  before_files=$(hk_digest)
  before_logins=$("$REPO/scripts/test-hosts.sh" logins)
  # A change that rewrites every name server's files, on all three hosts.
  pulumi config set rocketmq:namesrvHeap 288m
  t0=$SECONDS
  timeout 600 pulumi up --yes --skip-preview --non-interactive >"$WORK/hk-up.out" 2>&1 || rc=$?
  local took=$((SECONDS - t0))
  after_logins=$("$REPO/scripts/test-hosts.sh" logins)
  after_files=$(hk_digest)
  [ "$rc" -ne 0 ] || { tail -30 "$WORK/hk-up.out" >&2; fail "pulumi up succeeded against worker2 with a changed host key"; }
  [ "$rc" -ne 124 ] || fail "pulumi up hung until the 600 s timeout instead of refusing worker2"
  if ! grep -q 'SSH host key mismatch' "$WORK/hk-up.out" || ! grep -qE 'worker2 \(10\.77\.[0-9]+\.12:22\) offers SSH host key' "$WORK/hk-up.out"; then
    tail -30 "$WORK/hk-up.out" >&2
    fail "pulumi up failed without naming worker2's host key"
  fi
  if grep -qE 'worker(1|3) \(10\.77\.[0-9]+\.1[13]:22\) offers' "$WORK/hk-up.out"; then fail "the error names a host whose key did not change"; fi
  [ "$before_logins" = "$after_logins" ] || fail "hosts were logged into during the refused up ($before_logins -> $after_logins logins)"
  [ "$before_files" = "$after_files" ] || { diff <(echo "$before_files") <(echo "$after_files") >&2; fail "name server files changed on a host during the refused up"; }
  record "g4. worker2's host key changed: up refused in $took s, naming worker2; $after_logins logins before and after (none), no file changed on any host"
  sed -n '/SSH host key mismatch/,+3p' "$WORK/hk-up.out" | head -6 >&2

  # Back: the old key, the old config; the pinned key works again and nothing is left to do.
  hk_exec 2 'mv -f /root/.hk-e2e /etc/ssh/ssh_host_ed25519_key && mv -f /root/.hk-e2e.pub /etc/ssh/ssh_host_ed25519_key.pub'
  hk_sshd_restart 2
  pulumi config set rocketmq:namesrvHeap "$heap"
  pulumi_up >"$WORK/hk-up2.out" 2>&1 || { up_failure "$WORK/hk-up2.out"; fail "pulumi up with worker2's key restored failed"; }
  pulumi preview --expect-no-changes --non-interactive >"$WORK/hk-preview.out" 2>&1 ||
    { tail -30 "$WORK/hk-preview.out" >&2; fail "after restoring the key and the config, preview reports changes"; }
}
