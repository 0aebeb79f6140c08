#!/usr/bin/env bash
# Assembles RocketMQ binaries for hosts that cannot reach the Apache archive.
#
#   scripts/rocketmq-dist.sh rocketmq VERSION   -> rocketmq-all-VERSION-bin-release.zip (+ .sha512)
#   scripts/rocketmq-dist.sh dashboard VERSION  -> rocketmq-dashboard-VERSION.jar (+ .sha512)
#   scripts/rocketmq-dist.sh all                -> rocketmq 5.3.3, 5.5.0, 4.9.7, dashboard 2.0.0
#
# The zip has the official archive's top-level layout (rocketmq-all-VERSION-bin-release/lib,
# conf) but no bin/ scripts and no sample configs: the stack renders each instance's launcher,
# properties and logback configuration itself. lib/ holds the runtime jars of namesrv, broker,
# tools and client (and, for 5.x, controller and proxy) with their dependencies, from Maven
# Central, as Maven resolves them (one version of each library, nearest wins), like the official
# distribution module does.
#
# lib/rocketmq-example-VERSION.jar: the official release carries rocketmq-example in lib/, but
# that artifact is not served by our Maven mirror. In its place the script compiles the guide's
# quickstart client, org.apache.rocketmq.example.quickstart.Producer and Consumer (upstream's own
# sources, read from the vendor folder, never copied into this repository), with javac against
# the distribution's own rocketmq-client-VERSION.jar and its dependencies. That jar holds ONLY
# those two classes, not upstream's other examples. Run them like upstream's:
#   NAMESRV_ADDR=h1:9876 java -cp "$ROCKETMQ_HOME/lib/*" org.apache.rocketmq.example.quickstart.Producer
#
# The dashboard is built with Maven from its source release in the vendor folder (it is on no
# Maven repository), on a copy in a temporary directory, without Node: the frontend-maven-plugin
# steps are skipped and the UI served is the one committed under src/main/resources/static.
#
# Outputs go to ${RMQ_PULUMI_CACHE:-$HOME/.cache/rocketmq-pulumi}/dist/. Beside each output is
# OUTPUT.recipe, what went into it (recipe revision, version, artifacts, a hash of the vendored
# sources). An output whose recipe, .sha512 and content all agree is reused; anything else is
# rebuilt (so a zip from an older recipe, e.g. without the example jar, is replaced). Each is
# built in a temporary directory beside it and moved into place only when complete, the .sha512
# last. Progress goes to stderr; stdout gets the .sha512 path and then the output path, so the
# last stdout line is the output file.
#
# Environment:
#   RMQ_PULUMI_CACHE   cache root (default ~/.cache/rocketmq-pulumi)
#   RMQ_VENDOR_DIR     upstream sources (default: REPO/../shared/vendor)
#   RMQ_DIST_PROXY     5.x only: 1 (default) adds rocketmq-proxy to lib/; 0 leaves it out
#   RMQ_DIST_EXAMPLE   1 (default): add lib/rocketmq-example-VERSION.jar (quickstart only); 0: leave it out
#   RMQ_DASHBOARD_JAR  a dashboard jar built elsewhere, imported instead of built from source
#   MVN                Maven command (default mvn); MAVEN_ARGS: extra Maven arguments, e.g. -o
#   JAVAC              Java compiler for the quickstart classes (default javac, JDK 9+)
set -euo pipefail

# Bump when the way an output is built changes, so cached outputs of the old recipe are rebuilt.
readonly RECIPE_REVISION=2
readonly DEFAULT_VERSIONS=(5.3.3 5.5.0 4.9.7)
readonly DEFAULT_DASHBOARD=2.0.0
readonly DEP_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.6.1
# Upstream's quickstart sources (tag rocketmq-all-5.3.3); they compile against 4.9.x clients too.
readonly QUICKSTART_SRC=rocketmq-quickstart-5.3.3/example/src/main/java/org/apache/rocketmq/example/quickstart
readonly QUICKSTART_CLASSES=(Producer Consumer)
# Class files for Java 8, like upstream's own release (hosts run 11+).
readonly QUICKSTART_RELEASE=8

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR_DIR="${RMQ_VENDOR_DIR:-$REPO/../shared/vendor}"
if [[ -d "$VENDOR_DIR" ]]; then VENDOR_DIR="$(cd "$VENDOR_DIR" && pwd)"; fi
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

# True when OUT, OUT.sha512 and OUT.recipe exist, the recipe is RECIPE and the checksum matches.
already_built() {
    local out="$1" recipe="$2" want have
    [[ -f "$out" && -f "$out.sha512" ]] || return 1
    if [[ ! -f "$out.recipe" || "$(cat "$out.recipe")" != "$recipe" ]]; then
        log "rebuilding $(basename "$out"): the cached one was built by another recipe or from other inputs"
        return 1
    fi
    want="$(cut -d' ' -f1 "$out.sha512")"
    have="$(sha512sum "$out" | cut -d' ' -f1)"
    [[ "$want" == "$have" ]]
}

