// Where instances live cannot change under a running cluster (planning/layout.ts): the preview refuses
// it, naming the key, the deployed value, the new value and the way to do it; and two brokers on one
// host never share a store path (planning/sizing.ts).
import { ConfigError } from "../../config/errors";
import { RawConfig, validateConfig } from "../../config/validate";
import { Layout, checkLayoutChange, layoutChangeProblems, layoutOf } from "../../planning/layout";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { findInstance, planCluster } from "../../planning/topology";
import { existingRaw } from "./fixtures";
import * as R from "./render";
import { contextOf } from "./scripts";

const planOf = (raw: RawConfig) => {
    const cfg = validateConfig(raw);
    return { cfg, plan: planCluster(cfg) };
};
const recorded = (raw: RawConfig): Layout => {
    const { cfg, plan } = planOf(raw);
    // Through JSON, as the stack output comes back.
    return JSON.parse(JSON.stringify(layoutOf(cfg, plan))) as Layout;
};
const problemsFor = (before: RawConfig, after: RawConfig) => {
    const { cfg, plan } = planOf(after);
    return layoutChangeProblems(recorded(before), undefined, cfg, plan);
};
const props = (p: Record<string, string>) => JSON.stringify(p);
const inst = (id: string, p: Record<string, string>) => JSON.stringify({ [id]: { properties: p } });

describe("a running cluster's layout", () => {
    test("the same config, a heap, a property or a version within its family: nothing refused", () => {
        const base = existingRaw();
        expect(problemsFor(base, base)).toEqual([]);
        expect(problemsFor(base, existingRaw({ brokerHeap: "1g" }))).toEqual([]);
        expect(problemsFor(base, existingRaw({ brokerProperties: props({ flushDiskType: "SYNC_FLUSH" }) }))).toEqual([]);
        expect(problemsFor(existingRaw({ version: "5.3.3" }), existingRaw({ version: "5.5.0" }))).toEqual([]);
        // The path each store already resolves to, now spelled out: no move, nothing refused.
        expect(
            problemsFor(base, existingRaw({ instances: inst("broker-a", { storePathCommitLog: "/app/rocketmq/store/commitlog" }) })),
        ).toEqual([]);
    });

    test("storeRoot: refused, naming the deployed and the new root and what to do instead", () => {
        const p = problemsFor(existingRaw(), existingRaw({ storeRoot: "/data/rocketmq" }));
        expect(p).toHaveLength(1);
        expect(p[0].key).toBe("storeRoot");
        expect(p[0].value).toBe("/data/rocketmq");
        expect(p[0].allowed).toContain("the running cluster's /app/rocketmq");
        expect(p[0].allowed).toMatch(/empty stores.*mount the new disk at the same path/);
    });

    test("a store path of one broker, per instance or stack-wide: refused under the key that moved it", () => {
        const one = problemsFor(existingRaw(), existingRaw({ instances: inst("broker-b-s", { storePathRootDir: "/app/rocketmq/b-s" }) }));
        expect(one.map((p) => p.key)).toEqual(["instances.broker-b-s.properties.storePathRootDir"]);
        expect(one[0].allowed).toContain("broker-b-s storePathRootDir=/app/rocketmq/storeSlave");
        expect(one[0].value).toBe("broker-b-s storePathRootDir=/app/rocketmq/b-s");

        const log = problemsFor(existingRaw(), existingRaw({ instances: inst("broker-a", { storePathCommitLog: "/data/commitlog-a" }) }));
        expect(log.map((p) => p.key)).toEqual(["instances.broker-a.properties.storePathCommitLog"]);

        // Stack-wide, in a DLedger group (one broker per host, so no collision): said once, under its key.
        const dledger = (over: RawConfig) => existingRaw({ topology: "dledger", ...over });
        const wide = problemsFor(dledger({}), dledger({ brokerProperties: props({ storePathCommitLog: "/data/commitlog" }) }));
        expect(wide.map((p) => p.key)).toEqual(["brokerProperties.storePathCommitLog"]);
        expect(wide[0].allowed).toContain("n0 storePathCommitLog=/app/rocketmq/store/commitlog");
    });

    test("topology, host names, appRoot, serviceUser, clusterName, dataDevice, hostMode: refused", () => {
        const cases: [RawConfig, string][] = [
            [{ topology: "dledger" }, "topology"],
            [{ appRoot: "/opt" }, "appRoot"],
            [{ serviceUser: "rmq" }, "serviceUser"],
            [{ clusterName: "other" }, "clusterName"],
            [{ dataDevice: "nvme1n1" }, "dataDevice"],
        ];
        for (const [over, key] of cases) {
            const p = problemsFor(existingRaw(), existingRaw(over));
            expect(p.map((x) => x.key)).toContain(key);
            expect(p.find((x) => x.key === key)!.allowed).toMatch(/recorded by the last `pulumi up`.*refused, /);
        }
        const renamed = JSON.parse(existingRaw().hosts as string) as { name: string }[];
        renamed[2].name = "worker9";
        const p = problemsFor(existingRaw(), existingRaw({ hosts: JSON.stringify(renamed) }));
        expect(p.map((x) => x.key)).toContain("hosts");
    });

    test("stacks deployed before the layout was recorded: the topology output alone still guards the topology", () => {
        const { cfg, plan } = planOf(existingRaw({ topology: "dledger" }));
        expect(layoutChangeProblems(undefined, "2m-2s-async", cfg, plan).map((p) => p.key)).toEqual(["topology"]);
        expect(layoutChangeProblems(undefined, undefined, cfg, plan)).toEqual([]);
        expect(() => checkLayoutChange(undefined, "2m-2s-async", cfg, plan)).toThrow(ConfigError);
        expect(() => checkLayoutChange(undefined, "2m-2s-async", cfg, plan)).toThrow(
            /rocketmq:topology = "dledger": the running cluster's 2m-2s-async .* Deploy the new topology as a new stack/,
        );
    });

    test("a layout recorded by an older release (fields missing) compares only what it has", () => {
        const { cfg, plan } = planOf(existingRaw({ serviceUser: "rmq" }));
        expect(layoutChangeProblems({ topology: "2m-2s-async", storeRoot: "/app/rocketmq" }, undefined, cfg, plan)).toEqual([]);
    });
});

