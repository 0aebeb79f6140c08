// Broker property overrides (rocketmq:brokerProperties and rocketmq:instances.ID.properties): each
// must be a key this version reads, not one the stack sets itself, and a value the broker parses.
// RocketMQ applies properties with MixAll.properties2Object, which swallows every parse error: an
// unknown key, a bad number or an unknown enum name is a setting silently not applied.
import { BrokerKeyType, brokerKeyTypes, suggestKey } from "../brokerKeys";
import { InstanceOverride, RocketMqVersion } from "../schema";
import { PATH_ALLOWED, validAbsPath, validAddress, ADDRESS_ALLOWED } from "./patterns";
import { Collector, Reader } from "./reader";
import { BROKER_PORT } from "./rules";

/** Keys the stack writes from its own config; an override would be dropped or break the cluster. */
export const MANAGED_BROKER_KEYS: Record<string, string> = {
    brokerClusterName: "set by rocketmq:clusterName",
    brokerName: "set by rocketmq:topology (broker-a and broker-b, or RaftNode00 for dledger)",
    brokerId: "set by rocketmq:topology (0 for a master, 1 for its slave)",
    brokerRole: "set by rocketmq:topology (2m-2s-sync: SYNC_MASTER, other masters ASYNC_MASTER, slaves SLAVE)",
    namesrvAddr: "set by rocketmq:hosts (the name server on every host)",
    enableDLegerCommitLog: "set by rocketmq:topology (dledger)",
    dLegerGroup: "set by rocketmq:topology (dledger: RaftNode00)",
    dLegerPeers: "set by rocketmq:topology (dledger: n0, n1, n2 on the three hosts)",
    dLegerSelfId: "set by rocketmq:topology (dledger: n0, n1, n2 in host order)",
    rocketmqHome: "set by rocketmq:appRoot and rocketmq:version",
    // ACL 2.0 (5.3.3+): the switch, the providers and the stack's own super users.
    aclEnable: "set by rocketmq:authEnabled (ACL 2.0, 5.3.3+); ACL 1.0 (plain_acl.yml) is not managed by the stack",
    authenticationEnabled: "set by rocketmq:authEnabled",
    authorizationEnabled: "set by rocketmq:authEnabled",
    authenticationProvider: "set by rocketmq:authEnabled (DefaultAuthenticationProvider)",
    authenticationMetadataProvider: "set by rocketmq:authEnabled (LocalAuthenticationMetadataProvider: users in the broker's store)",
    authorizationProvider: "set by rocketmq:authEnabled (DefaultAuthorizationProvider)",
    authorizationMetadataProvider: "set by rocketmq:authEnabled (LocalAuthorizationMetadataProvider: ACLs in the broker's store)",
    authConfigPath: "set by rocketmq:authEnabled (the broker keeps users and ACLs in storePathRootDir/config)",
    initAuthenticationUser: "set by rocketmq:authEnabled (the administrator rmq-admin, generated password)",
    innerClientAuthenticationCredentials: "set by rocketmq:authEnabled (broker-to-broker user rmq-inner, generated password)",
};

/** Keys whose setter takes a String and calls Enum.valueOf (or compares with fixed names). */
export const BROKER_KEY_ENUMS: Record<string, readonly string[]> = {
    // MessageStoreConfig.setBrokerRole(String) / setFlushDiskType(String): BrokerRole, FlushDiskType.
    brokerRole: ["ASYNC_MASTER", "SYNC_MASTER", "SLAVE"],
    flushDiskType: ["ASYNC_FLUSH", "SYNC_FLUSH"],
    // 5.x BrokerConfig: MessageRequestMode.valueOf; MetricsExporterType.valueOf(String or int).
    defaultMessageRequestMode: ["PULL", "POP"],
    metricsExporterType: ["DISABLE", "OTLP_GRPC", "PROM", "LOG", "0", "1", "2", "3"],
    // 5.x MessageStoreConfig: StoreType names; BrokerConfig: ConfigManagerVersion names.
    storeType: ["default", "defaultRocksDB"],
    configManagerVersion: ["v1", "v2"],
    // 5.5.0 MessageStoreConfig (CombineConsumeQueueStore): StoreType names; the loading list is
    // ';'-separated (StoreType.fromString). A wrong name stops the broker at start instead of
    // being ignored, so this only moves the error to preview. A key a version lacks is refused
    // by its key list before this table is consulted.
    combineCQPreferCQType: ["default", "defaultRocksDB"],
    combineAssignOffsetCQType: ["default", "defaultRocksDB"],
    combineCQLoadingCQTypes: ["default", "defaultRocksDB", "default;defaultRocksDB", "defaultRocksDB;default"],
};

/** Directories the broker writes; storePathRootDir is also what purgeDataOnDestroy deletes. */
export const STORE_PATH_KEYS = [
    "storePathRootDir",
    "storePathCommitLog",
    "storePathDLedgerCommitLog",
    "storePathEpochFile",
    "storePathBrokerIdentity",
    "storePathConsumeQueue",
    "storePathIndex",
    "storeCheckpoint",
    "abortFile",
];
/** Addresses a broker announces; the stack sets both to the host's cluster address unless overridden. */
export const ADDRESS_KEYS = ["brokerIP1", "brokerIP2"];
const SYSTEM_DIRS = ["/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/proc", "/root", "/run", "/sbin", "/sys", "/usr"];

const INT = /^-?[0-9]{1,19}$/;
const DECIMAL = /^-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$/;
/**
 * One line of printable ASCII (Java reads the file as ISO-8859-1) without surrounding spaces, taken
 * literally: a backslash would escape or join lines; $ and ` have no business in a broker setting.
 */