# Moves NAME, NAME.recipe and NAME.sha512 from the work dir into DIST_DIR, the checksum last, so
# a checksum on disk always describes a complete file; then prints the .sha512 and output paths.
publish() {
    local name="$1"
    rm -f "$DIST_DIR/$name.sha512"
    mv -f "$WORK/$name" "$DIST_DIR/$name"
    mv -f "$WORK/$name.recipe" "$DIST_DIR/$name.recipe"
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

# One sha256 over the names and contents of every file below DIR.
tree_hash() {
    (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
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

# The quickstart sources, or a clear error when the vendor folder is not there.
quickstart_dir() {
    local dir="$VENDOR_DIR/$QUICKSTART_SRC" c
    for c in "${QUICKSTART_CLASSES[@]}"; do
        [[ -f "$dir/$c.java" ]] || die "quickstart source $dir/$c.java not found: the upstream sources live in shared/vendor beside the repository (set RMQ_VENDOR_DIR to their folder), or build without the example jar (RMQ_DIST_EXAMPLE=0)"
    done
    echo "$dir"
}

# What goes into rocketmq-all-VERSION-bin-release.zip; a change here rebuilds a cached zip.
rocketmq_recipe() {
    local version="$1" example="$2"
    shift 2
    echo "recipe $RECIPE_REVISION"
    echo "rocketmq $version from Maven: $*"
    if [[ "$example" == 1 ]]; then
        echo "lib/rocketmq-example-$version.jar: quickstart ${QUICKSTART_CLASSES[*]} (javac --release $QUICKSTART_RELEASE), sources sha256 $(tree_hash "$(quickstart_dir)")"
    else
        echo "no example jar"
    fi
}

# Compiles upstream's quickstart Producer and Consumer against LIB (which holds
# rocketmq-client-VERSION.jar and its dependencies) into LIB/rocketmq-example-VERSION.jar: only
# those two classes, standing in for upstream's rocketmq-example jar. Entries and timestamps
# are fixed, so the same sources and client give the same jar.
build_quickstart() {
    local version="$1" lib="$2" src classes jar c
    src="$(quickstart_dir)"
    [[ -f "$lib/rocketmq-client-$version.jar" ]] || die "rocketmq-client-$version.jar missing from lib/: cannot compile the quickstart"
    classes="$WORK/quickstart"
    jar="rocketmq-example-$version.jar"
    mkdir -p "$classes/META-INF"
    local sources=()
    for c in "${QUICKSTART_CLASSES[@]}"; do sources+=("$src/$c.java"); done
    "${JAVAC:-javac}" --release "$QUICKSTART_RELEASE" -nowarn -encoding UTF-8 -cp "$lib/*" -d "$classes" "${sources[@]}" >"$WORK/javac.log" 2>&1 || {
        cat "$WORK/javac.log" >&2
        die "the quickstart sources do not compile against rocketmq-client $version"
    }
    {
        printf 'Manifest-Version: 1.0\r\n'
        printf 'Created-By: rocketmq-pulumi scripts/rocketmq-dist.sh\r\n'
        printf 'Implementation-Title: rocketmq-example (quickstart Producer and Consumer only)\r\n'
        printf 'Implementation-Version: %s\r\n\r\n' "$version"
    } >"$classes/META-INF/MANIFEST.MF"
    find "$classes" -exec touch -h -d '2000-01-01 00:00:00 UTC' {} +
    (cd "$classes" && find META-INF org -print | LC_ALL=C sort | TZ=UTC zip -q -X -@ "$lib/$jar")
    log "lib/$jar: only the guide's quickstart (org.apache.rocketmq.example.quickstart.${QUICKSTART_CLASSES[*]}), compiled from $src against rocketmq-client-$version; not upstream's full rocketmq-example"
}

build_rocketmq() {
    local version="$1"
    check_version "$version"
    local name="rocketmq-all-$version-bin-release"
    local artifacts=(rocketmq-namesrv rocketmq-broker rocketmq-tools rocketmq-client)
    if [[ "${version%%.*}" -ge 5 ]]; then
        artifacts+=(rocketmq-controller)
        if [[ "${RMQ_DIST_PROXY:-1}" == 1 ]]; then artifacts+=(rocketmq-proxy); fi
    fi
    local example="${RMQ_DIST_EXAMPLE:-1}"
    [[ "$example" == 0 || "$example" == 1 ]] || die "RMQ_DIST_EXAMPLE must be 0 or 1, not '$example'"
    if [[ "$example" == 1 ]]; then quickstart_dir >/dev/null; fi
    local recipe
    recipe="$(rocketmq_recipe "$version" "$example" "${artifacts[@]}")"
    if already_built "$DIST_DIR/$name.zip" "$recipe"; then
        reuse "$DIST_DIR/$name.zip"
        return
    fi

    new_workdir
    local started=$SECONDS home="$WORK/$name"
    mkdir -p "$home/conf"
    log "assembling $name from Maven: ${artifacts[*]}"
    write_pom "$version" "${artifacts[@]}"
    copy_dependencies "$home/lib" || {
        show_mvn_errors
        die "Maven could not resolve RocketMQ $version"
    }
    [[ -f "$home/lib/rocketmq-broker-$version.jar" ]] || die "rocketmq-broker-$version.jar missing from lib/"
    local contents="${artifacts[*]} and their dependencies"
    if [[ "$example" == 1 ]]; then
        build_quickstart "$version" "$home/lib"
        contents+=", and rocketmq-example-$version.jar holding only the quickstart Producer and Consumer (compiled here from upstream's sources)"
    fi

    cat >"$home/conf/README" <<EOF
RocketMQ $version runtime jars, assembled from Maven by rocketmq-pulumi
(scripts/rocketmq-dist.sh): $contents.
No bin/ scripts and no sample configs: the stack renders each instance's launcher,
properties and logback configuration itself.
EOF
    (cd "$home/lib" && ls -1) >"$home/conf/jars.txt"
    write_tools_logback "$version" "$home/conf"

    # Fixed timestamps and entry order, so the same jars always give the same zip.
    find "$home" -exec touch -h -d '2000-01-01 00:00:00 UTC' {} +
    (cd "$WORK" && find "$name" -print | LC_ALL=C sort | TZ=UTC zip -q -X -@ "$name.zip")
    write_sha512 "$WORK/$name.zip"
    printf '%s\n' "$recipe" >"$WORK/$name.zip.recipe"
    log "built $name.zip: $(du -h "$WORK/$name.zip" | cut -f1), $(wc -l <"$home/conf/jars.txt") jars, $((SECONDS - started))s"
    publish "$name.zip"
}

# Maven flags for the dashboard's source release: no tests, no license/style checks, and the
# frontend-maven-plugin's Node download and yarn build skipped (the antrun step that copies
# frontend/build then copies an empty folder; the UI served is under src/main/resources/static).
readonly DASHBOARD_MVN_FLAGS=(-Dmaven.test.skip=true -Drat.skip=true -Dcheckstyle.skip=true -Dskip.installyarn=true -Dskip.yarn=true)

dashboard_recipe() {
    local version="$1" src="$2"
    echo "recipe $RECIPE_REVISION"
    if [[ -n "${RMQ_DASHBOARD_JAR:-}" ]]; then
        echo "dashboard $version imported from a jar, sha512 $(sha512sum "$RMQ_DASHBOARD_JAR" | cut -d' ' -f1)"
    else
        echo "dashboard $version built with Maven ${DASHBOARD_MVN_FLAGS[*]} package, sources sha256 $(tree_hash "$src")"
    fi
}

build_dashboard() {
    local version="$1"
    check_version "$version"
    local name="rocketmq-dashboard-$version.jar" src="$VENDOR_DIR/rocketmq-dashboard-$version"
    if [[ -n "${RMQ_DASHBOARD_JAR:-}" ]]; then
        [[ -f "$RMQ_DASHBOARD_JAR" ]] || die "RMQ_DASHBOARD_JAR=$RMQ_DASHBOARD_JAR is not a file"
    elif [[ ! -f "$src/pom.xml" ]]; then
        die "no dashboard sources at $src: rocketmq-dashboard is on no Maven repository, so it is built from its source release in shared/vendor beside the repository (set RMQ_VENDOR_DIR to that folder), or import a jar built elsewhere with RMQ_DASHBOARD_JAR=/path/to/$name"
    fi
    local recipe
    recipe="$(dashboard_recipe "$version" "$src")"
    if already_built "$DIST_DIR/$name" "$recipe"; then
        reuse "$DIST_DIR/$name"
        return
    fi

    new_workdir
    local started=$SECONDS
    if [[ -n "${RMQ_DASHBOARD_JAR:-}" ]]; then
        log "importing $RMQ_DASHBOARD_JAR as $name"
        cp "$RMQ_DASHBOARD_JAR" "$WORK/$name"
    else
        # The vendor folder is read-only input: build on a copy.
        log "building $name with Maven from $src (on a copy; no Node: the front-end build is skipped)"
        cp -R "$src" "$WORK/src"
        chmod -R u+w "$WORK/src"
        rm -rf "$WORK/src/target"
        mkdir -p "$WORK/src/frontend/build"
        run_mvn -f "$WORK/src/pom.xml" "${DASHBOARD_MVN_FLAGS[@]}" package || {
            show_mvn_errors
            die "Maven could not build $name from $src"
        }
        [[ -f "$WORK/src/target/$name" ]] || die "the Maven build left no target/$name"
        mv "$WORK/src/target/$name" "$WORK/$name"
        rm -rf "$WORK/src"
    fi
    # The stack runs the dashboard with java -jar: it must be a Spring Boot executable jar.
    unzip -p "$WORK/$name" META-INF/MANIFEST.MF 2>/dev/null | tr -d '\r' | grep -q '^Main-Class: org.springframework.boot.loader' ||
        die "$name is not an executable Spring Boot jar"
    write_sha512 "$WORK/$name"
    printf '%s\n' "$recipe" >"$WORK/$name.recipe"
    log "built $name: $(du -h "$WORK/$name" | cut -f1), $((SECONDS - started))s"
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
