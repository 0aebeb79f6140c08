// Root never reads or runs what the service user (or anyone but root) can write: issue 14, defects
// 6, 8 and 19. The rendered host scripts are checked as text where the rule is about what they
// create, and run (bash, scratch directories) where it is about what they refuse.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { validateConfig } from "../../config/validate";
import { RawConfig } from "../../config/validate";
import { dashboardDeployScript } from "../../planning/dashboard";
import { hostTools, installScript, osTuningScript } from "../../planning/hostScripts";
import { renderUnit } from "../../planning/instanceFiles";
import { allBrokers, planCluster } from "../../planning/topology";
import * as R from "./render";
import { UPLOAD_DIR, rootOnlyPaths, storeRootProblem, uploadPath } from "../../planning/installation";
import { existingRaw } from "./fixtures";

const SHA = "a".repeat(128);
const cfgOf = (over: RawConfig = {}) => validateConfig(existingRaw(over));
const osScript = (over: RawConfig = {}) => osTuningScript(cfgOf(over), "worker1", []);
const install = (over: RawConfig = {}) => {
    const cfg = cfgOf(over);
    return installScript(cfg, cfg, "worker1", { namesrvAddr: "10.0.0.11:9876", clusterName: "c" });
};
const problemsOf = (over: RawConfig): string[] => {
    try {
        validateConfig(existingRaw(over));
        return [];
    } catch (e) {
        return String((e as Error).message).split("\n");
    }
};

