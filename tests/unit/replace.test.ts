// `pulumi up --replace` of a host command (create-before-delete): the command lines hostCommand
// gives the engine, run for real in a shell against a scratch directory (the claims directory
// moved there too), through the steps the engine takes: create, update, delete, in the order a
// replacement, a retry, a destroy or a stack deployed before claims takes them.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { hostCommandLines } from "../../components/hostCommand";
import {
    CLAIMS_DIR,
    HostClaim,
    claimKeyOf,
    claimedCreateScript,
    claimedRemoveScript,
    claimedUpdateScript,
    claimsReconcileScript,
} from "../../planning/claims";
import { instanceClaim } from "../../planning/instanceScripts";
import { findInstance } from "../../planning/topology";
import { existingRaw } from "./fixtures";
import { hostTools, instanceRemoveCommand, uninstallScript } from "./render";
import { contextOf } from "./scripts";

interface Scratch {
    dir: string;
    claims: string;
    env: NodeJS.ProcessEnv;
    /** A command line as the engine runs it (stdin: the resource's script), claims moved into the scratch dir. */
    run: (line: string, stdin?: string) => { status: number | null; stdout: string; stderr: string };
    count: (key: string) => string | undefined;
}

let scratches: string[] = [];
afterEach(() => {
    for (const d of scratches) fs.rmSync(d, { recursive: true, force: true });
    scratches = [];
});

/** Every inline (base64) script of `line` with CLAIMS_DIR moved to `to`; refuses a line that would still touch the real one. */
function relocate(line: string, to: string): string {
    const out = line.replace(/echo ([A-Za-z0-9+/=]+) \| base64 -d/g, (_, b64: string) => {
        const text = Buffer.from(b64, "base64").toString().split(CLAIMS_DIR).join(to);
        return `echo ${Buffer.from(text).toString("base64")} | base64 -d`;
    });
    const decoded = [...out.matchAll(/echo ([A-Za-z0-9+/=]+) \| base64 -d/g)].map((m) => Buffer.from(m[1], "base64").toString());
    if (decoded.some((t) => t.includes("/var/lib/rocketmq-pulumi")) || out.includes("/var/lib/rocketmq-pulumi"))
        throw new Error("a command line still names the real claims directory");
    return out;
}

function scratch(): Scratch {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rmq-replace-"));
    scratches.push(dir);
    const claims = path.join(dir, "var", "claims");
    // A stand-in sudo for the non-root paths: drops -n, runs the rest (stdin passes through).
    const shims = path.join(dir, "shims");
    fs.mkdirSync(shims);
    fs.writeFileSync(path.join(shims, "sudo"), '#!/bin/sh\n[ "$1" = -n ] || exit 97\nshift\nexec "$@"\n', { mode: 0o755 });
    const env = { ...process.env, PATH: `${shims}:${process.env.PATH}` };
    return {
        dir,
        claims,
        env,
        run: (line, stdin = "") => {
            const r = spawnSync("sh", ["-c", relocate(line, claims)], { input: stdin, env, encoding: "utf8" });
            return { status: r.status, stdout: r.stdout, stderr: r.stderr };
        },
        count: (key) => (fs.existsSync(path.join(claims, key)) ? fs.readFileSync(path.join(claims, key), "utf8").trim() : undefined),
    };
}

/** A host command that deploys `thing` (a directory holding the arguments it ran with) and removes it. */
function thingCommand(s: Scratch, user = "root") {
    const thing = path.join(s.dir, "thing");
    const lines = hostCommandLines("thing", user, { remove: `rm -rf '${thing}'`, claim: { key: "thing" }, updateArgs: "stage" });
    const script = `set -euo pipefail\nmkdir -p '${thing}'\necho "run:$*" >'${thing}/args'\n`;
    return {
        thing,
        create: () => s.run(lines.create, script),
        update: () => s.run(lines.update!, script),
        failingCreate: () => s.run(lines.create, "echo half done; exit 3\n"),
        delete: () => s.run(lines.delete!),
        lines,
    };
}