describe("two brokers on one host never share a store path", () => {
    const problems = (raw: RawConfig) => {
        try {
            planOf(raw);
            return [];
        } catch (e) {
            return (e as ConfigError).problems;
        }
    };
    test("a stack-wide storePathCommitLog puts both brokers of a host on one commit log: refused at preview", () => {
        const p = problems(existingRaw({ brokerProperties: props({ storePathCommitLog: "/data/commitlog" }) }));
        expect(p.length).toBeGreaterThan(0);
        expect(p[0].key).toBe("brokerProperties.storePathCommitLog");
        expect(p[0].allowed).toMatch(/uses \/data\/commitlog .*set storePathCommitLog per instance/);
    });
    test("a commit log inside the other broker's store: refused", () => {
        const p = problems(existingRaw({ instances: inst("broker-b-s", { storePathCommitLog: "/app/rocketmq/store/commitlog-b" }) }));
        expect(p.map((x) => x.key)).toEqual(["instances.broker-b-s.properties.storePathCommitLog"]);
    });
    test("per-broker commit logs on other paths: accepted", () => {
        expect(
            problems(
                existingRaw({
                    instances: JSON.stringify({
                        "broker-a": { properties: { storePathCommitLog: "/data/a/commitlog" } },
                        "broker-b-s": { properties: { storePathCommitLog: "/data/b-s/commitlog" } },
                    }),
                }),
            ),
        ).toEqual([]);
    });
});

