// Version changes on a running cluster: which moves the stores allow (refused at preview), the
// install script's own refusal, and staging: an instance's new files (its release included) take
// effect at its turn of the rolling restart and not before. The host scripts are run here for real
// (bash, a scratch root, a stand-in rmq-service), not only rendered.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError } from "../../config/errors";
import { RocketMqVersion, SUPPORTED_VERSIONS } from "../../config/schema";
import { checkVersionChange, rollSources, rollTargets, versionChangeProblem, versionMove } from "../../config/versionChange";
import { hostTools, installScript, instanceDeployScript } from "./render";
import { findInstance } from "../../planning/topology";
import { existingRaw } from "./fixtures";
import { contextOf } from "./scripts";

describe("which version changes a running cluster can take", () => {
    test.each([
        ["5.3.3", "5.5.0", true],
        ["5.5.0", "5.3.3", true],
        ["5.3.3", "5.3.3", true],
        ["4.9.7", "4.9.7", true],
        ["5.3.3", "4.9.7", false],
        ["5.5.0", "4.9.7", false],
        ["4.9.7", "5.3.3", false],
        ["4.9.7", "5.5.0", false],
        ["5.5.1", "5.5.0", false],
    ] as [string, RocketMqVersion, boolean][])("%s -> %s: %s", (from, to, allowed) => {
        const m = versionMove(from, to);
        expect(m.allowed).toBe(allowed);
        expect(m.why === "").toBe(allowed);
    });

    test("5.x -> 4.x is refused as unsafe, 4.x -> 5.x as untested, each saying why", () => {
        expect(versionMove("5.5.0", "4.9.7").why).toMatch(/^unsafe: 4\.9\.7 cannot read what 5\.5\.0 writes .*V2 format.*timer store/);
        expect(versionMove("4.9.7", "5.3.3").why).toMatch(
            /^untested: RocketMQ 5\.3\.3 can read 4\.9\.7's stores, .*deploy 5\.3\.3 on new hosts/,
        );
        expect(versionMove("9.9.9", "5.3.3").why).toMatch(/not a version this stack knows/);
    });

    test("targets and sources agree with the moves, every version reaches itself", () => {
        for (const v of SUPPORTED_VERSIONS) {
            expect(rollTargets(v)).toContain(v);
            expect(rollSources(v)).toContain(v);
            for (const w of SUPPORTED_VERSIONS) expect(rollTargets(v).includes(w)).toBe(rollSources(w).includes(v));
        }
        expect(rollTargets("5.3.3")).toEqual(["5.3.3", "5.5.0"]);
        expect(rollSources("4.9.7")).toEqual(["4.9.7"]);
    });

    test("the preview error names rocketmq:version, the deployed and the wanted version and what is allowed", () => {
        expect(versionChangeProblem(undefined, "4.9.7")).toBeUndefined();
        expect(versionChangeProblem("5.3.3", "5.5.0")).toBeUndefined();
        let error: unknown;
        try {
            checkVersionChange("5.5.0", "4.9.7");
        } catch (e) {
            error = e;
        }
        expect(error).toBeInstanceOf(ConfigError);
        const line = (error as Error).message.split("\n")[1];
        expect(line).toContain('rocketmq:version = "4.9.7": the cluster runs 5.5.0 (stack output `version`');
        expect(line).toContain("5.5.0 -> 4.9.7 is refused, unsafe:");
        expect(line).toMatch(/From 5\.5\.0 this stack rolls to: 5\.3\.3, 5\.5\.0$/);
    });
});

// ---- the host scripts, run in a scratch root -------------------------------------------------

const APP_ROOT = "/app/rocketmq";