describe("up --replace: the old resource's delete keeps what its replacement created", () => {
    test("create, create (the replacement), delete of the old one: the thing stays; destroy then removes it", () => {
        const s = scratch();
        const t = thingCommand(s);
        expect(t.create()).toMatchObject({ status: 0 });
        expect(fs.readFileSync(path.join(t.thing, "args"), "utf8")).toBe("run:\n");
        expect(s.count("thing")).toBe("1");
        expect(t.create()).toMatchObject({ status: 0 });
        expect(s.count("thing")).toBe("2");

        const old = t.delete();
        expect(old.status).toBe(0);
        expect(old.stdout).toContain("thing: still claimed by 1 newer resource(s)");
        expect(fs.existsSync(t.thing)).toBe(true);
        expect(s.count("thing")).toBe("1");

        const last = t.delete();
        expect(last).toMatchObject({ status: 0, stdout: "" });
        expect(fs.existsSync(t.thing)).toBe(false);
        // No count is left behind either.
        expect(fs.readdirSync(s.claims)).toEqual([]);
    });

    test("a create that fails claims nothing; its retry claims once, and one delete removes", () => {
        const s = scratch();
        const t = thingCommand(s);
        expect(t.failingCreate().status).toBe(3);
        expect(s.count("thing")).toBe("0");
        expect(t.create().status).toBe(0);
        expect(s.count("thing")).toBe("1");
        expect(t.delete().status).toBe(0);
        expect(fs.existsSync(t.thing)).toBe(false);
    });

    test("a replacement whose create fails leaves the old resource's claim as it was", () => {
        const s = scratch();
        const t = thingCommand(s);
        t.create();
        expect(t.failingCreate().status).toBe(3);
        expect(s.count("thing")).toBe("1");
        expect(t.delete().status).toBe(0);
        expect(fs.existsSync(t.thing)).toBe(false);
    });

    test("updates run the update (with its arguments) and keep one claim: they do not take another", () => {
        const s = scratch();
        const t = thingCommand(s);
        t.create();
        expect(t.update()).toMatchObject({ status: 0 });
        expect(t.update()).toMatchObject({ status: 0 });
        expect(fs.readFileSync(path.join(t.thing, "args"), "utf8")).toBe("run:stage\n");
        expect(s.count("thing")).toBe("1");
        expect(t.delete().status).toBe(0);
        expect(fs.existsSync(t.thing)).toBe(false);
    });

    test("a failed update does not claim: a stack from before claims keeps none until an update succeeds", () => {
        const s = scratch();
        const t = thingCommand(s);
        expect(s.run(t.lines.update!, "exit 4\n").status).toBe(4);
        expect(s.count("thing")).toBeUndefined();
    });

    test("a stack deployed before claims: its first update claims, so a later --replace keeps the thing", () => {
        const s = scratch();
        const t = thingCommand(s);
        fs.mkdirSync(t.thing);
        expect(t.update().status).toBe(0);
        expect(s.count("thing")).toBe("1");
        t.create();
        expect(t.delete().stdout).toContain("still claimed by 1");
        expect(fs.existsSync(t.thing)).toBe(true);
    });

    test("a stack deployed before claims: a plain delete (destroy, removed from config) still removes", () => {
        const s = scratch();
        const t = thingCommand(s);
        fs.mkdirSync(t.thing);
        expect(t.delete().status).toBe(0);
        expect(fs.existsSync(t.thing)).toBe(false);
    });

    test("a delete whose removal failed dropped its claim: the retry removes", () => {
        const s = scratch();
        const claim: HostClaim = { key: "thing" };
        const flag = path.join(s.dir, "fail-once");
        fs.writeFileSync(flag, "");
        const lines = hostCommandLines("thing", "root", { remove: `if [ -e '${flag}' ]; then rm '${flag}'; exit 5; fi`, claim });
        s.run(lines.create, "true\n");
        expect(s.run(lines.delete!).status).toBe(5);
        expect(s.count("thing")).toBe("0");
        expect(s.run(lines.delete!).status).toBe(0);
        expect(s.count("thing")).toBeUndefined();
    });

    test("a count that is not a number fails the delete, and nothing is removed", () => {
        const s = scratch();
        const t = thingCommand(s);
        t.create();
        fs.writeFileSync(path.join(s.claims, "thing"), "x\n");
        const r = t.delete();
        expect(r.status).not.toBe(0);
        expect(r.stderr).toContain("holds 'x', not a count");
        expect(fs.existsSync(t.thing)).toBe(true);
    });

    test("the claims directory is root's alone (0700), even if it was there with other modes", () => {
        const s = scratch();
        fs.mkdirSync(s.claims, { recursive: true, mode: 0o777 });
        fs.chmodSync(s.claims, 0o777);
        thingCommand(s).create();
        for (const d of [s.claims, path.dirname(s.claims)]) {
            const st = fs.statSync(d);
            expect([st.mode & 0o777, st.uid, st.gid]).toEqual([0o700, 0, 0]);
        }
    });

    test("a non-root SSH user: every line goes through sudo -n, stdin still reaches the script", () => {
        const s = scratch();
        const t = thingCommand(s, "ubuntu");
        expect(t.lines.create).toMatch(/^sudo -n bash -c /);
        expect(t.lines.update).toMatch(/^sudo -n bash -c .* rmq-claimed stage$/);
        expect(t.lines.delete).toMatch(/\| sudo -n bash -s$/);
        expect(t.create().status).toBe(0);
        expect(t.create().status).toBe(0);
        expect(t.update().status).toBe(0);
        expect(fs.readFileSync(path.join(t.thing, "args"), "utf8")).toBe("run:stage\n");
        expect(t.delete().stdout).toContain("still claimed by 1");
        expect(t.delete().status).toBe(0);
        expect(fs.existsSync(t.thing)).toBe(false);
    });
});