describe("on the host: a broker's deploy refuses to move its store, whoever asked (a program of components too)", () => {
    /** broker-a's deploy script (its store guard alone), run against a live broker.properties. */
    const guard = (over: RawConfig, live: string | undefined) => {
        const ctx = contextOf(existingRaw(over));
        const script = R.instanceDeployScript(ctx, findInstance(ctx.plan, "broker-a")!);
        const start = script.indexOf('if [ -f "$dir/broker.properties" ]; then');
        // The store-path guard and the name guard after it.
        const end = script.indexOf("RMQ_EOF\nfi\n", script.indexOf("RMQ_EOF\nfi\n", start) + 1) + "RMQ_EOF\nfi\n".length;
        expect(start).toBeGreaterThan(0);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rmq-store-guard-"));
        try {
            if (live !== undefined) fs.writeFileSync(path.join(dir, "broker.properties"), live);
            return spawnSync("bash", ["-c", `set -euo pipefail\nid=broker-a\ndir=${dir}\n${script.slice(start, end)}\necho PASSED`], {
                encoding: "utf8",
            });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    };
    const LIVE = "brokerName=broker-a\nstorePathRootDir=/app/rocketmq/store\nstorePathCommitLog=/app/rocketmq/store/commitlog\n";

    test("the same paths, or no broker deployed yet: goes on", () => {
        expect(guard({}, LIVE).stdout).toContain("PASSED");
        expect(guard({}, undefined).stdout).toContain("PASSED");
        // A key the live file does not set is where RocketMQ puts it: under the live root.
        expect(guard({}, "storePathRootDir=/app/rocketmq/store\n").stdout).toContain("PASSED");
    });

    test("another root or commit log: refused before anything is written, naming the key and both paths", () => {
        const moved = guard({ storeRoot: "/data/rocketmq" }, LIVE);
        expect(moved.status).toBe(1);
        expect(moved.stdout).not.toContain("PASSED");
        expect(moved.stderr).toContain(
            "rmq-deploy: refused on worker2: broker-a's storePathRootDir is /app/rocketmq/store on the running broker, the change makes it /data/rocketmq/store; nothing was changed: the broker would restart on an empty store",
        );
        const cl = guard({ instances: JSON.stringify({ "broker-a": { properties: { storePathCommitLog: "/data/cl" } } }) }, LIVE);
        expect(cl.status).toBe(1);
        expect(cl.stderr).toContain(
            "broker-a's storePathCommitLog is /app/rocketmq/store/commitlog on the running broker, the change makes it /data/cl",
        );
        // Set on the live broker, gone from the new files: back to the default is a move too.
        const back = guard({}, `${LIVE}storePathIndex=/data/index\n`);
        expect(back.status).toBe(1);
        expect(back.stderr).toContain("storePathIndex is /data/index on the running broker, the change makes it /app/rocketmq/store/index");
    });

    test("another cluster or group name on a running broker: refused, naming the key and both names", () => {
        const cluster = guard({ clusterName: "other-cluster" }, `${LIVE}brokerClusterName=rocketmq-cluster\n`);
        expect(cluster.status).toBe(1);
        expect(cluster.stderr).toContain(
            "broker-a's brokerClusterName is rocketmq-cluster on the running broker, the change makes it other-cluster; nothing was changed: brokers register by cluster name",
        );
        const renamed = guard({}, `${LIVE}brokerClusterName=rocketmq-cluster\n`.replace("brokerName=broker-a", "brokerName=old-a"));
        expect(renamed.status).toBe(1);
        expect(renamed.stderr).toContain(
            "broker-a's brokerName is old-a on the running broker, the change makes it broker-a; nothing was changed: a group registers",
        );
        expect(guard({}, `${LIVE}brokerClusterName=rocketmq-cluster\n`).stdout).toContain("PASSED");
    });

    test("the guard comes before the first directory or file is made", () => {
        const ctx = contextOf(existingRaw());
        const script = R.instanceDeployScript(ctx, findInstance(ctx.plan, "broker-a")!);
        expect(script.indexOf('if [ -f "$dir/broker.properties" ]; then')).toBeLessThan(script.indexOf("install -d"));
        // A name server has no store: no store guard (its clash guard checks its port alone).
        expect(R.instanceDeployScript(ctx, findInstance(ctx.plan, "namesrv-worker1")!)).not.toContain("live_root=");
    });
});

describe("on the host: a new instance never takes the ports or store of another instance of the host", () => {
    /**
     * INSTANCE's deploy script, up to its first write, run against a host root holding OTHERS
     * (instance id -> its live properties file name and text).
     */
    const deploy = (instance: string, others: Record<string, [string, string]>) => {
        const ctx = contextOf(existingRaw());
        const script = R.instanceDeployScript(ctx, findInstance(ctx.plan, instance)!);
        const end = script.indexOf('install -d -m 0755 "$dir"');
        expect(end).toBeGreaterThan(0);
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "rmq-clash-guard-"));
        try {
            for (const [id, [file, text]] of Object.entries(others)) {
                fs.mkdirSync(path.join(root, "instances", id), { recursive: true });
                fs.writeFileSync(path.join(root, "instances", id, file), text);
            }
            const prefix = script.slice(0, end).replace(/^root=.*$/m, `root=${root}`);
            return spawnSync("bash", ["-c", `${prefix}\necho PASSED`], { encoding: "utf8" });
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    };
    const broker = (port: number, root: string, extra = "") =>
        ["broker.properties", `listenPort=${port}\nstorePathRootDir=${root}\n${extra}`] as [string, string];

    test("its own earlier files, and the other instances of the topology: goes on", () => {
        // worker2 runs broker-a (10911, store) and broker-b-s (11011, storeSlave).
        const r = deploy("broker-a", {
            "broker-a": broker(10911, "/app/rocketmq/store"),
            "broker-b-s": broker(11011, "/app/rocketmq/storeSlave"),
        });
        expect(r.stderr).toBe("");
        expect(r.stdout).toContain("PASSED");
        expect(deploy("namesrv-worker1", { "namesrv-worker1": ["namesrv.properties", "listenPort=9876\n"] }).stdout).toContain("PASSED");
    });

    test("another id on the same store (a renamed broker or group, a switched topology): refused before anything is written", () => {
        const r = deploy("broker-a", { "old-a": broker(12911, "/app/rocketmq/store") });
        expect(r.status).toBe(1);
        expect(r.stdout).not.toContain("PASSED");
        expect(r.stderr).toContain(
            "rmq-deploy: refused on worker2: broker-a would take the store path /app/rocketmq/store (old-a's storePathRootDir is /app/rocketmq/store), which old-a, deployed on this host, holds; nothing was changed: it could not start beside it",
        );
        // A commit log of another broker inside this one's store.
        const cl = deploy("broker-a", { other: broker(12911, "/data/other", "storePathCommitLog=/app/rocketmq/store/commitlog\n") });
        expect(cl.status).toBe(1);
        expect(cl.stderr).toContain("other's storePathCommitLog is /app/rocketmq/store/commitlog");
    });

    test("another id on its ports: refused, naming the port", () => {
        // The HA port (listenPort+1) of a broker listening on 10910.
        const r = deploy("broker-a", { moved: broker(10910, "/data/moved") });
        expect(r.status).toBe(1);
        expect(r.stderr).toContain("broker-a would take the port 10911, which moved, deployed on this host, holds");
        const ns = deploy("namesrv-worker1", { "namesrv-old": ["namesrv.properties", "listenPort=9876\n"] });
        expect(ns.status).toBe(1);
        expect(ns.stderr).toContain("namesrv-worker1 would take the port 9876, which namesrv-old, deployed on this host, holds");
    });
});

