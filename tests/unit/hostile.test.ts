// Nothing unchecked reaches a root shell. Every config key Pulumi.yaml declares (and every string
// nested in one: host fields, heaps, broker property and sysctl values) gets shell syntax spliced
// into a valid value. Each such value is rejected naming its key, except the few a key legitimately
// holds (ACCEPTED below); those must render into scripts that parse, pass shellcheck and carry the
// value only inside quoted heredocs, where bash expands nothing.
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { brokerKeyTypes } from "../../config/brokerKeys";
import { ConfigError, ConfigProblem } from "../../config/errors";
import { RocketMqVersion, SUPPORTED_VERSIONS } from "../../config/schema";
import { RawConfig, validateConfig } from "../../config/validate";
import { ADDRESS_KEYS, BROKER_KEY_ENUMS, MANAGED_BROKER_KEYS, STORE_PATH_KEYS } from "../../config/validate/brokerProperties";
import { HOST_FIELDS } from "../../config/validate/hosts";
import { planCluster } from "../../planning/topology";
import { PUBLIC_KEY, SHA, awsRaw, existingRaw } from "./fixtures";
import { asBashFile, contextOf, renderedScripts, shellCodeLines } from "./scripts";

const FRAGMENTS = ["$(touch /tmp/x)", "`touch /tmp/x`", ";", "\n", " ", "..", "'", '"', "\\"];
type Position = "prefix" | "middle" | "suffix";
const POSITIONS: Position[] = ["prefix", "middle", "suffix"];
const splice = (v: string, f: string, at: Position) =>
    at === "prefix" ? f + v : at === "suffix" ? v + f : v.slice(0, v.length >> 1) + f + v.slice(v.length >> 1);

/** Kinds of value that may hold some shell-looking text, and where: everything else is strict. */
type Kind = "strict" | "brokerText" | "sysctlValue" | "localFile";
const ACCEPTED: Record<Kind, Partial<Record<Position, string[]>>> = {
    strict: {},
    // A String broker setting is one line of a properties file inside a quoted heredoc:
    // messageDelayLevel has spaces, deleteWhen `04;16`, credentials JSON has quotes.
    brokerText: { prefix: [";", "..", "'", '"'], middle: [" ", ";", "..", "'", '"'], suffix: [";", "..", "'", '"'] },
    // net.ipv4.tcp_rmem is "4096 87380 6291456"; sysctl.conf is written from a quoted heredoc.
    sysctlValue: { middle: [" "] },
    // The directory of an uploaded file is read by the deployer alone; only the file name reaches a host.
    localFile: { prefix: [" ", ".."] },
};

/** One value to make hostile: the key a problem must name, a valid sample, and its kind. */
interface Entry {
    key: string;
    sample: string;
    kind: Kind;
}
/** A config built around entries, each set to the given value (entries not given keep their sample or are left out). */
interface Case {
    name: string;
    entries: Entry[];
    raw: (values: Map<string, string>) => RawConfig;
}

const root = path.join(__dirname, "..", "..");
interface Declared {
    key: string;
    type?: string;
    items?: string;
    aws: boolean;
}
function declaredKeys(): Declared[] {
    const text = fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8");
    return text
        .split(/\n {2}rocketmq:/)
        .slice(1)
        .map((b) => ({
            key: b.split(":")[0],
            type: /\n {4}type: (\w+)/.exec(b)?.[1],
            items: /\n {4}items:\n {6}type: (\w+)/.exec(b)?.[1],
            aws: /description: "aws mode:/.test(b),
        }));
}