describe("instances: rmq-service remove drops the claim itself (so does a delete recorded before claims)", () => {
    /** The real rmq-service and rmq-claim in a scratch install root; the supervisor is a stand-in. */
    function instanceHost() {
        const s = scratch();
        const ctx = contextOf(existingRaw({ appRoot: s.dir, storeRoot: `${s.dir}/data` }));
        const root = `${s.dir}/rocketmq`;
        fs.mkdirSync(`${root}/bin`, { recursive: true });
        for (const tool of hostTools(ctx).filter((t) => t.name === "rmq-service" || t.name === "rmq-claim"))
            fs.writeFileSync(`${root}/bin/${tool.name}`, relocateText(tool.content, s.claims), { mode: 0o755 });
        fs.writeFileSync(`${root}/bin/rmq-supervise`, `#!/bin/sh\necho "rmq-supervise $*" >>'${s.dir}/calls'\n`, { mode: 0o755 });
        const inst = findInstance(ctx.plan, "broker-a-s")!;
        if (inst.kind !== "broker") throw new Error("broker-a-s is a broker");
        const lines = hostCommandLines("deploy", "root", {
            remove: instanceRemoveCommand(ctx.cfg, inst, true),
            claim: instanceClaim(ctx.cfg, inst),
            updateArgs: "stage",
        });
        const instDir = `${root}/instances/broker-a-s`;
        const deploy = `set -euo pipefail\nmkdir -p '${instDir}' '${inst.storePathRootDir}/commitlog'\necho data >>'${inst.storePathRootDir}/commitlog/0'\n`;
        return { s, lines, instDir, store: inst.storePathRootDir, deploy };
    }
    const relocateText = (text: string, to: string) => text.split(CLAIMS_DIR).join(to);

    test("the delete is the same command as before claims: rmq-service remove ID --purge STORE", () => {
        const { lines, s } = instanceHost();
        expect(Buffer.from(/echo (\S+) \| base64/.exec(lines.delete!)![1], "base64").toString()).toBe(
            `${s.dir}/rocketmq/bin/rmq-service remove broker-a-s --purge '${s.dir}/data/storeSlave'`,
        );
    });

    test("deployed before claims, then up --replace: the replacement counts the old owner; the old delete keeps instance and store", () => {
        const { s, lines, instDir, store, deploy } = instanceHost();
        // Deployed by the code before claims: files and store, no count.
        expect(s.run(`bash -s`, deploy).status).toBe(0);
        expect(s.count("instance-broker-a-s")).toBeUndefined();

        expect(s.run(lines.create, deploy).status).toBe(0);
        expect(s.count("instance-broker-a-s")).toBe("2");
        const old = s.run(lines.delete!);
        expect(old.status).toBe(0);
        expect(old.stdout).toContain("broker-a-s: still claimed by 1 newer resource(s)");
        expect(fs.existsSync(instDir)).toBe(true);
        expect(fs.readFileSync(`${store}/commitlog/0`, "utf8")).toBe("data\ndata\n");
        expect(fs.existsSync(`${s.dir}/calls`)).toBe(false); // not even stopped

        // Removed from the config (or destroy) with purgeDataOnDestroy: stopped, files and store gone.
        expect(s.run(lines.delete!).status).toBe(0);
        expect(fs.existsSync(instDir)).toBe(false);
        expect(fs.existsSync(store)).toBe(false);
        expect(fs.readFileSync(`${s.dir}/calls`, "utf8")).toBe("rmq-supervise stop broker-a-s\n");
        expect(fs.readdirSync(s.claims)).toEqual([]);
    });

    test("a new instance is not counted twice: create then delete removes it", () => {
        const { s, lines, instDir, store, deploy } = instanceHost();
        expect(s.run(lines.create, deploy).status).toBe(0);
        expect(s.count("instance-broker-a-s")).toBe("1");
        expect(s.run(lines.delete!).status).toBe(0);
        expect(fs.existsSync(instDir)).toBe(false);
        expect(fs.existsSync(store)).toBe(false);
    });

    test("deployed before claims, destroyed without an update first: removed as before", () => {
        const { s, lines, instDir, deploy } = instanceHost();
        s.run(`bash -s`, deploy);
        expect(s.run(lines.delete!).status).toBe(0);
        expect(fs.existsSync(instDir)).toBe(false);
    });
});