describe("on the host: who runs an instance, from where and on which release stay the running one's", () => {
    /** INSTANCE's deploy script up to its first write, run against a host root holding FILES (path under the root -> text). */
    const deploy = (over: RawConfig, files: Record<string, string>) => {
        const ctx = contextOf(existingRaw(over));
        const script = R.instanceDeployScript(ctx, findInstance(ctx.plan, "broker-a")!);
        const end = script.indexOf('install -d -m 0755 "$dir"');
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "rmq-fixed-guard-"));
        try {
            for (const [file, text] of Object.entries(files)) {
                fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
                fs.writeFileSync(path.join(root, file), text);
            }
            const prefix = script.slice(0, end).replace(/^root=.*$/m, `root=${root}`);
            return spawnSync("bash", ["-c", `${prefix}\necho PASSED`], { encoding: "utf8" });
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    };
    const unit = (user: string, dir: string) => `[Service]\nUser=${user}\nGroup=${user}\nExecStart=${dir}/run.sh\n`;
    const launcher = (dist: string) => `#!/usr/bin/env bash\nexport ROCKETMQ_HOME=/app/rocketmq/versions/${dist}\n`;
    const UNIT = "instances/broker-a/rocketmq-broker-a.service";
    const RUN = "instances/broker-a/run.sh";

    test("the same user, root and release family (5.3.3 -> 5.5.0): goes on", () => {
        const r = deploy(
            {},
            { [UNIT]: unit("oper", "/app/rocketmq/instances/broker-a"), [RUN]: launcher("rocketmq-all-5.3.3-bin-release") },
        );
        expect(r.stderr).toBe("");
        expect(r.stdout).toContain("PASSED");
    });

    test("another service user, app root or release family: refused, naming the key, both values and the way", () => {
        const user = deploy({ serviceUser: "rmq" }, { [UNIT]: unit("oper", "/app/rocketmq/instances/broker-a") });
        expect(user.status).toBe(1);
        expect(user.stderr).toContain(
            "rmq-deploy: refused on worker2: broker-a's serviceUser is oper on the running instance, the change makes it rmq; nothing was changed: the stores",
        );
        const root = deploy({}, { [UNIT]: unit("oper", "/opt/rocketmq/instances/broker-a") });
        expect(root.status).toBe(1);
        expect(root.stderr).toContain(
            "broker-a's appRoot is /opt on the running instance, the change makes it /app; nothing was changed: every installed release",
        );
        const down = deploy({ version: "4.9.7" }, { [RUN]: launcher("rocketmq-all-5.5.0-bin-release") });
        expect(down.status).toBe(1);
        expect(down.stderr).toContain(
            "broker-a's version is 5.5.0 on the running instance, the change makes it 4.9.7; nothing was changed: unsafe: 4.9.7 cannot read",
        );
        expect(down.stdout).not.toContain("PASSED");
    });
});