const TEXT =
    /^(?:[\x21-\x23\x25-\x5b\x5d-\x5f\x61-\x7e](?:[\x20-\x23\x25-\x5b\x5d-\x5f\x61-\x7e]*[\x21-\x23\x25-\x5b\x5d-\x5f\x61-\x7e])?)?$/;

const TYPE_CHECKS: Record<BrokerKeyType, { ok: (v: string) => boolean; allowed: string }> = {
    int: { ok: (v) => INT.test(v) && Math.abs(Number(v)) <= 2 ** 31 - (v.startsWith("-") ? 0 : 1), allowed: "a whole number (Java int)" },
    long: { ok: (v) => INT.test(v) && BigInt.asIntN(64, BigInt(v)) === BigInt(v), allowed: "a whole number (Java long)" },
    float: { ok: (v) => DECIMAL.test(v), allowed: "a number such as 0.75" },
    double: { ok: (v) => DECIMAL.test(v), allowed: "a number such as 0.75" },
    boolean: { ok: (v) => v === "true" || v === "false", allowed: "true or false (any other word reads as false)" },
    string: { ok: (v) => TEXT.test(v), allowed: "one line of printable ASCII without $, `, \\ or surrounding spaces" },
};

export function checkBrokerProperties(
    c: Collector,
    version: RocketMqVersion,
    key: string,
    props: Record<string, string>,
    appRoot: string,
): void {
    const known = brokerKeyTypes(version);
    for (const [k, v] of Object.entries(props)) {
        const at = `${key}.${k}`;
        const types = known.get(k);
        if (types === undefined) {
            const hint = suggestKey(version, k);
            c.add(
                at,
                v,
                `a broker property RocketMQ ${version} reads${hint ? ` (did you mean ${hint}?)` : ""}; the list is config/brokerKeys/${version}.json`,
            );
        } else if (MANAGED_BROKER_KEYS[k] !== undefined) {
            c.add(at, v, `not an override: the stack sets ${k} itself, ${MANAGED_BROKER_KEYS[k]}`);
        } else if (BROKER_KEY_ENUMS[k] !== undefined) {
            if (!BROKER_KEY_ENUMS[k].includes(v))
                c.add(at, v, `one of ${BROKER_KEY_ENUMS[k].join(", ")} (RocketMQ ignores any other value silently)`);
        } else if (STORE_PATH_KEYS.includes(k)) {
            if (k === "storePathRootDir" ? !validStoreRoot(v, appRoot) : !validAbsPath(v))
                c.add(at, v, k === "storePathRootDir" ? storeRootAllowed(appRoot) : PATH_ALLOWED);
        } else if (k === "listenPort") {
            c.rule(at, /^[0-9]{1,5}$/.test(v) ? Number(v) : NaN, BROKER_PORT, v);
        } else if (ADDRESS_KEYS.includes(k)) {
            if (!validAddress(v)) c.add(at, v, ADDRESS_ALLOWED);
        } else if (!types.some((t) => TYPE_CHECKS[t].ok(v))) {
            c.add(at, v, `${types.map((t) => TYPE_CHECKS[t].allowed).join(", or ")}: RocketMQ drops a value it cannot parse silently`);
        }
    }
}

/** A broker's own store: purgeDataOnDestroy runs `rm -rf` on it, so it must be nothing else. */
function validStoreRoot(dir: string, appRoot: string): boolean {
    const inside = (d: string, parent: string) => d === parent || d.startsWith(`${parent}/`);
    return (
        validAbsPath(dir) && dir.split("/").length >= 3 && !SYSTEM_DIRS.some((s) => inside(dir, s)) && !inside(`${appRoot}/rocketmq`, dir)
    );
}

function storeRootAllowed(appRoot: string): string {
    return (
        `${PATH_ALLOWED}, at least two levels deep (e.g. /data/rocketmq/broker-a), outside ${SYSTEM_DIRS.join(" ")} ` +
        `and not holding ${appRoot}/rocketmq: purgeDataOnDestroy deletes it`
    );
}

/** rocketmq:instances: per instance id, a heap and (brokers only) properties. */
export function instanceOverrides(r: Reader, version: RocketMqVersion, appRoot: string): Record<string, InstanceOverride> {
    const instancesRaw = r.json("instances");
    const instances: Record<string, InstanceOverride> = {};
    if (instancesRaw !== undefined && (typeof instancesRaw !== "object" || instancesRaw === null || Array.isArray(instancesRaw))) {
        r.c.add("instances", instancesRaw, "a map of instance id (broker-a, broker-a-s, n0, namesrv-worker1...) to {heap?, properties?}");
        return instances;
    }
    for (const [id, ov] of Object.entries((instancesRaw ?? {}) as Record<string, unknown>)) {
        const o = (ov ?? {}) as Record<string, unknown>;
        const entry: InstanceOverride = {};
        if (o.heap !== undefined) entry.heap = r.heap(`instances.${id}.heap`, String(o.heap));
        if (o.properties !== undefined && id.startsWith("namesrv-")) {
            r.c.add(
                `instances.${id}.properties`,
                o.properties,
                "nothing: a name server's properties are the stack's own; only heap can be set",
            );
        } else if (o.properties !== undefined) {
            entry.properties = r.stringMap(`instances.${id}.properties`, o.properties);
            checkBrokerProperties(r.c, version, `instances.${id}.properties`, entry.properties, appRoot);
        }
        for (const extra of Object.keys(o).filter((k) => k !== "heap" && k !== "properties"))
            r.c.add(`instances.${id}.${extra}`, o[extra], "only heap and properties can be set per instance");
        instances[id] = entry;
    }
    return instances;
}