describe("topics and groups: claims of undeclared ones are forgotten, so every later delete decides right", () => {
    /** A topic's command (applies: creates the marker; delete: removes it) and the reconcile command, as TopicsAndGroups makes them. */
    function topicHost() {
        const s = scratch();
        const topic = path.join(s.dir, "topic-T");
        const lines = hostCommandLines("topic", "root", { remove: `rm -f '${topic}'`, claim: { key: claimKeyOf("topic", "T") } });
        const reconcile = hostCommandLines("claims", "root", {
            remove: claimsReconcileScript(["topic", "group"], []).split(CLAIMS_DIR).join(s.claims),
            claim: { key: "reconcile-topics-groups" },
        });
        const keepScript = (keep: string[]) => claimsReconcileScript(["topic", "group"], keep).split(CLAIMS_DIR).join(s.claims);
        return {
            s,
            topic,
            apply: () => s.run(lines.create, `touch '${topic}'\n`),
            deleteTopic: () => s.run(lines.delete!),
            reconcile: (keep: string[], how: "create" | "update") =>
                s.run(how === "create" ? reconcile.create : reconcile.update!, keepScript(keep)),
            deleteReconcile: () => s.run(reconcile.delete!),
        };
    }

    test("removed without opt-in (no delete runs), re-added, replaced, removed with opt-in: deleted exactly at the end", () => {
        const h = topicHost();
        expect(h.apply().status).toBe(0);
        expect(h.reconcile(["topic-T"], "create").status).toBe(0);
        expect(h.s.count("topic-T")).toBe("1");
        // Removed without opt-in: the engine drops it (retainOnDelete), and with nothing declared the
        // reconcile command goes too: its delete forgets every topic and group claim.
        expect(h.deleteReconcile().stdout).toContain("claims: forgot topic-T");
        expect(h.s.count("topic-T")).toBeUndefined();
        expect(fs.existsSync(h.topic)).toBe(true);
        // Re-added with deletion on, then up --replace of its resource: the old delete keeps it.
        expect(h.apply().status).toBe(0);
        expect(h.reconcile(["topic-T"], "create").status).toBe(0);
        expect(h.apply().status).toBe(0);
        expect(h.deleteTopic().stdout).toContain("still claimed by 1 newer resource(s)");
        expect(fs.existsSync(h.topic)).toBe(true);
        // Removed with opt-in while another topic stays declared: the reconcile update forgets it
        // first (deletes come last in a run), and its delete then deletes it.
        expect(h.reconcile(["topic-U"], "update").stdout).toContain("claims: forgot topic-T");
        expect(h.deleteTopic().status).toBe(0);
        expect(fs.existsSync(h.topic)).toBe(false);
    });

    test("up --replace of the reconcile command forgets nothing", () => {
        const h = topicHost();
        h.apply();
        h.reconcile(["topic-T"], "create");
        h.reconcile(["topic-T"], "create");
        expect(h.deleteReconcile().stdout).toContain("still claimed by 1 newer resource(s)");
        expect(h.s.count("topic-T")).toBe("1");
    });
});

