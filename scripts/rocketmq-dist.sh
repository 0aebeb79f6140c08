#!/usr/bin/env bash
# Assembles RocketMQ binaries from Maven Central, for hosts that cannot reach the Apache archive.
#
#   scripts/rocketmq-dist.sh rocketmq VERSION   -> rocketmq-all-VERSION-bin-release.zip (+ .sha512)
#   scripts/rocketmq-dist.sh dashboard VERSION  -> rocketmq-dashboard-VERSION.jar (+ .sha512)
#   scripts/rocketmq-dist.sh all                -> rocketmq 5.3.3, rocketmq 4.9.8, dashboard 2.0.0
#
# The zip has the official archive's top-level layout (rocketmq-all-VERSION-bin-release/lib,
# conf) but no bin/ scripts and no sample configs: the stack renders each instance's launcher,
# properties and logback configuration itself. lib/ holds the runtime jars of namesrv, broker,
# tools, client and example (and, for 5.x, controller and proxy) with their dependencies, as
# Maven resolves them (one version of each library, nearest wins), like the official
# distribution module does.
#
# Outputs go to ${RMQ_PULUMI_CACHE:-$HOME/.cache/rocketmq-pulumi}/dist/. An output that is
# already there (and matches its .sha512) is reused. Each is built in a temporary directory
# beside it and moved into place only when complete. Progress goes to stderr; stdout gets the
# .sha512 path and then the output path, so the last stdout line is the output file.
#
# Environment:
#   RMQ_PULUMI_CACHE   cache root (default ~/.cache/rocketmq-pulumi)
#   RMQ_DIST_PROXY     5.x only: 1 (default) adds rocketmq-proxy to lib/; 0 leaves it out
#   RMQ_DIST_EXAMPLE   auto (default): add rocketmq-example (quickstart Producer/Consumer) when
#                      the Maven repository has it; 1: require it; 0: leave it out
#   RMQ_DASHBOARD_JAR  a dashboard jar built elsewhere, imported instead of downloaded
#                      (for Maven mirrors that do not carry org.apache.rocketmq:rocketmq-dashboard)
#   MVN                Maven command (default mvn); MAVEN_ARGS: extra Maven arguments, e.g. -o
set -euo pipefail

readonly DEFAULT_VERSIONS=(5.3.3 4.9.8)
readonly DEFAULT_DASHBOARD=2.0.0
readonly DEP_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.6.1

CACHE_ROOT="${RMQ_PULUMI_CACHE:-$HOME/.cache/rocketmq-pulumi}"
DIST_DIR="$CACHE_ROOT/dist"
MVN="${MVN:-mvn}"
read -r -a MAVEN_EXTRA <<<"${MAVEN_ARGS:-}"

usage() {
    sed -n '4,6p' "$0" | sed 's/^# *//' >&2
    exit 2
}

log() { printf '%s\n' "$*" >&2; }
die() {
    log "rocketmq-dist: $*"
    exit 1
}

