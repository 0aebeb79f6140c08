// Honest overrides: a broker property override either takes effect as written, or is refused at
// preview with the reason (the stack sets that key itself, from which config key; or the value is
// not one RocketMQ would parse). Never accepted and then silently dropped or misread.
import { brokerKeyTypes } from "../../config/brokerKeys";
import { ConfigError } from "../../config/errors";
import { RocketMqVersion, SUPPORTED_VERSIONS, Topology } from "../../config/schema";
import { RawConfig, validateConfig } from "../../config/validate";
import { ADDRESS_KEYS, BROKER_KEY_ENUMS, MANAGED_BROKER_KEYS, STORE_PATH_KEYS } from "../../config/validate/brokerProperties";
import { renderBrokerProperties, instanceRemoveCommand } from "./render";
import { BrokerPlan, allBrokers, findInstance } from "../../planning/topology";
import { existingRaw, parseProperties } from "./fixtures";
import { contextOf } from "./scripts";

/** "key = value: allowed" lines of every problem, or [] when the config is valid. */
function problems(raw: RawConfig): string[] {
    try {
        validateConfig(raw);
        return [];
    } catch (e) {
        if (e instanceof ConfigError) return e.problems.map((p) => `${p.key} = ${JSON.stringify(p.value)}: ${p.allowed}`);
        throw e;
    }
}
const props = (over: object) => existingRaw({ brokerProperties: JSON.stringify(over) });
const instanceProps = (id: string, over: object, extra: RawConfig = {}) =>
    existingRaw({ instances: JSON.stringify({ [id]: { properties: over } }), ...extra });

describe("keys the stack sets itself are refused, naming the config key that sets them", () => {
    test("the managed keys", () => {
        expect(Object.keys(MANAGED_BROKER_KEYS).sort()).toEqual(
            [
                "brokerClusterName",
                "brokerId",
                "brokerName",
                "brokerRole",
                "dLegerGroup",
                "dLegerPeers",
                "dLegerSelfId",
                "enableDLegerCommitLog",
                "namesrvAddr",
                "rocketmqHome",
                // rocketmq:authEnabled (ACL 2.0)
                "aclEnable",
                "authenticationEnabled",
                "authorizationEnabled",
                "authenticationProvider",
                "authenticationMetadataProvider",
                "authorizationProvider",
                "authorizationMetadataProvider",
                "authConfigPath",
                "initAuthenticationUser",
                "innerClientAuthenticationCredentials",
            ].sort(),
        );
    });
    test.each(Object.entries(MANAGED_BROKER_KEYS))("%s", (key, setBy) => {
        expect(setBy).toMatch(/^set by rocketmq:[a-zA-Z]+/);
        expect(problems(props({ [key]: "x" }))).toEqual([
            `brokerProperties.${key} = "x": not an override: the stack sets ${key} itself, ${setBy}`,
        ]);
        expect(problems(instanceProps("broker-a", { [key]: "x" }))).toEqual([
            `instances.broker-a.properties.${key} = "x": not an override: the stack sets ${key} itself, ${setBy}`,
        ]);
    });
    test("examples read as the issue asks", () => {
        expect(problems(props({ brokerRole: "SLAVE" }))[0]).toContain("set by rocketmq:topology");
        expect(problems(props({ brokerClusterName: "other" }))[0]).toContain("set by rocketmq:clusterName");
        expect(problems(props({ namesrvAddr: "a:9876" }))[0]).toContain("set by rocketmq:hosts");
    });
    test("a name server has no properties to override", () => {
        expect(problems(existingRaw({ instances: JSON.stringify({ "namesrv-worker1": { properties: { listenPort: "9877" } } }) }))).toEqual(
            [
                'instances.namesrv-worker1.properties = {"listenPort":"9877"}: nothing: a name server\'s properties are the stack\'s own; only heap can be set',
            ],
        );
    });
});

/** An override value, valid for the key, that differs from what the stack renders by default. */
function otherValue(version: RocketMqVersion, key: string, rendered: string): string {
    if (BROKER_KEY_ENUMS[key]) return BROKER_KEY_ENUMS[key].find((v) => v !== rendered)!;
    if (STORE_PATH_KEYS.includes(key)) return `/data/other/${key}`;
    if (ADDRESS_KEYS.includes(key)) return "10.9.9.9";
    if (key === "listenPort") return "12345";
    const t = brokerKeyTypes(version).get(key)![0];
    if (t === "boolean") return rendered === "true" ? "false" : "true";
    return t === "string" ? `${rendered}x` : String(Number(rendered) + 7);
}