describe("claim scripts", () => {
    test("the tool and the inline functions name the same root-only directory", () => {
        const tool = hostTools(contextOf(existingRaw())).find((t) => t.name === "rmq-claim")!.content;
        expect(tool).toContain(`dir=${CLAIMS_DIR} `);
        expect(tool).toMatch(/\nrmq_claim "\$@"\n$/);
        expect(claimedCreateScript({ key: "k" })).not.toContain('rmq_claim "$@"');
        expect(claimedCreateScript({ key: "k" })).toMatch(/^set -euo pipefail\nrmq_claim\(\) \{\n/);
        expect(CLAIMS_DIR.startsWith("/var/lib/")).toBe(true);
    });

    test("keys name things, never shell text; a claim needs a remove and a create that runs", () => {
        expect(() => claimedCreateScript({ key: "a b" })).toThrow(/letters, digits/);
        expect(() => claimedUpdateScript({ key: "$(id)" })).toThrow(/letters, digits/);
        expect(() => claimedRemoveScript({ key: "../x" }, "true")).toThrow(/letters, digits/);
        expect(() => claimedRemoveScript({ key: "k" }, "true\nRMQ_REMOVE_EOF\n")).toThrow(/RMQ_REMOVE_EOF/);
        expect(() => hostCommandLines("x", "root", { claim: { key: "k" } })).toThrow(/needs a create that runs and a remove/);
        expect(() => hostCommandLines("x", "root", { claim: { key: "k" }, remove: "true", updateOnly: true })).toThrow(/needs/);
    });

    test("topics and groups: the key is KIND-NAME, other characters as .XX, so no two names share one", () => {
        expect(claimKeyOf("topic", "Orders_1-x")).toBe("topic-Orders_1-x");
        expect(claimKeyOf("topic", "%RETRY%g|x")).toBe("topic-.25RETRY.25g.7cx");
        const names = ["a|b", "a.7cb", "a%b", "a.25b", "ab", "a_b", "a-b", "%", "|", "a||", "a|.7c"];
        const keys = names.map((n) => claimKeyOf("group", n));
        expect(new Set(keys).size).toBe(names.length);
        for (const k of keys) expect(() => claimedCreateScript({ key: k })).not.toThrow();
    });

    test("commands without a claim are unchanged: stdin to bash, delete inline", () => {
        expect(hostCommandLines("x", "root", { remove: "rm -f /x", updateArgs: "stage" })).toEqual({
            create: "bash -s",
            update: "bash -s -- stage",
            delete: `echo ${Buffer.from("rm -f /x").toString("base64")} | base64 -d | bash -s`,
        });
    });

    test("shellcheck: the wrappers are clean bash", () => {
        const claim = { key: "k", serviceRemove: { deployed: "/app/rocketmq/instances/k" } };
        for (const text of [claimedCreateScript(claim), claimedUpdateScript(claim), claimedRemoveScript({ key: "k" }, "rm -rf /x\n")]) {
            const r = spawnSync("shellcheck", ["-s", "bash", "-"], { input: text, encoding: "utf8" });
            expect(r.stdout).toBe("");
            expect(r.status).toBe(0);
        }
    });
});

describe("uninstall removes instances no resource owns (a create that failed is not in the state)", () => {
    test("unclaimed instances (count 0 or no count) are removed; a claimed one stays", () => {
        const script = uninstallScript(contextOf(existingRaw()), 0, false);
        const fn = script.slice(script.indexOf("remove_orphans() {"), script.indexOf("remove_orphans /var/lib/rocketmq-pulumi/claims"));
        expect(fn.length).toBeGreaterThan(50);
        // It runs before bin (and rmq-service with it) is removed.
        expect(script.indexOf("remove_orphans /var/lib")).toBeLessThan(script.indexOf('rm -rf "${root:?}/bin"'));
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rmq-orphans-"));
        try {
            const root = path.join(dir, "rocketmq");
            const claims = path.join(dir, "claims");
            fs.mkdirSync(path.join(root, "bin"), { recursive: true });
            fs.mkdirSync(claims);
            for (const id of ["broker-a", "dashboard", "namesrv-worker1"])
                fs.mkdirSync(path.join(root, "instances", id), { recursive: true });
            fs.writeFileSync(path.join(claims, "instance-broker-a"), "1\n");
            fs.writeFileSync(path.join(claims, "instance-namesrv-worker1"), "0\n");
            fs.writeFileSync(path.join(root, "bin", "rmq-service"), `#!/usr/bin/env bash\necho "$*" >>${dir}/calls\n`, { mode: 0o755 });
            const r = spawnSync("bash", ["-c", `set -euo pipefail\nroot=${root}\n${fn}\nremove_orphans ${claims}`], { encoding: "utf8" });
            expect(r.stderr).toBe("");
            expect(r.status).toBe(0);
            expect(fs.readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n").sort()).toEqual([
                "remove dashboard",
                "remove namesrv-worker1",
            ]);
            expect(r.stdout).toContain("worker1: dashboard belongs to no resource (its create failed): stopped and removed");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