check_version() {
    [[ "$1" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "not a release version: '$1'"
}

# A temporary directory on the same file system as the outputs, so the final mv is atomic.
WORK=""
cleanup() {
    if [[ -n "$WORK" ]]; then rm -rf "$WORK"; fi
    WORK=""
}
trap cleanup EXIT
new_workdir() {
    mkdir -p "$DIST_DIR"
    cleanup
    WORK="$(mktemp -d "$DIST_DIR/.build.XXXXXX")"
}

# Writes "<hex>  <name>" beside FILE, as sha512sum does when run in the file's directory.
write_sha512() {
    local file="$1" sum
    sum="$(sha512sum "$file" | cut -d' ' -f1)"
    printf '%s  %s\n' "$sum" "$(basename "$file")" >"$file.sha512"
}

# True when OUT and OUT.sha512 exist and agree.
already_built() {
    local out="$1" want have
    [[ -f "$out" && -f "$out.sha512" ]] || return 1
    want="$(cut -d' ' -f1 "$out.sha512")"
    have="$(sha512sum "$out" | cut -d' ' -f1)"
    [[ "$want" == "$have" ]]
}

# Moves NAME and NAME.sha512 from the work dir into DIST_DIR, the checksum last, so a checksum
# on disk always describes a complete file; then prints both paths.
publish() {
    local name="$1"
    mv -f "$WORK/$name" "$DIST_DIR/$name"
    mv -f "$WORK/$name.sha512" "$DIST_DIR/$name.sha512"
    cleanup
    echo "$DIST_DIR/$name.sha512"
    echo "$DIST_DIR/$name"
}

reuse() {
    log "up to date: $1"
    echo "$1.sha512"
    echo "$1"
}

# Runs Maven with its output in WORK/mvn.log; on failure keeps the log as DIST_DIR/mvn-failed.log.
run_mvn() {
    if "$MVN" -B -ntp "${MAVEN_EXTRA[@]}" "$@" >"$WORK/mvn.log" 2>&1; then
        return 0
    fi
    cp "$WORK/mvn.log" "$DIST_DIR/mvn-failed.log"
    return 1
}

show_mvn_errors() {
    grep -E '^\[ERROR\]' "$WORK/mvn.log" | head -n 3 >&2 || true
    log "(full Maven log: $DIST_DIR/mvn-failed.log)"
}

# Writes WORK/pom.xml: a pom-packaged project depending on each org.apache.rocketmq ARTIFACT.
write_pom() {
    local version="$1" a
    shift
    {
        echo '<?xml version="1.0" encoding="UTF-8"?>'
        echo '<project xmlns="http://maven.apache.org/POM/4.0.0">'
        echo '  <modelVersion>4.0.0</modelVersion>'
        echo '  <groupId>local.rocketmq-pulumi</groupId>'
        echo '  <artifactId>rocketmq-dist</artifactId>'
        echo "  <version>$version</version>"
        echo '  <packaging>pom</packaging>'
        echo '  <dependencies>'
        for a in "$@"; do
            echo "    <dependency><groupId>org.apache.rocketmq</groupId><artifactId>$a</artifactId><version>$version</version></dependency>"
        done
        echo '  </dependencies>'
        echo '</project>'
    } >"$WORK/pom.xml"
}

# Copies the runtime closure of WORK/pom.xml's dependencies into DIR (emptied first).
copy_dependencies() {
    rm -rf "$1"
    mkdir -p "$1"
    run_mvn -f "$WORK/pom.xml" "$DEP_PLUGIN:copy-dependencies" -DincludeScope=runtime -DoutputDirectory="$1"
}

# mqadmin (MQAdminStartup) needs a logging config: 4.x stops with a stack trace (and exit code 0)
# unless $rocketmqHome/conf/logback_tools.xml exists; 5.x otherwise takes the first rmq.*.logback.xml
# it finds in the jars (the proxy's or the broker's) and logs under ~/logs/rocketmqlogs. This one
# sends errors to stderr and nothing else. Use it with -Drocketmq.home.dir=$ROCKETMQ_HOME (4.x) or
# -Drmq.logback.configurationFile=$ROCKETMQ_HOME/conf/rmq.tools.logback.xml (5.x), and
# -Drocketmq.client.logUseSlf4j=true so the client's own log goes there too.
write_tools_logback() {
    local version="$1" conf="$2" file
    if [[ "${version%%.*}" -ge 5 ]]; then file=rmq.tools.logback.xml; else file=logback_tools.xml; fi
    cat >"$conf/$file" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<!-- mqadmin and other command-line tools: errors to stderr, nothing else. -->
<configuration>
    <appender name="STDERR" class="ch.qos.logback.core.ConsoleAppender">
        <target>System.err</target>
        <encoder>
            <pattern>%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n</pattern>
        </encoder>
    </appender>
    <root level="ERROR">
        <appender-ref ref="STDERR"/>
    </root>
</configuration>
EOF
}

build_rocketmq() {
    local version="$1"
    check_version "$version"
    local name="rocketmq-all-$version-bin-release"
    if already_built "$DIST_DIR/$name.zip"; then
        reuse "$DIST_DIR/$name.zip"
        return
    fi

    local artifacts=(rocketmq-namesrv rocketmq-broker rocketmq-tools rocketmq-client)
    if [[ "${version%%.*}" -ge 5 ]]; then
        artifacts+=(rocketmq-controller)
        if [[ "${RMQ_DIST_PROXY:-1}" == 1 ]]; then artifacts+=(rocketmq-proxy); fi
    fi
    local example="${RMQ_DIST_EXAMPLE:-auto}"
    if [[ "$example" != 0 ]]; then artifacts+=(rocketmq-example); fi

    new_workdir
    local started=$SECONDS home="$WORK/$name"
    mkdir -p "$home/conf"
    log "assembling $name from Maven: ${artifacts[*]}"
    write_pom "$version" "${artifacts[@]}"
    if ! copy_dependencies "$home/lib"; then
        # rocketmq-example is the one artifact some Maven mirrors lack; nothing the stack runs
        # needs it, so by default go on without it.
        if [[ "$example" == auto ]] && grep -qE '(Could not find artifact |resolve dependencies.*)org.apache.rocketmq:rocketmq-example' "$WORK/mvn.log"; then
            log "warning: org.apache.rocketmq:rocketmq-example:$version is not in the Maven repository; assembling without it"
            unset 'artifacts[-1]'
            write_pom "$version" "${artifacts[@]}"
            copy_dependencies "$home/lib" || {
                show_mvn_errors
                die "Maven could not resolve RocketMQ $version"
            }
        else
            show_mvn_errors
            die "Maven could not resolve RocketMQ $version"
        fi
    fi
    [[ -f "$home/lib/rocketmq-broker-$version.jar" ]] || die "rocketmq-broker-$version.jar missing from lib/"

    cat >"$home/conf/README" <<EOF
RocketMQ $version runtime jars, assembled from Maven by rocketmq-pulumi
(scripts/rocketmq-dist.sh): ${artifacts[*]} and their dependencies.
No bin/ scripts and no sample configs: the stack renders each instance's launcher,
properties and logback configuration itself.
EOF
    (cd "$home/lib" && ls -1) >"$home/conf/jars.txt"
    write_tools_logback "$version" "$home/conf"

    # Fixed timestamps and entry order, so the same jars always give the same zip.
    find "$home" -exec touch -h -d '2000-01-01 00:00:00 UTC' {} +
    (cd "$WORK" && find "$name" -print | LC_ALL=C sort | TZ=UTC zip -q -X -@ "$name.zip")
    write_sha512 "$WORK/$name.zip"
    log "built $name.zip: $(du -h "$WORK/$name.zip" | cut -f1), $(wc -l <"$home/conf/jars.txt") jars, $((SECONDS - started))s"
    publish "$name.zip"
}

build_dashboard() {
    local version="$1"
    check_version "$version"
    local name="rocketmq-dashboard-$version.jar"
    if already_built "$DIST_DIR/$name"; then
        reuse "$DIST_DIR/$name"
        return
    fi

    new_workdir
    if [[ -n "${RMQ_DASHBOARD_JAR:-}" ]]; then
        [[ -f "$RMQ_DASHBOARD_JAR" ]] || die "RMQ_DASHBOARD_JAR=$RMQ_DASHBOARD_JAR is not a file"
        log "importing $RMQ_DASHBOARD_JAR as $name"
        cp "$RMQ_DASHBOARD_JAR" "$WORK/$name"
    else
        log "fetching org.apache.rocketmq:rocketmq-dashboard:$version from Maven"
        run_mvn "$DEP_PLUGIN:copy" -Dartifact="org.apache.rocketmq:rocketmq-dashboard:$version:jar" \
            -DoutputDirectory="$WORK" -Dmdep.overWriteReleases=true || {
            show_mvn_errors
            die "org.apache.rocketmq:rocketmq-dashboard:$version is not available from the configured Maven repository; build it from the dashboard's source release (mvn package) and rerun with RMQ_DASHBOARD_JAR=/path/to/rocketmq-dashboard-$version.jar"
        }
    fi
    # The stack runs the dashboard with java -jar: it must be a Spring Boot executable jar.
    unzip -p "$WORK/$name" META-INF/MANIFEST.MF 2>/dev/null | tr -d '\r' | grep -q '^Main-Class: org.springframework.boot.loader' ||
        die "$name is not an executable Spring Boot jar"
    write_sha512 "$WORK/$name"
    log "built $name: $(du -h "$WORK/$name" | cut -f1)"
    publish "$name"
}

main() {
    [[ $# -ge 1 ]] || usage
    case "$1" in
        rocketmq)
            [[ $# -eq 2 ]] || usage
            build_rocketmq "$2"
            ;;
        dashboard)
            [[ $# -eq 2 ]] || usage
            build_dashboard "$2"
            ;;
        all)
            [[ $# -eq 1 ]] || usage
            local v
            for v in "${DEFAULT_VERSIONS[@]}"; do
                build_rocketmq "$v"
            done
            build_dashboard "$DEFAULT_DASHBOARD"
            ;;
        *) usage ;;
    esac
}

main "$@"