describe("defect 6: the install root stays root's, whatever storeRoot is", () => {
    /** What the rendered OS script hands to the service user: the directories given to user_dir or install -o "$user". */
    const userOwned = (script: string): string[] =>
        script
            .split("\n")
            .filter((l) => /^user_dir |^install .*-o "\$user"/.test(l))
            .flatMap((l) => l.replace(/^user_dir |^install .*-g "\$user" /, "").split(" "))
            // Its own home (.ssh, authorized_keys) is its own.
            .filter((p) => !p.startsWith('"$home/'));

    test.each([
        ["the default (storeRoot = appRoot/rocketmq)", {}],
        ["storeRoot inside appRoot", { storeRoot: "/app/data" }],
        ["storeRoot = appRoot", { storeRoot: "/app" }],
        ["storeRoot elsewhere", { storeRoot: "/data/rocketmq" }],
    ] as [string, RawConfig][])("%s: the service user gets only run; the install root and logs are made root's", (_, over) => {
        const s = osScript(over);
        expect(userOwned(s).sort()).toEqual(["/app/rocketmq/run"]);
        // Every directory root runs from goes through root_dir: install -d -o root, 0755, no link.
        expect(s).toContain(
            "for d in /app /app/rocketmq /app/rocketmq/bin /app/rocketmq/instances /app/rocketmq/versions /app/rocketmq/downloads /app/rocketmq/supervise /app/rocketmq/logs; do",
        );
        expect(s).toContain('install -d -m 0755 -o root -g root "$1"');
        // The store root is created root's, never re-owned.
        const store = cfgOf(over).storeRoot;
        expect(s).toContain(`[ -e ${store} ] || install -d -m 0755 ${store}`);
        expect(s).not.toMatch(new RegExp(`-o "\\$user".*${store.replace(/\//g, "\\/")}( |$)`, "m"));
    });

    test("a storeRoot whose stores would be or hold what root runs is refused, naming why", () => {
        const inst = { appRoot: "/app" };
        for (const p of rootOnlyPaths(inst)) {
            expect(storeRootProblem(inst, p)).toMatch(/root runs what is there/);
            expect(storeRootProblem(inst, `${p}/x`)).toMatch(/root runs what is there/);
        }
        expect(storeRootProblem({ appRoot: "/data/store/app" }, "/data")).toMatch(/\/data\/store belongs to the service user/);
        for (const ok of ["/app/rocketmq", "/app", "/app/data", "/data/rocketmq", "/app/rocketmq/logs2"])
            expect(storeRootProblem(inst, ok)).toBeUndefined();
        expect(problemsOf({ storeRoot: "/app/rocketmq/bin" }).join("\n")).toMatch(
            /storeRoot = "\/app\/rocketmq\/bin": not \/app\/rocketmq\/bin or inside it/,
        );
        expect(problemsOf({ storeRoot: "/app/jdk/x" }).join("\n")).toMatch(/storeRoot = "\/app\/jdk\/x"/);
        expect(problemsOf({ storeRoot: "/app/rocketmq" })).toEqual([]);
    });

    test("OS tuning refuses, before creating anything, an appRoot under a directory others can write", () => {
        // /tmp/x does not exist (root would make it), /tmp is everyone's: refused there.
        const s = osScript({ appRoot: "/tmp/x/app", storeRoot: "/data/rocketmq" });
        const check = s.slice(s.indexOf("d=/tmp/x/app"), s.indexOf("# root_dir DIR"));
        expect(s.indexOf("d=/tmp/x/app")).toBeLessThan(s.indexOf("install -d -m 0755 -o root"));
        const r = spawnSync("bash", ["-c", `set -euo pipefail\n${check}`], { encoding: "utf8" });
        expect(r.status).toBe(1);
        expect(r.stderr).toMatch(/os-tuning: refused on worker1: \/tmp \(above appRoot \/tmp\/x\/app\) is .*drwxrwxrwt/);
        const fine = osScript();
        const ok = spawnSync("bash", ["-c", `set -euo pipefail\n${fine.slice(fine.indexOf("d=/app"), fine.indexOf("# root_dir DIR"))}`], {
            encoding: "utf8",
        });
        expect(ok.status).toBe(0);
    });

    describe("install checks what root runs, and each directory above it", () => {
        const fnText = (() => {
            const s = install();
            return s.slice(s.indexOf("untrusted() {"), s.indexOf('refuse_untrusted "$root"'));
        })();
        const refuse = (...paths: string[]) =>
            spawnSync("bash", ["-c", `set -euo pipefail\n${fnText}\nrefuse_untrusted "$@"`, "_", ...paths], { encoding: "utf8" });
        let dir: string;
        beforeEach(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "rmq-trust-"));
        });
        afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

        test("root's files under root's directories pass", () => {
            expect(refuse("/usr/bin/env", "/usr/bin").status).toBe(0);
        });
        test("a file others can write is refused, naming it", () => {
            const f = path.join(dir, "java.env");
            fs.writeFileSync(f, "JAVA=/bin/true\n");
            fs.chmodSync(f, 0o666);
            const r = refuse("/usr/bin/env", f);
            expect(r.status).toBe(1);
            expect(r.stderr).toContain(`install: refused on worker1: ${f} is writable by group or others (-rw-rw-rw-)`);
        });
        test("a file of another user is refused, naming its owner", () => {
            const f = path.join(dir, "mqadmin");
            fs.writeFileSync(f, "#!/bin/sh\n", { mode: 0o755 });
            fs.chownSync(f, 65534, 65534);
            const r = refuse(f);
            expect(r.status).toBe(1);
            expect(r.stderr).toMatch(new RegExp(`${f} is owned by \\S+; root runs or reads ${f}`));
        });
        test("a root file in a directory others can write (/tmp) is refused, naming that directory", () => {
            const f = path.join(dir, "bin");
            fs.mkdirSync(f, { mode: 0o755 });
            fs.chmodSync(dir, 0o755);
            const r = refuse(f);
            expect(r.status).toBe(1);
            expect(r.stderr).toContain(`${os.tmpdir()} is writable by group or others`);
        });
    });

    test("check_trees, run: root's files others could write lose the write bits; a file of another user is refused", () => {
        const app = fs.mkdtempSync(path.join(os.tmpdir(), "rmq-trees-"));
        try {
            const s = install({ appRoot: app, storeRoot: "/data/rocketmq" });
            const fn = s.slice(s.indexOf("check_trees() {"), s.indexOf("# Before anything here runs a program"));
            const root = `${app}/rocketmq`;
            for (const d of ["bin", "versions/r/lib", "../jdk/j/bin"]) fs.mkdirSync(path.join(root, d), { recursive: true });
            const jar = path.join(root, "versions/r/lib/a.jar");
            fs.writeFileSync(jar, "x");
            fs.chmodSync(jar, 0o666);
            const run = () => spawnSync("bash", ["-c", `set -euo pipefail\nroot=${root}\n${fn}\ncheck_trees`], { encoding: "utf8" });
            expect(run().status).toBe(0);
            expect(fs.statSync(jar).mode & 0o777).toBe(0o644);
            const java = path.join(app, "jdk/j/bin/java");
            fs.writeFileSync(java, "#!/bin/sh\n", { mode: 0o755 });
            fs.chownSync(java, 65534, 65534);
            const r = run();
            expect(r.status).toBe(1);
            expect(r.stderr).toContain(`install: refused on worker1: root runs files that are not root's`);
            expect(r.stderr).toContain(`${java} nobody -rwxr-xr-x`);
        } finally {
            fs.rmSync(app, { recursive: true, force: true });
        }
    });

    test("install walks everything root runs after writing it, and runs the check before any package or download", () => {
        const s = install();
        expect(s.indexOf('refuse_untrusted "$root" "$root/bin" "$root/versions" "$root/downloads" "$root/instances"')).toBeLessThan(
            s.indexOf("command -v unzip"),
        );
        expect(s).toContain(
            'refuse_untrusted "$root/java.env" "$root/current" "$root/tools-home" "$root/bin" "$(readlink -f "$java")" "${java%/java}/javac"',
        );
        // javac as well: root compiles rmq-probe with the javac beside that java.
        expect(s).toContain('refuse_untrusted "$java" "$(readlink -f "$java")" "${java%/java}/javac"');
        expect(s.indexOf("check_trees\n")).toBeLessThan(s.indexOf("command -v unzip"));
        expect(s.indexOf("find_java() {")).toBeGreaterThan(s.indexOf("check_trees\n"));
        expect(s.trimEnd().split("\n").slice(-2)[0]).toBe("check_trees");
        // java.env replaced whole, root's, not writable by others.
        expect(s).toContain('chmod 0644 "$root/java.env.new"\nmv -f "$root/java.env.new" "$root/java.env"');
        // The release is made root's before it moves into place.
        expect(s.indexOf('chown -R root:root "$top"')).toBeLessThan(s.indexOf('mv "$top" "$dest"'));
    });
});