/** A valid value for every scalar key and every element of a list of strings. */
const SAMPLES: Record<string, string> = {
    environment: "dev",
    hostMode: "existing",
    topology: "2m-2s-async",
    version: "5.3.3",
    clusterName: "rocketmq-cluster",
    downloadUrl: "https://mirror.example.com/rocketmq/rocketmq-all-5.3.3-bin-release.zip",
    sha512: SHA,
    localArchive: "/x/rocketmq-all-5.3.3-bin-release.zip",
    javaArchive: "/x/jdk-17.tar.gz",
    javaSha512: SHA,
    appRoot: "/app",
    storeRoot: "/data/rocketmq",
    serviceUser: "oper",
    serviceUserAuthorizedKeys: PUBLIC_KEY,
    namesrvHeap: "512m",
    brokerHeap: "1g",
    autoCreateTopicEnable: "true",
    autoCreateSubscriptionGroup: "false",
    ioScheduler: "mq-deadline",
    dataDevice: "nvme1n1",
    dashboardEnabled: "true",
    dashboardVersion: "2.0.0",
    dashboardPort: "8080",
    dashboardUrl: "https://mirror.example.com/rocketmq-dashboard-2.0.0.jar",
    dashboardSha512: SHA,
    dashboardLocalJar: "/x/rocketmq-dashboard-2.0.0.jar",
    dashboardHeap: "256m",
    dashboardListen: "loopback",
    smokeMessages: "100",
    startTimeoutSeconds: "180",
    purgeDataOnDestroy: "false",
    instanceType: "t3.large",
    ami: "ubuntu-24.04",
    allowedCidrs: "203.0.113.0/24",
    sshAllowedCidrs: "198.51.100.7/32",
    allowHostReplacement: "false",
    sshPublicKey: PUBLIC_KEY,
    dataVolumeGiB: "50",
    vpcCidr: "10.20.0.0/16",
    deleteRemovedTopics: "false",
    deleteRemovedGroups: "true",
    allowQueueDecrease: "false",
    authEnabled: "true",
    clientAddress: "public",
};
const LOCAL_FILES = ["localArchive", "javaArchive", "dashboardLocalJar"];
/** Keys valid only together: each one's case sets the other to its sample. */
const COMPANIONS: Record<string, Record<string, string>> = {
    javaArchive: { javaSha512: SHA },
    javaSha512: { javaArchive: "/x/jdk-17.tar.gz" },
};
const HOST_SAMPLES: Record<string, string> = {
    name: "worker2",
    host: "host2.example.com",
    privateAddress: "10.0.0.12",
    clientAddress: "mq2.example.com",
    user: "deploy",
    port: "2222",
    memoryMiB: "8192",
    cpus: "4",
    hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMbH94EaABhfFVROyFuoud9zkajkMHYnDzLYfILc2WUr",
};

function scalarCase(d: Declared): Case {
    const sample = SAMPLES[d.key];
    if (sample === undefined) throw new Error(`no sample value for rocketmq:${d.key}: add one to SAMPLES`);
    const base = d.aws ? awsRaw : existingRaw;
    const kind: Kind = LOCAL_FILES.includes(d.key) ? "localFile" : "strict";
    return {
        name: d.key,
        entries: [{ key: d.key, sample, kind }],
        raw: (v) =>
            d.type === "array"
                ? base({ ...COMPANIONS[d.key], [d.key]: JSON.stringify([v.get(d.key) ?? sample]) })
                : base({ ...COMPANIONS[d.key], [d.key]: v.get(d.key) ?? sample }),
    };
}

function hostsCase(): Case {
    const entries = Object.keys(HOST_FIELDS).map((f): Entry => {
        if (HOST_SAMPLES[f] === undefined) throw new Error(`no sample for hosts[].${f}: add one to HOST_SAMPLES`);
        return { key: `hosts[1].${f}`, sample: HOST_SAMPLES[f], kind: "strict" };
    });
    const others = [
        { name: "worker1", host: "192.0.2.11" },
        { name: "worker3", host: "192.0.2.13" },
    ];
    return {
        name: "hosts",
        entries,
        raw: (v) => {
            const h = Object.fromEntries(Object.keys(HOST_FIELDS).map((f) => [f, v.get(`hosts[1].${f}`) ?? HOST_SAMPLES[f]]));
            return existingRaw({ hosts: JSON.stringify([others[0], h, others[1]]) });
        },
    };
}

/** Every broker key of a version (but the stack's own) at once, under brokerProperties or one instance (dledger: one broker per host). */
function brokerCase(version: RocketMqVersion, where: "brokerProperties" | "instances"): Case {
    const prefix = where === "brokerProperties" ? "brokerProperties" : "instances.n1.properties";
    const entries: Entry[] = [];
    for (const [k, types] of brokerKeyTypes(version)) {
        if (MANAGED_BROKER_KEYS[k] !== undefined) continue;
        let sample: string = { int: "48", long: "48", float: "0.5", double: "0.5", boolean: "true", string: "xyzzy" }[types[0]];
        let kind: Kind = types.length === 1 && types[0] === "string" ? "brokerText" : "strict";
        if (BROKER_KEY_ENUMS[k]) [sample, kind] = [BROKER_KEY_ENUMS[k][0], "strict"];
        if (STORE_PATH_KEYS.includes(k)) [sample, kind] = [`/data/rmq/${k}`, "strict"];
        if (ADDRESS_KEYS.includes(k)) [sample, kind] = ["10.0.0.99", "strict"];
        if (k === "listenPort") [sample, kind] = ["12345", "strict"];
        entries.push({ key: `${prefix}.${k}`, sample, kind });
    }
    return {
        name: `${where} ${version}`,
        entries,
        raw: (v) => {
            const props = Object.fromEntries([...v].map(([k, val]) => [k.slice(prefix.length + 1), val]));
            const over =
                where === "brokerProperties"
                    ? { brokerProperties: JSON.stringify(props) }
                    : { instances: JSON.stringify({ n1: { properties: props } }) };
            return existingRaw({ version, topology: "dledger", ...over });
        },
    };
}

