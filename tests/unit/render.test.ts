// Rendered files compared key by key with the guide's values (with the corrections this project
// makes: key spellings the version reads, consume-queue size in bytes, explicit broker IPs).
import * as fs from "fs";
import * as path from "path";
import { brokerKeys } from "../../config/brokerKeys";
import { DEFAULT_VERSION, SUPPORTED_VERSIONS, TOPOLOGIES } from "../../config/schema";
import { validateConfig } from "../../config/validate";
import { RawConfig } from "../../config/validate";
import {
    RenderContext,
    hostTools,
    installScript,
    instanceDeployScript,
    instanceFiles,
    osTuningScript,
    renderBrokerProperties,
    expectedBrokers,
    renderLauncher,
    rollArgs,
} from "./render";
import { rollingOrder } from "../../planning/rolling";
import { BrokerPlan, allBrokers, planCluster } from "../../planning/topology";
import { existingRaw, parseProperties } from "./fixtures";

/** Hosts 10.0.0.11-13; clients told the same addresses (the default) or CLIENT_NET.11-13. */
function context(over: RawConfig = {}, clientNet = "10.0.0"): RenderContext {
    const cfg = validateConfig(existingRaw(over));
    return {
        cfg,
        plan: planCluster(cfg),
        hosts: [1, 2, 3].map((i) => ({
            name: `worker${i}`,
            privateAddress: `10.0.0.${10 + i}`,
            clientAddress: `${clientNet}.${10 + i}`,
            cpus: 4,
            memoryMiB: 8192,
        })),
    };
}
const broker = (ctx: RenderContext, id: string) => allBrokers(ctx.plan).find((b) => b.id === id) as BrokerPlan;
const props = (ctx: RenderContext, id: string) => parseProperties(renderBrokerProperties(ctx, broker(ctx, id)));

// The guide's broker-a.properties, as RocketMQ 5.3.3 reads it.
const GUIDE_COMMON = {
    brokerClusterName: "rocketmq-cluster",
    namesrvAddr: "worker1:9876;worker2:9876;worker3:9876",
    defaultTopicQueueNums: "4",
    autoCreateTopicEnable: "true",
    autoCreateSubscriptionGroup: "true",
    deleteWhen: "04",
    fileReservedTime: "120",
    mappedFileSizeCommitLog: "1073741824",
    // The guide's "300000" meant entries; the setting is bytes at 20 per entry.
    mappedFileSizeConsumeQueue: "6000000",
    diskMaxUsedSpaceRatio: "88",
    // Upstream's 4 MiB, not the guide's 65536 (which rejects every message or batch over 64 KiB).
    maxMessageSize: "4194304",
    flushDiskType: "ASYNC_FLUSH",
    sendMessageThreadPoolNums: "4",
};
const store = (root: string) => ({ storePathRootDir: root, storePathCommitLog: `${root}/commitlog` });

describe("broker properties, key by key (RocketMQ 5.3.3)", () => {
    const ctx = context();
    test("broker-a (worker2, master)", () => {
        expect(props(ctx, "broker-a")).toEqual({
            ...GUIDE_COMMON,
            brokerName: "broker-a",
            brokerId: "0",
            brokerIP1: "10.0.0.12",
            brokerIP2: "10.0.0.12",
            listenPort: "10911",
            brokerRole: "ASYNC_MASTER",
            ...store("/app/rocketmq/store"),
        });
    });
    test("broker-a-s (worker3, slave)", () => {
        expect(props(ctx, "broker-a-s")).toEqual({
            ...GUIDE_COMMON,
            brokerName: "broker-a",
            brokerId: "1",
            brokerIP1: "10.0.0.13",
            brokerIP2: "10.0.0.13",
            listenPort: "11011",
            brokerRole: "SLAVE",
            ...store("/app/rocketmq/storeSlave"),
        });
    });
    test("broker-b (worker3, master)", () => {
        expect(props(ctx, "broker-b")).toEqual({
            ...GUIDE_COMMON,
            brokerName: "broker-b",
            brokerId: "0",
            brokerIP1: "10.0.0.13",
            brokerIP2: "10.0.0.13",
            listenPort: "10911",
            brokerRole: "ASYNC_MASTER",
            ...store("/app/rocketmq/store"),
        });
    });
    test("broker-b-s (worker2, slave)", () => {
        expect(props(ctx, "broker-b-s")).toEqual({
            ...GUIDE_COMMON,
            brokerName: "broker-b",
            brokerId: "1",
            brokerIP1: "10.0.0.12",
            brokerIP2: "10.0.0.12",
            listenPort: "11011",
            brokerRole: "SLAVE",
            ...store("/app/rocketmq/storeSlave"),
        });
    });
});