describe("root gives the service user directories and its console without following its links", () => {
    const tools = (user = "oper") => hostTools({ ...cfgOf(), serviceUser: user }, { namesrvAddr: "10.0.0.11:9876", clusterName: "c" });
    const userDir = (user: string) => tools(user).find((t) => t.name === "rmq-user-dir")!.content;
    // A scratch tree whose every directory is root's 0755 (not under /tmp, which everyone can write).
    let base: string;
    beforeEach(() => {
        fs.mkdirSync("/var/lib/rmq-unit", { recursive: true, mode: 0o755 });
        base = fs.mkdtempSync("/var/lib/rmq-unit/ud-");
        fs.chmodSync(base, 0o755);
    });
    afterEach(() => fs.rmSync(base, { recursive: true, force: true }));
    const run = (...args: string[]) => {
        const f = path.join(base, "rmq-user-dir");
        fs.writeFileSync(f, userDir("nobody"), { mode: 0o755 });
        return spawnSync(f, args, { encoding: "utf8" });
    };
    const owner = (p: string) => fs.lstatSync(p).uid;

    test("under root's directories: root makes it (and what is missing above it, as root's) and gives it to the service user", () => {
        const d = path.join(base, "logs", "broker-a");
        const r = run(d);
        expect(r.stderr).toBe("");
        expect(r.status).toBe(0);
        expect(owner(d)).toBe(65534);
        expect(fs.statSync(d).mode & 0o777).toBe(0o755);
        expect(owner(path.join(base, "logs"))).toBe(0);
        expect(fs.statSync(path.join(base, "logs")).mode & 0o777).toBe(0o755);
        // Again, with --mode: idempotent, the mode set.
        expect(run("--mode", "0750", d).status).toBe(0);
        expect(fs.statSync(d).mode & 0o777).toBe(0o750);
    });

    test("a link in its place is refused and what it points to keeps its owner", () => {
        const target = path.join(base, "etc");
        fs.mkdirSync(target);
        fs.mkdirSync(path.join(base, "logs"));
        const d = path.join(base, "logs", "broker-a");
        fs.symlinkSync(target, d);
        const r = run(d);
        expect(r.status).toBe(1);
        expect(r.stderr).toContain(`rmq-user-dir: refused: ${d} is a symbolic link (to ${target})`);
        expect(owner(target)).toBe(0);
    });

    test("in a directory the service user can change, it makes the directory itself; root re-owns nothing there", () => {
        const theirs = path.join(base, "store");
        fs.mkdirSync(theirs);
        fs.chownSync(theirs, 65534, 65534);
        const d = path.join(theirs, "broker-a", "commitlog");
        expect(run(d).status).toBe(0);
        expect(owner(d)).toBe(65534);
        expect(owner(path.join(theirs, "broker-a"))).toBe(65534);
        // A root directory planted there is not handed over.
        const planted = path.join(theirs, "planted");
        fs.mkdirSync(planted);
        const r = run(planted);
        expect(r.status).toBe(1);
        expect(r.stderr).toMatch(new RegExp(`${planted} is root:root in ${theirs}, which someone other than root can change`));
        expect(owner(planted)).toBe(0);
    });

    test("every deploy, unit and launcher: directories through rmq-user-dir, the console opened by the launcher, never by systemd", () => {
        for (const topology of ["2m-2s-async", "dledger"]) {
            const cfg = cfgOf({ topology });
            const ctx: R.RenderContext = {
                cfg,
                plan: planCluster(cfg),
                hosts: [1, 2, 3].map((i) => ({
                    name: `worker${i}`,
                    privateAddress: `10.0.0.${10 + i}`,
                    clientAddress: `10.0.0.${10 + i}`,
                    cpus: 4,
                    memoryMiB: 8192,
                })),
            };
            const instances = [...ctx.plan.nameServers, ...allBrokers(ctx.plan)];
            for (const inst of instances) {
                const deploy = R.instanceDeployScript(ctx, inst);
                expect(deploy).not.toMatch(/install -d[^\n]*-o /);
                expect(deploy).toContain(`"$root/bin/rmq-user-dir" "$dir/home" "$root/logs/$id"`);
                const unit = renderUnit(cfg, inst.id, "x");
                expect(unit).not.toMatch(/^Standard(Output|Error)=/m);
                expect(R.renderLauncher(ctx, inst)).toContain(`exec >>"/app/rocketmq/logs/${inst.id}/console.log" 2>&1`);
            }
            const dash = dashboardDeployScript(ctx, "pw");
            expect(dash).not.toMatch(/install -d[^\n]*-o /);
            expect(dash).toContain('"$root/bin/rmq-user-dir" --mode 0750 "$root/logs/$id" "$dir/data"');
            // The password file is written in root's directory and renamed into data/ (no link followed).
            expect(dash).toContain('cat >"$dir/users.properties.new"');
            expect(dash).toContain('mv -fT "$dir/users.properties.new" "$dir/data/users.properties"');
            expect(dash).not.toMatch(/>"\$dir\/data\//);
            expect(dash).toContain('exec >>"/app/rocketmq/logs/dashboard/console.log" 2>&1');
        }
    });

    test("rmq-wait reads the instance's logs with the service user's rights, skipping links", () => {
        const wait = tools().find((t) => t.name === "rmq-wait")!.content;
        expect(wait).toContain('setpriv --reuid=oper --regid="$(id -gn oper)" --init-groups tail -n 50 "$f"');
        expect(wait).toContain('if [ ! -f "$f" ] || [ -L "$f" ]; then continue; fi');
    });
});

describe("defect 8: root's tools, uploads and archives", () => {
    test("root's JVM tools use root's own 0700 home, never /tmp", () => {
        const tools = hostTools(cfgOf(), { namesrvAddr: "10.0.0.11:9876", clusterName: "c" });
        for (const name of ["mqadmin", "rmq-smoke", "rmq-probe", "rmq-auth"]) {
            const t = tools.find((x) => x.name === name)!.content;
            const code = t.split("\n").filter((l) => !/^\s*#/.test(l));
            expect(code.filter((l) => /\/tmp|TMPDIR/.test(l))).toEqual([]);
            expect(t).toContain('if [ "$(id -u)" = 0 ]; then home=/app/rocketmq/tools-home; else home=${HOME:?}/.rmq-tools; fi');
            expect(t).toContain('-Duser.home="$home"');
        }
        expect(install()).toContain('install -d -m 0700 -o root -g root "$root/tools-home"');
    });

    test("uploads land in a directory only root and the deploying account can write, not /tmp", () => {
        expect(UPLOAD_DIR.startsWith("/tmp")).toBe(false);
        expect(uploadPath("/home/me/rocketmq-all-5.5.0-bin-release.zip")).toBe(
            "/var/lib/rocketmq-pulumi/uploads/rocketmq-all-5.5.0-bin-release.zip",
        );
        const s = osScript();
        expect(s).toContain('install -d -m 0700 -o "${SUDO_USER:-root}" /var/lib/rocketmq-pulumi/uploads');
    });

    test("localArchive needs sha512, javaArchive needs javaSha512: clear errors at preview naming the key", () => {
        expect(problemsOf({ sha512: undefined, localArchive: "/x/rocketmq-all-5.5.0-bin-release.zip" }).join("\n")).toMatch(
            /rocketmq:sha512 = \(not set\): required with localArchive/,
        );
        expect(problemsOf({ javaArchive: "/x/jdk.tar.gz" }).join("\n")).toMatch(
            /rocketmq:javaSha512 = \(not set\): required with javaArchive \(\/x\/jdk\.tar\.gz\)/,
        );
        expect(problemsOf({ javaArchive: "/x/jdk.tar.gz", javaSha512: "abc" }).join("\n")).toMatch(/rocketmq:javaSha512 = "abc": 128 hex/);
        expect(problemsOf({ javaSha512: SHA }).join("\n")).toMatch(/javaSha512 .*only with javaArchive/);
        expect(problemsOf({ javaArchive: "/x/jdk.tar.gz", javaSha512: SHA })).toEqual([]);
    });

    test("the JDK is verified on root's copy before it is unpacked, as root's files", () => {
        const s = install({ javaArchive: "/x/jdk-17.tar.gz", javaSha512: SHA });
        const copy = s.indexOf('cp "/var/lib/rocketmq-pulumi/uploads/jdk-17.tar.gz" "$jdk_archive"');
        const check = s.indexOf(`if [ "$got" != "${SHA}" ]; then`);
        const untar = s.indexOf('tar -xzf "$jdk_archive" -C "$tmpd" --no-same-owner --no-same-permissions');
        expect(copy).toBeGreaterThan(0);
        expect(copy).toBeLessThan(check);
        expect(check).toBeLessThan(untar);
        expect(s).not.toMatch(/tar -xzf "\/var\/lib/);
        expect(s.indexOf('chown -R root:root "$tmpd"')).toBeGreaterThan(untar);
    });

    test("the JDK check runs for real: a wrong archive stops before tar", () => {
        const s = install({ javaArchive: "/x/jdk-17.tar.gz", javaSha512: SHA });
        const body = s.slice(
            s.indexOf("    jdk_archive=$root/downloads/jdk.tar.gz.part"),
            s.indexOf("    install -d -m 0755 -o root -g root /app/jdk"),
        );
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rmq-jdk-"));
        fs.mkdirSync(path.join(dir, "downloads"));
        const up = path.join(dir, "upload.tar.gz");
        fs.writeFileSync(up, "not the JDK");
        const r = spawnSync(
            "bash",
            [
                "-c",
                `set -euo pipefail\nroot=${dir}\n${body.replace(/\/var\/lib\/rocketmq-pulumi\/uploads\/jdk-17\.tar\.gz/g, up)}\necho UNPACK`,
            ],
            {
                encoding: "utf8",
            },
        );
        fs.rmSync(dir, { recursive: true, force: true });
        expect(r.status).toBe(1);
        expect(r.stdout).not.toContain("UNPACK");
        expect(r.stderr).toContain("install: sha512 mismatch for the JDK");
    });
});

describe("defect 19: a smoke run leaves no consumer group behind", () => {
    test("rmq-smoke asks RmqSmoke to delete its group, which it does whatever the outcome", () => {
        const smoke = hostTools(cfgOf(), { namesrvAddr: "10.0.0.11:9876", clusterName: "c" }).find((t) => t.name === "rmq-smoke")!.content;
        expect(smoke).toMatch(/roundtrip .*--group "\$group" .*--delete-group/);
        // Groups a broker made again after an earlier run's delete are swept by the next run.
        expect(smoke).toContain('--sweep-prefix "RMQ_PULUMI_SMOKE_GROUP"');
        expect(smoke).toContain("group=RMQ_PULUMI_SMOKE_GROUP-$(date +%s)-$$");
        const java = fs.readFileSync(path.join(__dirname, "..", "..", "tools", "java", "RmqSmoke.java"), "utf8");
        expect(java).toMatch(/finally \{\s*if \(opts\.containsKey\("delete-group"\)\) \{\s*deleteGroup\(group\);/);
        expect(java).toMatch(/admin\.deleteSubscriptionGroup\(addr, g, true\)/);
        expect(java).toContain('String retry = "%RETRY%" + g;');
        expect(java).toContain('Pattern.compile(Pattern.quote(prefix) + "-(\\\\d{1,12})-\\\\d+")');
        expect(java).toContain("long before = System.currentTimeMillis() / 1000 - 120;");
    });
});