/** Every field of one list entry (rocketmq:topics, rocketmq:consumerGroups), all made hostile at once. */
function listCase(key: string, samples: Record<string, string>): Case {
    const entries = Object.entries(samples).map(([f, sample]): Entry => ({ key: `${key}[0].${f}`, sample, kind: "strict" }));
    return {
        name: key,
        entries,
        raw: (v) => {
            const item = Object.fromEntries(Object.entries(samples).map(([f, sample]) => [f, v.get(`${key}[0].${f}`) ?? sample]));
            return existingRaw({ [key]: JSON.stringify([item]) });
        },
    };
}

function nestedCases(d: Declared): Case[] {
    if (d.key === "hosts") return [hostsCase()];
    if (d.key === "topics")
        return [listCase("topics", { name: "orders", queues: "8", readQueues: "8", writeQueues: "4", perm: "rw", messageType: "FIFO" })];
    if (d.key === "consumerGroups")
        return [listCase("consumerGroups", { name: "orders-consumer", retryMaxTimes: "16", broadcast: "false", orderly: "true" })];
    if (d.key === "brokerProperties") return SUPPORTED_VERSIONS.map((v) => brokerCase(v, "brokerProperties"));
    if (d.key === "instances")
        return [
            ...SUPPORTED_VERSIONS.map((v) => brokerCase(v, "instances")),
            {
                name: "instances heap",
                entries: [{ key: "instances.broker-a.heap", sample: "1g", kind: "strict" }],
                raw: (v) => existingRaw({ instances: JSON.stringify({ "broker-a": { heap: v.get("instances.broker-a.heap") } }) }),
            },
        ];
    if (d.key === "sysctl")
        return [
            {
                name: "sysctl value",
                entries: [{ key: "sysctl.net.core.rmem_max", sample: "7340033", kind: "sysctlValue" }],
                raw: (v) =>
                    existingRaw({ sysctl: JSON.stringify({ "net.core.rmem_max": v.get("sysctl.net.core.rmem_max") ?? "7340033" }) }),
            },
        ];
    if (d.key === "authUsers") {
        const perm = "authUsers.app1.topics.orders";
        const group = "authUsers.app1.groups[0]";
        return [
            {
                name: "authUsers",
                entries: [
                    { key: perm, sample: "PUB|SUB", kind: "strict" },
                    { key: group, sample: "billing", kind: "strict" },
                ],
                raw: (v) =>
                    existingRaw({
                        authEnabled: "true",
                        authUsers: JSON.stringify({
                            app1: { topics: { orders: v.get(perm) ?? "PUB|SUB" }, groups: [v.get(group) ?? "billing"] },
                        }),
                    }),
            },
        ];
    }
    throw new Error(`rocketmq:${d.key} (${d.type}) holds nested values: add its hostile cases to nestedCases`);
}

const CASES: Case[] = declaredKeys()
    .filter((d) => d.key !== "sshPrivateKey") // secret: only ever the SSH connection's key, never in a script
    .flatMap((d) => (d.type === "object" || d.items === "object" ? nestedCases(d) : [scalarCase(d)]));

function problemsOf(raw: RawConfig): ConfigProblem[] {
    try {
        planCluster(validateConfig(raw));
        return [];
    } catch (e) {
        if (e instanceof ConfigError) return e.problems;
        throw e;
    }
}

const describeValue = (v: string) => JSON.stringify(v);