describe("every other key the broker template writes takes the override as written", () => {
    const cases: [RocketMqVersion, Topology][] = SUPPORTED_VERSIONS.flatMap((v) =>
        (["2m-2s-async", "dledger"] as Topology[]).map((t): [RocketMqVersion, Topology] => [v, t]),
    );
    test.each(cases)("%s %s", (version, topology) => {
        const id = topology === "dledger" ? "n1" : "broker-a";
        const base = { version, topology };
        const ctx = contextOf(existingRaw(base));
        const written = parseProperties(renderBrokerProperties(ctx, findInstance(ctx.plan, id) as BrokerPlan));
        const dropped: string[] = [];
        for (const [key, rendered] of Object.entries(written)) {
            if (MANAGED_BROKER_KEYS[key] !== undefined) {
                expect(problems(instanceProps(id, { [key]: rendered }, base))[0]).toContain("not an override");
                continue;
            }
            const value = otherValue(version, key, rendered);
            const c = contextOf(instanceProps(id, { [key]: value }, base));
            const out = parseProperties(renderBrokerProperties(c, findInstance(c.plan, id) as BrokerPlan));
            if (out[key] !== value) dropped.push(`${key}=${value} rendered as ${out[key]}`);
        }
        expect(dropped).toEqual([]);
    });
    test("listenPort and storePathRootDir per instance move the instance: its ports, store and purge", () => {
        const ctx = contextOf(instanceProps("broker-b-s", { listenPort: "12011", storePathRootDir: "/data/rmq/broker-b-s" }));
        const b = findInstance(ctx.plan, "broker-b-s") as BrokerPlan;
        expect(b.ports).toEqual([12009, 12011, 12012]);
        expect(instanceRemoveCommand(ctx.cfg, b, true)).toBe(
            "/app/rocketmq/bin/rmq-service remove broker-b-s --purge '/data/rmq/broker-b-s'",
        );
        expect(
            allBrokers(ctx.plan)
                .filter((x) => x.id !== "broker-b-s")
                .every((x) => x.storePathRootDir.startsWith("/app/rocketmq/")),
        ).toBe(true);
    });
});

describe("values RocketMQ would drop silently are refused", () => {
    test("enums: flushDiskType, brokerRole and the 5.x ones", () => {
        expect(problems(props({ flushDiskType: "ASYNC" }))).toEqual([
            'brokerProperties.flushDiskType = "ASYNC": one of ASYNC_FLUSH, SYNC_FLUSH (RocketMQ ignores any other value silently)',
        ]);
        expect(problems(props({ flushDiskType: "SYNC_FLUSH" }))).toEqual([]);
        expect(BROKER_KEY_ENUMS.brokerRole).toEqual(["ASYNC_MASTER", "SYNC_MASTER", "SLAVE"]);
        expect(problems(props({ defaultMessageRequestMode: "PUSH" }))[0]).toContain("one of PULL, POP");
        for (const v of ["PROM", "2"]) expect(problems(props({ metricsExporterType: v }))).toEqual([]);
        expect(problems(props({ metricsExporterType: "prometheus" }))[0]).toContain("one of DISABLE, OTLP_GRPC, PROM, LOG, 0, 1, 2, 3");
        expect(problems(props({ storeType: "rocksdb" }))[0]).toContain("one of default, defaultRocksDB");
        expect(problems(props({ configManagerVersion: "v3" }))[0]).toContain("one of v1, v2");
    });
    test("every enum key is one a supported version reads, through a String setter", () => {
        for (const key of Object.keys(BROKER_KEY_ENUMS)) {
            const types = SUPPORTED_VERSIONS.map((v) => brokerKeyTypes(v).get(key)).filter((t) => t !== undefined);
            expect([key, types.length > 0 && types.every((t) => t!.includes("string"))]).toEqual([key, true]);
        }
    });
    test("types from the broker's setters", () => {
        expect(problems(props({ fileReservedTime: "48h" }))).toEqual([
            'brokerProperties.fileReservedTime = "48h": a whole number (Java int): RocketMQ drops a value it cannot parse silently',
        ]);
        expect(problems(props({ fileReservedTime: "2147483647" }))).toEqual([]);
        expect(problems(props({ fileReservedTime: "2147483648" }))).toHaveLength(1);
        expect(problems(props({ fileReservedTime: -2147483648 }))).toEqual([]);
        expect(problems(props({ broadcastOffsetExpireSecond: "9223372036854775807" }))).toEqual([]);
        expect(problems(props({ broadcastOffsetExpireSecond: "9223372036854775808" }))).toHaveLength(1);
        expect(problems(props({ traceTopicEnable: "yes" }))).toEqual([
            'brokerProperties.traceTopicEnable = "yes": true or false (any other word reads as false): RocketMQ drops a value it cannot parse silently',
        ]);
        expect(problems(props({ traceTopicEnable: true }))).toEqual([]);
        expect(problems(props({ logicalDiskSpaceCleanForciblyThreshold: "0.8" }))).toEqual([]);
        expect(problems(props({ logicalDiskSpaceCleanForciblyThreshold: "80%" }))).toHaveLength(1);
        expect(problems(props({ messageDelayLevel: "1s 5s 10s", deleteWhen: "04;16" }))).toEqual([]);
        // A trailing backslash would join the next line of broker.properties into this value.
        expect(problems(props({ msgTraceTopicName: "T\\" }))[0]).toContain("without $, `, \\ or surrounding spaces");
        expect(problems(props({ deleteWhen: "04\nbrokerRole=SLAVE" }))).toHaveLength(1);
    });
    test("store paths: absolute, and storePathRootDir nothing purge must not delete", () => {
        const root = (dir: string) => problems(instanceProps("broker-b-s", { storePathRootDir: dir }));
        expect(root("/data/rmq/broker-b-s")).toEqual([]);
        for (const dir of ["/data", "/etc/rocketmq", "/usr/local/rmq", "/app", "/app/rocketmq", "data/rmq", "/data/../etc", "/data/rmq/"])
            expect([dir, root(dir)[0]]).toEqual([dir, expect.stringContaining("purgeDataOnDestroy deletes it")]);
        expect(problems(props({ storePathCommitLog: "commitlog" }))[0]).toContain("an absolute path");
    });
    test("listenPort and broker addresses", () => {
        expect(problems(instanceProps("broker-a", { listenPort: "80" }))[0]).toContain("a TCP port from 1026 to 65534");
        expect(problems(props({ brokerIP1: "10.0.0.1 " }))[0]).toContain("an IPv4 address or a DNS name");
        expect(problems(props({ brokerIP1: "mq.example.com" }))).toEqual([]);
    });
});