describe("broker properties, key by key (RocketMQ 5.5.0: the same as 5.3.3)", () => {
    const ctx = context({ version: "5.5.0" });
    test.each([
        ["broker-a", "broker-a", "0", "10.0.0.12", "10911", "ASYNC_MASTER", "/app/rocketmq/store"],
        ["broker-a-s", "broker-a", "1", "10.0.0.13", "11011", "SLAVE", "/app/rocketmq/storeSlave"],
        ["broker-b", "broker-b", "0", "10.0.0.13", "10911", "ASYNC_MASTER", "/app/rocketmq/store"],
        ["broker-b-s", "broker-b", "1", "10.0.0.12", "11011", "SLAVE", "/app/rocketmq/storeSlave"],
    ])("%s", (id, brokerName, brokerId, ip, listenPort, brokerRole, root) => {
        expect(props(ctx, id)).toEqual({
            ...GUIDE_COMMON,
            brokerName,
            brokerId,
            brokerIP1: ip,
            brokerIP2: ip,
            listenPort,
            brokerRole,
            ...store(root),
        });
    });
    test("DLedger n0", () => {
        const d = context({ version: "5.5.0", topology: "dledger" });
        expect(props(d, "n0")).toEqual({
            ...GUIDE_COMMON,
            brokerName: "RaftNode00",
            brokerIP1: "10.0.0.11",
            brokerIP2: "10.0.0.11",
            listenPort: "30911",
            ...store("/app/rocketmq/store"),
            enableDLegerCommitLog: "true",
            dLegerGroup: "RaftNode00",
            dLegerPeers: "n0-worker1:40911;n1-worker2:40911;n2-worker3:40911",
            dLegerSelfId: "n0",
        });
    });
    test("launcher runs the 5.5.0 distribution", () => {
        expect(renderLauncher(ctx, broker(ctx, "broker-a"))).toContain(
            "export ROCKETMQ_HOME=/app/rocketmq/versions/rocketmq-all-5.5.0-bin-release",
        );
    });
});

describe("every key written is one the version reads, once", () => {
    const cases = SUPPORTED_VERSIONS.flatMap((version) => TOPOLOGIES.map((topology) => [version, topology] as const));
    test.each(cases)("%s %s", (version, topology) => {
        const ctx = context({ version, topology, brokerProperties: JSON.stringify({ traceTopicEnable: "true", fileReservedTime: "72" }) });
        for (const b of allBrokers(ctx.plan)) {
            const keys = renderBrokerProperties(ctx, b)
                .split("\n")
                .filter((l) => l !== "" && !l.startsWith("#"))
                .map((l) => l.slice(0, l.indexOf("=")));
            expect([b.id, keys.filter((k) => !brokerKeys(version).has(k))]).toEqual([b.id, []]);
            expect([b.id, keys.filter((k, i) => keys.indexOf(k) !== i)]).toEqual([b.id, []]);
        }
    });
});

describe("DLedger nodes n0..n2", () => {
    const ctx = context({ topology: "dledger" });
    test.each([
        ["n0", "10.0.0.11"],
        ["n1", "10.0.0.12"],
        ["n2", "10.0.0.13"],
    ])("%s", (id, ip) => {
        const { brokerRole, ...common } = GUIDE_COMMON as Record<string, string>;
        expect(brokerRole).toBeUndefined();
        expect(props(ctx, id)).toEqual({
            ...common,
            brokerName: "RaftNode00",
            brokerIP1: ip,
            brokerIP2: ip,
            listenPort: "30911",
            ...store("/app/rocketmq/store"),
            enableDLegerCommitLog: "true",
            dLegerGroup: "RaftNode00",
            dLegerPeers: "n0-worker1:40911;n1-worker2:40911;n2-worker3:40911",
            dLegerSelfId: id,
        });
    });
});