describe("hostile values in every config key", () => {
    test("every key Pulumi.yaml declares is covered, nested ones included", () => {
        const covered = CASES.flatMap((c) => c.entries.map((e) => e.key.split(/[.[]/)[0]));
        for (const d of declaredKeys()) if (d.key !== "sshPrivateKey") expect(covered).toContain(d.key);
        expect(CASES.flatMap((c) => c.entries.map((e) => e.key))).toEqual(
            expect.arrayContaining([
                "hosts[1].privateAddress",
                "hosts[1].user",
                "instances.broker-a.heap",
                "brokerProperties.messageDelayLevel",
            ]),
        );
        // The samples are valid: what follows tests the fragments, not a broken base.
        for (const c of CASES) expect([c.name, problemsOf(c.raw(new Map(c.entries.map((e) => [e.key, e.sample]))))]).toEqual([c.name, []]);
    });

    // Configs that were accepted with a hostile value, for the shell checks below.
    const accepted: { name: string; raw: RawConfig; values: string[] }[] = [];

    test.each(CASES.map((c) => [c.name, c] as const))("%s: rejected naming the key, unless that key may hold it", (_, c) => {
        const wrong: string[] = [];
        for (const f of FRAGMENTS)
            for (const at of POSITIONS) {
                const hostile = new Map(c.entries.map((e) => [e.key, splice(e.sample, f, at)]));
                const found = problemsOf(c.raw(hostile));
                const ok = new Map<string, string>();
                for (const e of c.entries) {
                    const value = hostile.get(e.key)!;
                    const named = found.some((p) => p.key === e.key && p.value === value);
                    const allowed = ACCEPTED[e.kind][at]?.includes(f) ?? false;
                    if (allowed) ok.set(e.key, value);
                    if (named === allowed) wrong.push(`${e.key} = ${describeValue(value)}: ${allowed ? "rejected" : "accepted"}`);
                }
                if (ok.size > 0)
                    accepted.push({ name: `${c.name} ${describeValue(f)} ${at}`, raw: c.raw(ok), values: [...new Set(ok.values())] });
            }
        expect(wrong).toEqual([]);
    });

    test("scripts rendered from the accepted configs parse, pass shellcheck and keep the values inside quoted heredocs", () => {
        expect(accepted.length).toBeGreaterThan(0);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rmq-hostile-"));
        const leaks: string[] = [];
        const files = new Map<string, string>();
        try {
            for (const a of accepted) {
                expect([a.name, problemsOf(a.raw)]).toEqual([a.name, []]);
                for (const [name, text] of Object.entries(renderedScripts(contextOf(a.raw)))) {
                    for (const v of a.values)
                        if (shellCodeLines(text).some((l) => l.includes(v)))
                            leaks.push(`${a.name}: ${name} has ${describeValue(v)} in shell code`);
                    const digest = crypto.createHash("sha256").update(text).digest("hex").slice(0, 12);
                    files.set(digest, path.join(dir, `${digest}-${name}`));
                    fs.writeFileSync(files.get(digest)!, asBashFile(text));
                }
            }
            expect(leaks).toEqual([]);
            for (const f of files.values()) execFileSync("bash", ["-n", f]);
            try {
                execFileSync("shellcheck", ["-s", "bash", "-S", "style", ...files.values()], { encoding: "utf8" });
            } catch (e) {
                throw new Error(`shellcheck found problems:\n${(e as { stdout?: string }).stdout ?? String(e)}`);
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("hostile names", () => {
    const hostile = "x$(touch /tmp/x)";
    test.each([
        ["brokerProperties", { brokerProperties: JSON.stringify({ [hostile]: "1" }) }, `brokerProperties.${hostile}`],
        ["sysctl", { sysctl: JSON.stringify({ [`vm.${hostile}`]: "1" }) }, `sysctl.vm.${hostile}`],
        ["instance id", { instances: JSON.stringify({ [hostile]: { heap: "1g" } }) }, `instances.${hostile}`],
        ["instance field", { instances: JSON.stringify({ "broker-a": { [hostile]: "1" } }) }, `instances.broker-a.${hostile}`],
        ["auth user", { authEnabled: "true", authUsers: JSON.stringify({ [hostile]: { topics: { a: "PUB" } } }) }, `authUsers.${hostile}`],
        [
            "auth topic",
            { authEnabled: "true", authUsers: JSON.stringify({ app: { topics: { [hostile]: "PUB" } } }) },
            `authUsers.app.topics.${hostile}`,
        ],
        [
            "host field",
            {
                hosts: JSON.stringify(
                    [1, 2, 3].map((i) => ({ name: `worker${i}`, host: `192.0.2.${i}`, ...(i === 2 ? { [hostile]: "1" } : {}) })),
                ),
            },
            `hosts[1].${hostile}`,
        ],
    ])("%s", (_, over, key) => {
        expect(problemsOf(existingRaw(over)).map((p) => p.key)).toContain(key);
    });
});
