#!/usr/bin/env bash
# Regenerates config/brokerKeys/VERSION.json: the broker property names RocketMQ VERSION reads,
# each with the type(s) its setter takes.
#
#   scripts/gen-broker-keys.sh VERSION      e.g. scripts/gen-broker-keys.sh 5.3.3
#   ZIP=path/to/rocketmq-all-VERSION-bin-release.zip scripts/gen-broker-keys.sh VERSION
#
# RocketMQ ignores unknown keys in broker.properties silently; the stack rejects them instead,
# using this list. It runs against the dist zip from scripts/rocketmq-dist.sh (built first if
# missing) and takes the keys from the broker's own code, two ways:
#
#   1. The setters. BrokerStartup hands the -c file to MixAll.properties2Object for BrokerConfig,
#      NettyServerConfig, NettyClientConfig and MessageStoreConfig (and AuthConfig in 5.x), which
#      applies key K through the public method setK(x) when x is a String, a boolean or a number.
#      Listing those methods the same way gives exactly the keys that take effect, and the type of
#      x says what a value must look like: properties2Object swallows the error of a bad number
#      and reads any word but `true` as false, so a wrong value is silently lost. Two more keys,
#      rmqAddressServerDomain and rmqAddressServerSubGroup, are read directly from the file.
#   2. `BrokerStartup -p`, which prints every config field as key=value. It is only a cross-check,
#      because it misses fields declared in a superclass (5.x: brokerName, brokerClusterName,
#      brokerId live in BrokerIdentity) and AuthConfig, and prints fields that have no setter
#      (so cannot be set) or whose setter is named differently (isEnableBatchPush vs
#      setEnableBatchPush). The differences are reported on stderr.
#
# Output: a JSON object sorted by key, one `"key": "type"` per line; type is int, long, float,
# double, boolean or string, or several joined by | when setK is overloaded (properties2Object
# tries each). Temporary files are removed on exit.
set -euo pipefail

