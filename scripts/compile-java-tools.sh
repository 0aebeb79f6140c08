#!/usr/bin/env bash
# compile-java-tools.sh - compiles every Java tool (tools/java/*.java) with javac against the client
# jars of each RocketMQ version it runs on, so a tool that no longer compiles against one of them
# fails the tests, not a deploy. Hosts run the tools from source (`java -cp "lib/*" Tool.java`):
# this is the same compilation, done ahead of time.
#
#   scripts/compile-java-tools.sh            every file in tools/java
#   scripts/compile-java-tools.sh FILE...    these files (named like a tool: tools/java's table below)
#
# The jars are the lib/ of the distributions scripts/rocketmq-dist.sh builds (cached, reused when up
# to date), unpacked into a temporary directory, as are the classes (nothing is written to the repo).
# javac runs with --release 11 (the oldest JDK the hosts may run), -Xlint:all -Werror (every warning
# is an error: both tools compile without one), -proc:none (no annotation processor from the jars).
# Prints one line per file and version; the last line is "N compiled, M failed"; exit 1 if M > 0.
# Environment: JAVAC (default javac, JDK 11+), RMQ_PULUMI_CACHE (see rocketmq-dist.sh).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# The RocketMQ versions whose client each tool runs on. A file not listed here fails: say where a
# new tool runs before it ships.
declare -A TOOL_VERSIONS=(
  # The smoke step on every host and the e2e producer/consumer: every supported version.
  [RmqSmoke.java]="5.3.3 5.5.0 4.9.7"
  # The ACL 2.0 admin API (DefaultMQAdminExt user and ACL methods) exists from 5.3.3 on;
  # rocketmq:authEnabled is refused for 4.9.7, so the tool never runs there.
  [RmqAuth.java]="5.3.3 5.5.0"
)
JAVAC_FLAGS=(--release 11 -Xlint:all -Werror -proc:none -encoding UTF-8)

if [[ $# -gt 0 ]]; then
  files=("$@")
else
  mapfile -t files < <(find "$REPO/tools/java" -maxdepth 1 -type f -name '*.java' | LC_ALL=C sort)
  [[ ${#files[@]} -gt 0 ]] || { echo "compile-java-tools: no Java file in $REPO/tools/java" >&2; exit 1; }
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# lib_of VERSION: the directory holding that distribution's jars (built or reused, unpacked once).
lib_of() {
  local v="$1" zip
  if [[ ! -d "$tmp/dist/$v" ]]; then
    zip="$("$REPO/scripts/rocketmq-dist.sh" rocketmq "$v" | tail -n 1)"
    mkdir -p "$tmp/dist/$v"
    unzip -q "$zip" "rocketmq-all-$v-bin-release/lib/*" -d "$tmp/dist/$v"
  fi
  echo "$tmp/dist/$v/rocketmq-all-$v-bin-release/lib"
}

passed=0 failed=0
for file in "${files[@]}"; do
  name="$(basename "$file")"
  rel="${file#"$REPO"/}"
  versions="${TOOL_VERSIONS[$name]:-}"
  if [[ -z "$versions" ]]; then
    echo "$rel: FAILED: no RocketMQ versions listed for $name in scripts/compile-java-tools.sh (TOOL_VERSIONS)"
    failed=$((failed + 1))
    continue
  fi
  for v in $versions; do
    lib="$(lib_of "$v")"
    out="$tmp/classes/$v/${name%.java}"
    mkdir -p "$out"
    if "${JAVAC:-javac}" "${JAVAC_FLAGS[@]}" -cp "$lib/*" -d "$out" "$file" >"$tmp/javac.log" 2>&1; then
      echo "$rel against RocketMQ $v: compiled, $(find "$out" -name '*.class' | wc -l) class file(s)"
      passed=$((passed + 1))
    else
      echo "$rel against RocketMQ $v: FAILED"
      sed 's/^/    /' "$tmp/javac.log"
      failed=$((failed + 1))
    fi
  done
done
echo "compile-java-tools: $passed compiled, $failed failed (javac ${JAVAC_FLAGS[*]})"
[[ $failed -eq 0 ]]