/** A scratch root with stand-ins: rmq-service/rmq-wait log their calls; rmq-user-dir, install and chown skip ownership. */
function scratch(): { root: string; env: NodeJS.ProcessEnv; calls: () => string[]; running: (on: boolean) => void } {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "rmq-upgrade-"));
    const shims = path.join(root, "shims");
    fs.mkdirSync(path.join(root, "bin"), { recursive: true });
    fs.mkdirSync(shims);
    const write = (file: string, text: string) => fs.writeFileSync(file, text, { mode: 0o755 });
    write(
        path.join(root, "bin", "rmq-service"),
        `#!/usr/bin/env bash\necho "rmq-service $*" >>"${root}/calls"\n[ "$1" != status ] || [ -e "${root}/running" ]\n`,
    );
    write(path.join(root, "bin", "rmq-wait"), `#!/usr/bin/env bash\necho "rmq-wait $1" >>"${root}/calls"\n`);
    // The service user's directories (run for real in rootTrust.test.ts): made, no owner needed here.
    write(path.join(root, "bin", "rmq-user-dir"), '#!/usr/bin/env bash\n[ "${1:-}" != --mode ] || shift 2\nmkdir -p "$@"\n');
    // `install -d -m MODE [-o U -g G] DIR...` and `chown`: no users needed here.
    write(
        path.join(shims, "install"),
        '#!/usr/bin/env bash\nargs=()\nwhile [ $# -gt 0 ]; do case $1 in -d) ;; -m|-o|-g) shift ;; *) args+=("$1") ;; esac; shift; done\nmkdir -p "${args[@]}"\n',
    );
    write(path.join(shims, "chown"), "#!/usr/bin/env bash\ntrue\n");
    return {
        root,
        env: { ...process.env, PATH: `${shims}:${process.env.PATH}` },
        calls: () => (fs.existsSync(path.join(root, "calls")) ? fs.readFileSync(path.join(root, "calls"), "utf8").trim().split("\n") : []),
        running: (on) => (on ? fs.writeFileSync(path.join(root, "running"), "") : fs.rmSync(path.join(root, "running"), { force: true })),
    };
}

/** A rendered script with the install root moved into the scratch root. */
const relocate = (script: string, root: string) => script.split(APP_ROOT).join(root);

const ctxOf = (version: RocketMqVersion) => contextOf(existingRaw({ version }));
const deployScript = (version: RocketMqVersion, root: string) => {
    const ctx = ctxOf(version);
    return relocate(instanceDeployScript(ctx, findInstance(ctx.plan, "namesrv-worker1")!), root);
};
const runBash = (script: string, env: NodeJS.ProcessEnv, ...args: string[]) =>
    spawnSync("bash", ["-s", "--", ...args], { input: script, env, encoding: "utf8" });
const releaseOf = (runSh: string) => /\/versions\/rocketmq-all-(.*)-bin-release$/m.exec(fs.readFileSync(runSh, "utf8"))?.[1];

describe("staging: the new release takes effect at the instance's turn, not before", () => {
    test("stage keeps the live files (an unplanned restart runs the old release); rmq-roll swaps them in right before its restart", () => {
        const s = scratch();
        const dir = path.join(s.root, "instances", "namesrv-worker1");
        // Fresh deploy of 5.3.3: written in place, installed, restarted, waited for.
        expect(runBash(deployScript("5.3.3", s.root), s.env).status).toBe(0);
        expect(releaseOf(path.join(dir, "run.sh"))).toBe("5.3.3");
        expect(s.calls()).toEqual([
            "rmq-service install namesrv-worker1",
            "rmq-service restart namesrv-worker1",
            "rmq-wait namesrv-worker1",
        ]);
        s.running(true);

        // Staged 5.5.0: the live run.sh still names 5.3.3, the new one waits in .staged; nothing restarted.
        const staged = runBash(deployScript("5.5.0", s.root), s.env, "stage");
        expect(staged.status).toBe(0);
        expect(staged.stdout).toContain("new files staged");
        expect(releaseOf(path.join(dir, "run.sh"))).toBe("5.3.3");
        expect(releaseOf(path.join(dir, ".staged", "run.sh"))).toBe("5.5.0");
        expect(fs.existsSync(path.join(dir, ".restart-pending"))).toBe(true);
        expect(s.calls().filter((c) => c.includes("restart"))).toHaveLength(1);

        // Reverted before its turn: nothing staged, nothing pending.
        const back = runBash(deployScript("5.3.3", s.root), s.env, "stage");
        expect(back.stdout).toContain("files unchanged, nothing to restart");
        expect(fs.existsSync(path.join(dir, ".staged"))).toBe(false);
        expect(fs.existsSync(path.join(dir, ".restart-pending"))).toBe(false);

        // Staged again, then its turn: files moved into place, the unit installed, then the restart.
        runBash(deployScript("5.5.0", s.root), s.env, "stage");
        const ctx = ctxOf("5.5.0");
        const roll = relocate(hostTools(ctx).find((t) => t.name === "rmq-roll")!.content, s.root);
        fs.writeFileSync(path.join(s.root, "bin", "rmq-roll"), roll, { mode: 0o755 });
        // Sourced by rmq-roll for its waits (none here: a name server given no peers).
        fs.writeFileSync(
            path.join(s.root, "bin", "rmq-watch.sh"),
            relocate(hostTools(ctx).find((t) => t.name === "rmq-watch.sh")!.content, s.root),
        );
        fs.writeFileSync(path.join(s.root, "calls"), "");
        const out = execFileSync(path.join(s.root, "bin", "rmq-roll"), ["namesrv-worker1", "30", "9876"], { env: s.env, encoding: "utf8" });
        expect(out).toContain("restarted and healthy");
        expect(releaseOf(path.join(dir, "run.sh"))).toBe("5.5.0");
        expect(fs.existsSync(path.join(dir, ".staged"))).toBe(false);
        expect(fs.existsSync(path.join(dir, ".restart-pending"))).toBe(false);
        expect(s.calls()).toEqual([
            "rmq-service install namesrv-worker1",
            "rmq-service restart namesrv-worker1",
            "rmq-wait namesrv-worker1",
        ]);
        fs.rmSync(s.root, { recursive: true, force: true });
    });
});