describe("on the host: OS tuning keeps the service user the instances run as", () => {
    /** The os-tuning guard (before the user is made), run with APP as appRoot, whose rocketmq/run OWNER owns. */
    const guard = (serviceUser: string, owner: "nobody" | undefined) => {
        const app = fs.mkdtempSync(path.join(os.tmpdir(), "rmq-os-guard-"));
        try {
            const script = R.osTuningScript(contextOf(existingRaw({ appRoot: app, serviceUser })), 0);
            const start = script.indexOf(`if [ -d ${app}/rocketmq/run ]`);
            const end = script.indexOf("# Service user: no password");
            expect(start).toBeGreaterThan(0);
            if (owner) {
                fs.mkdirSync(path.join(app, "rocketmq", "run"), { recursive: true });
                // As root: nobody's; otherwise the directory is this (non-root) user's: not oper either way.
                if (process.getuid?.() === 0) fs.chownSync(path.join(app, "rocketmq", "run"), 65534, 65534);
            }
            return spawnSync("bash", ["-c", `set -euo pipefail\nuser=${serviceUser}\n${script.slice(start, end)}\necho PASSED`], {
                encoding: "utf8",
            });
        } finally {
            fs.rmSync(app, { recursive: true, force: true });
        }
    };

    test("a first run, or the same user: goes on", () => {
        expect(guard("oper", undefined).stdout).toContain("PASSED");
    });

    test("another user than the one owning run/: refused before the user is made, naming both", () => {
        const r = guard("oper", "nobody");
        expect(r.status).toBe(1);
        expect(r.stdout).not.toContain("PASSED");
        expect(r.stderr).toMatch(
            /os-tuning: refused on worker1: serviceUser is \S+ on this host \(the owner of \S+\/rocketmq\/run\), the change makes it oper; nothing was changed: the stores/,
        );
    });
});