describe("versions and overrides", () => {
    test("4.9.7 writes what 5.3.3 writes plus rocketmqHome, the instance directory (its logback lives in conf/ there)", () => {
        const ctx = context({ version: "4.9.7" });
        expect(props(ctx, "broker-a")).toEqual({
            ...GUIDE_COMMON,
            brokerName: "broker-a",
            brokerId: "0",
            brokerIP1: "10.0.0.12",
            brokerIP2: "10.0.0.12",
            listenPort: "10911",
            brokerRole: "ASYNC_MASTER",
            ...store("/app/rocketmq/store"),
            rocketmqHome: "/app/rocketmq/instances/broker-a",
        });
        expect(instanceFiles(ctx, broker(ctx, "broker-a")).map((f) => f.name)).toEqual([
            "broker.properties",
            "conf/logback_broker.xml",
            "run.sh",
            "rocketmq-broker-a.service",
        ]);
        const v5 = context();
        expect(instanceFiles(v5, broker(v5, "broker-a")).map((f) => f.name)).toEqual([
            "broker.properties",
            "rmq.broker.logback.xml",
            "run.sh",
            "rocketmq-broker-a.service",
        ]);
    });
    test("stack-wide and per-instance overrides replace templated values and add new keys once", () => {
        const ctx = context({
            brokerProperties: JSON.stringify({ fileReservedTime: "72", traceTopicEnable: "true" }),
            instances: JSON.stringify({ "broker-a": { properties: { fileReservedTime: "24" } } }),
        });
        const text = renderBrokerProperties(ctx, broker(ctx, "broker-a"));
        expect(text.match(/^fileReservedTime=/gm)).toHaveLength(1);
        expect(props(ctx, "broker-a").fileReservedTime).toBe("24");
        expect(props(ctx, "broker-b").fileReservedTime).toBe("72");
        expect(props(ctx, "broker-b").traceTopicEnable).toBe("true");
    });
    test("prod-like config turns auto-creation off", () => {
        const ctx = context({ autoCreateTopicEnable: "false", autoCreateSubscriptionGroup: "false" });
        expect(props(ctx, "broker-a").autoCreateTopicEnable).toBe("false");
        expect(props(ctx, "broker-a").autoCreateSubscriptionGroup).toBe("false");
    });
});

describe("JVM tuning per role", () => {
    // 16 GiB hosts: two brokers of 2g take 8g with their direct memory.
    const big = (JSON.parse(existingRaw().hosts as string) as object[]).map((h) => ({ ...h, memoryMiB: 16384 }));
    const ctx = context({ namesrvHeap: "512m", brokerHeap: "2g", hosts: JSON.stringify(big) });
    const launcher = (id: string) => renderLauncher(ctx, [...ctx.plan.nameServers, ...allBrokers(ctx.plan)].find((i) => i.id === id)!);
    test("name server: the guide's 512m and metaspace, G1, GC logs 5 x 30M, JDK 17 access", () => {
        const text = launcher("namesrv-worker1");
        for (const opt of [
            "-Xms512m",
            "-Xmx512m",
            "-XX:MetaspaceSize=128m",
            "-XX:MaxMetaspaceSize=320m",
            "-XX:+UseG1GC",
            "filecount=5,filesize=30M",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
        ])
            expect(text).toContain(opt);
        expect(text).toContain("org.apache.rocketmq.namesrv.NamesrvStartup -c /app/rocketmq/instances/namesrv-worker1/namesrv.properties");
        expect(text).toContain("file=/app/rocketmq/logs/namesrv-worker1/gc.log");
    });
    test("broker: sized heap, the guide's G1 settings, direct memory", () => {
        const text = launcher("broker-a");
        for (const opt of [
            "-Xms2g",
            "-Xmx2g",
            "-XX:G1HeapRegionSize=16m",
            "-XX:G1ReservePercent=25",
            "-XX:InitiatingHeapOccupancyPercent=30",
            "-XX:SoftRefLRUPolicyMSPerMB=0",
            "-XX:MaxDirectMemorySize=2g",
        ])
            expect(text).toContain(opt);
        expect(text).toContain("org.apache.rocketmq.broker.BrokerStartup -c /app/rocketmq/instances/broker-a/broker.properties");
        expect(text).toContain(`export ROCKETMQ_HOME=/app/rocketmq/versions/rocketmq-all-${DEFAULT_VERSION}-bin-release`);
    });
    test("per-instance heap", () => {
        const c = context({ instances: JSON.stringify({ "broker-a": { heap: "640m" } }) });
        expect(renderLauncher(c, broker(c, "broker-a"))).toContain("-Xmx640m");
        expect(renderLauncher(c, broker(c, "broker-b"))).not.toContain("-Xmx640m");
    });
});