[[ $# -eq 1 && "$1" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || {
    echo "usage: $0 VERSION   (e.g. 5.3.3)" >&2
    exit 2
}
version="$1"
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="$repo/config/brokerKeys/$version.json"
java="${JAVA:-java}"

zip="${ZIP:-$("$repo/scripts/rocketmq-dist.sh" rocketmq "$version" | tail -n 1)}"
[[ -f "$zip" ]] || {
    echo "gen-broker-keys: no dist zip for $version" >&2
    exit 1
}

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
unzip -q "$zip" -d "$tmp"
home="$tmp/rocketmq-all-$version-bin-release"
[[ -d "$home/lib" ]] || {
    echo "gen-broker-keys: $zip has no rocketmq-all-$version-bin-release/lib" >&2
    exit 1
}

# 1. Setter-derived keys, with the same rule as MixAll.properties2Object.
cat >"$tmp/BrokerKeys.java" <<'EOF'
import java.lang.reflect.Method;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** Prints "key type[|type]" for each property MixAll.properties2Object applies to the named classes. */
public class BrokerKeys {
    private static final Map<String, String> SETTABLE = Map.ofEntries(Map.entry("int", "int"),
        Map.entry("Integer", "int"), Map.entry("long", "long"), Map.entry("Long", "long"),
        Map.entry("double", "double"), Map.entry("Double", "double"), Map.entry("boolean", "boolean"),
        Map.entry("Boolean", "boolean"), Map.entry("float", "float"), Map.entry("Float", "float"),
        Map.entry("String", "string"));

    public static void main(String[] classNames) {
        Map<String, Set<String>> keys = new TreeMap<>();
        for (String name : classNames) {
            Class<?> type;
            try {
                type = Class.forName(name, false, BrokerKeys.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                System.err.println("not in this version: " + name);
                continue;
            }
            for (Method m : type.getMethods()) {
                String mn = m.getName();
                String t = m.getParameterCount() > 0 ? SETTABLE.get(m.getParameterTypes()[0].getSimpleName()) : null;
                if (mn.length() > 3 && mn.startsWith("set") && t != null) {
                    keys.computeIfAbsent(mn.substring(3, 4).toLowerCase() + mn.substring(4), k -> new TreeSet<>()).add(t);
                }
            }
        }
        keys.forEach((k, types) -> System.out.println(k + " " + String.join("|", types)));
    }
}
EOF
"$java" -cp "$home/lib/*" "$tmp/BrokerKeys.java" \
    org.apache.rocketmq.common.BrokerConfig \
    org.apache.rocketmq.remoting.netty.NettyServerConfig \
    org.apache.rocketmq.remoting.netty.NettyClientConfig \
    org.apache.rocketmq.store.config.MessageStoreConfig \
    org.apache.rocketmq.auth.config.AuthConfig >"$tmp/typed.txt" 2>"$tmp/setters.err" || {
    cat "$tmp/setters.err" >&2
    exit 1
}
printf '%s string\n' rmqAddressServerDomain rmqAddressServerSubGroup >>"$tmp/typed.txt"
LC_ALL=C sort -u "$tmp/typed.txt" >"$tmp/typed-sorted.txt"
cut -d' ' -f1 "$tmp/typed-sorted.txt" >"$tmp/keys.txt"

# 2. BrokerStartup -p. It prints through the RocketmqConsole logger, so give it a logging config
# that sends that logger to stdout: 4.x reads $rocketmqHome/conf/logback_broker.xml, 5.x the file
# named by rmq.logback.configurationFile.
mkdir -p "$tmp/home/conf"
cat >"$tmp/home/conf/logback_broker.xml" <<'EOF'
<configuration>
    <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
        <encoder><pattern>%msg%n</pattern></encoder>
    </appender>
    <logger name="RocketmqConsole" level="INFO" additivity="false"><appender-ref ref="OUT"/></logger>
    <root level="OFF"/>
</configuration>
EOF
"$java" -Duser.home="$tmp/home" -Drocketmq.home.dir="$tmp/home" \
    -Drmq.logback.configurationFile="$tmp/home/conf/logback_broker.xml" \
    -cp "$home/conf:$home/lib/*" org.apache.rocketmq.broker.BrokerStartup -p >"$tmp/p.txt" 2>&1 || {
    cat "$tmp/p.txt" >&2
    exit 1
}
grep -E '^[A-Za-z][A-Za-z0-9_]*=' "$tmp/p.txt" | sed 's/=.*//' | LC_ALL=C sort -u >"$tmp/p-keys.txt"
[[ -s "$tmp/p-keys.txt" ]] || {
    echo "gen-broker-keys: BrokerStartup -p printed no keys:" >&2
    cat "$tmp/p.txt" >&2
    exit 1
}

missing=()
for k in brokerClusterName brokerName brokerId namesrvAddr brokerIP1 listenPort storePathRootDir \
    storePathCommitLog mappedFileSizeCommitLog enableDLegerCommitLog dLegerGroup dLegerPeers dLegerSelfId; do
    grep -qx "$k" "$tmp/keys.txt" || missing+=("$k")
done
if [[ ${#missing[@]} -gt 0 ]]; then
    echo "gen-broker-keys: expected keys not found for $version: ${missing[*]}" >&2
    exit 1
fi

{
    echo "gen-broker-keys $version: $(wc -l <"$tmp/keys.txt") keys from setters, $(wc -l <"$tmp/p-keys.txt") printed by -p"
    echo "  printed by -p but not settable (left out): $(LC_ALL=C comm -23 "$tmp/p-keys.txt" "$tmp/keys.txt" | tr '\n' ' ')"
    echo "  settable but not printed by -p (kept):     $(LC_ALL=C comm -13 "$tmp/p-keys.txt" "$tmp/keys.txt" | tr '\n' ' ')"
} >&2

mkdir -p "$(dirname "$out")"
awk 'BEGIN { print "{" } NR > 1 { print line "," } { line = "  \"" $1 "\": \"" $2 "\"" } END { print line; print "}" }' \
    "$tmp/typed-sorted.txt" >"$tmp/out.json"
mv "$tmp/out.json" "$out"
echo "$out"