describe("install refuses, before touching the host, a version its instances cannot move to", () => {
    /** install.sh's guard alone: everything before it installs packages or files. */
    const guard = (version: RocketMqVersion, root: string) => {
        const text = relocate(installScript(ctxOf(version), 1), root);
        return text.slice(0, text.indexOf("pkg_install() {"));
    };
    const withInstances = (runs: Record<string, string>) => {
        const s = scratch();
        for (const [rel, release] of Object.entries(runs)) {
            const file = path.join(s.root, "instances", rel);
            fs.mkdirSync(path.dirname(file), { recursive: true });
            fs.writeFileSync(file, `#!/usr/bin/env bash\nexport ROCKETMQ_HOME=${s.root}/versions/rocketmq-all-${release}-bin-release\n`);
        }
        return s;
    };

    test("the guard runs first, before any package, download or file", () => {
        const text = installScript(ctxOf("4.9.7"), 1);
        expect(text.indexOf('rolls_from=" 4.9.7 "')).toBeGreaterThan(0);
        expect(text.indexOf("rolls_from=")).toBeLessThan(text.indexOf("pkg_install"));
        expect(text.indexOf("rolls_from=")).toBeLessThan(text.indexOf("ln -sfn"));
    });

    test.each([
        ["4.9.7", { "broker-a/run.sh": "5.3.3" }, false],
        ["4.9.7", { "broker-a/run.sh": "4.9.7", "broker-b/.staged/run.sh": "5.5.0" }, false],
        ["5.3.3", { "broker-a/run.sh": "4.9.7" }, false],
        ["5.5.0", { "broker-a/run.sh": "5.3.3", "broker-b/.staged/run.sh": "5.5.0" }, true],
        ["5.3.3", { "broker-a/run.sh": "5.5.0" }, true],
        ["4.9.7", {}, true],
    ] as [RocketMqVersion, Record<string, string>, boolean][])("to %s with instances %j: allowed %s", (version, runs, ok) => {
        const s = withInstances(runs);
        const r = runBash(guard(version, s.root), s.env);
        expect(r.status === 0).toBe(ok);
        if (!ok)
            expect(r.stderr).toMatch(
                new RegExp(
                    `install: refused on worker2: .*run\\.sh runs RocketMQ [0-9.]+; rocketmq:version ${version.replace(/\./g, "\\.")} takes over only from: `,
                ),
            );
        fs.rmSync(s.root, { recursive: true, force: true });
    });

    test("the dashboard's launcher (ROCKETMQ_HOME=current) is not mistaken for a release", () => {
        const s = scratch();
        fs.mkdirSync(path.join(s.root, "instances", "dashboard"), { recursive: true });
        fs.writeFileSync(path.join(s.root, "instances", "dashboard", "run.sh"), `export ROCKETMQ_HOME=${s.root}/current\n`);
        expect(runBash(guard("4.9.7", s.root), s.env).status).toBe(0);
        fs.rmSync(s.root, { recursive: true, force: true });
    });
});