describe("host scripts", () => {
    const ctx = context();
    test("os tuning: user without password, sysctl (os.sh + guide), limits, /etc/hosts block", () => {
        const s = osTuningScript(ctx, 1);
        expect(s).toContain('useradd --create-home --shell /bin/bash "$user"');
        expect(s).toContain("passwd -l");
        for (const line of [
            "vm.overcommit_memory = 1",
            "vm.zone_reclaim_mode = 0",
            "vm.max_map_count = 655360",
            "vm.dirty_background_ratio = 50",
            "vm.dirty_ratio = 50",
            "vm.dirty_writeback_centisecs = 360000",
            "vm.page-cluster = 3",
            "vm.swappiness = 10",
        ])
            expect(s).toContain(line);
        expect(s).toContain("oper soft nofile 655350");
        expect(s).toContain("oper hard nofile 655350");
        expect(s).toContain("10.0.0.11 worker1\n10.0.0.12 worker2\n10.0.0.13 worker3");
        expect(s).toContain("/etc/sysctl.d/60-rocketmq.conf");
    });
    test("sysctl overrides merge over the defaults", () => {
        expect(osTuningScript(context({ sysctl: JSON.stringify({ "vm.swappiness": "1" }) }), 0)).toContain("vm.swappiness = 1\n");
    });
    test("install: verifies sha512 before unpacking; download or upload", () => {
        const s = installScript(ctx, 0);
        expect(s).toContain(`want=${"a".repeat(128)}`);
        expect(s).toContain(`https://archive.apache.org/dist/rocketmq/${DEFAULT_VERSION}/rocketmq-all-${DEFAULT_VERSION}-bin-release.zip`);
        expect(s.indexOf('sha512sum "$archive.part"')).toBeLessThan(s.indexOf("unzip -q"));
        const up = installScript(context({ localArchive: "/tmp/x/rocketmq-all-5.3.3-bin-release.zip" }), 0);
        expect(up).toContain('cp "/var/lib/rocketmq-pulumi/uploads/rocketmq-all-5.3.3-bin-release.zip" "$archive.part"');
        expect(up).not.toContain("curl -fsSL");
    });
    test("the Java tools are installed from tools/java as they are; templates/ holds no Java", () => {
        const root = path.join(__dirname, "..", "..");
        const java = hostTools(ctx).filter((t) => t.name.endsWith(".java"));
        expect(java.map((t) => t.name).sort()).toEqual(fs.readdirSync(path.join(root, "tools", "java")).sort());
        for (const t of java) {
            expect(t.content).toBe(fs.readFileSync(path.join(root, "tools", "java", t.name), "utf8"));
            expect(t.content).toContain(`public class ${t.name.replace(/\.java$/, "")} {`);
            expect(t.mode).toBe("0644");
        }
        const templates = (dir: string): string[] =>
            fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? templates(path.join(dir, e.name)) : [e.name]));
        expect(templates(path.join(root, "templates")).filter((n) => n.endsWith(".java"))).toEqual([]);
    });
    test("deploy script: restarts only its own instance and gates on clusterList with its BID", () => {
        const s = instanceDeployScript(ctx, broker(ctx, "broker-a-s"));
        expect(s).toContain('rmq-service" restart "$id"');
        expect(s).toContain("id=broker-a-s");
        expect(s).toContain('rmq-wait" "$id" 180 11011 broker-a 1 10.0.0.13:11011');
        expect(s).not.toContain("mqshutdown");
        const n1 = context({ topology: "dledger" });
        expect(instanceDeployScript(n1, broker(n1, "n1"))).toContain('RaftNode00 "*" 10.0.0.12:30911');
    });
});

describe("client and cluster addresses (hosts[].clientAddress apart from privateAddress)", () => {
    const ctx = context({}, "192.168.7");
    test("brokers advertise the client address (brokerIP1); HA stays on the cluster address (brokerIP2)", () => {
        for (const [id, i] of [
            ["broker-a", 12],
            ["broker-a-s", 13],
            ["broker-b", 13],
            ["broker-b-s", 12],
        ] as const) {
            const p = props(ctx, id);
            expect([id, p.brokerIP1, p.brokerIP2]).toEqual([id, `192.168.7.${i}`, `10.0.0.${i}`]);
        }
    });
    test("DLedger peers and /etc/hosts use cluster addresses", () => {
        const d = context({ topology: "dledger" }, "192.168.7");
        expect(props(d, "n1")).toMatchObject({ brokerIP1: "192.168.7.12", brokerIP2: "10.0.0.12" });
        expect(props(d, "n1").dLegerPeers).toBe("n0-worker1:40911;n1-worker2:40911;n2-worker3:40911");
        const os = osTuningScript(d, 0);
        expect(os).toContain("10.0.0.12");
        expect(os).not.toContain("192.168.7.");
    });
    test("the checks expect what clients see: clusterList rows, registration, catch-up peers", () => {
        expect(expectedBrokers(ctx)).toContain("broker-a 0 192.168.7.12:10911");
        expect(expectedBrokers(ctx)).not.toContain("10.0.0.");
        expect(instanceDeployScript(ctx, broker(ctx, "broker-a-s"))).toContain("192.168.7.13:11011");
        const step = rollingOrder(ctx.plan).find((s) => s.inst.id === "broker-a-s")!;
        expect(rollArgs(ctx, step)).toEqual(expect.arrayContaining(["192.168.7.13:11011", "--follows", "192.168.7.12:10911"]));
    });
});
