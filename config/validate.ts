// Turns raw stack config (strings and JSON, as Pulumi hands it over) into a ClusterConfig, or a
// ConfigError naming every bad key, its value and what is allowed. Runs before any resource exists.
import { brokerKeys, suggestKey } from "./brokerKeys";
import { ConfigError, ConfigProblem } from "./errors";
import {
    ClusterConfig,
    DEFAULT_VERSION,
    ENVIRONMENTS,
    Environment,
    ExistingHostSpec,
    HOST_MODES,
    HostMode,
    InstanceOverride,
    RocketMqVersion,
    SUPPORTED_VERSIONS,
    TOPOLOGIES,
    Topology,
} from "./schema";
import { EC2_MEMORY_MIB, parseSizeMiB } from "./sizes";

export type RawConfig = Record<string, unknown>;

/** Kernel settings from upstream's os.sh and the guide's section 9.3 (swappiness per the guide). */
export const DEFAULT_SYSCTL: Record<string, string> = {
    "vm.overcommit_memory": "1",
    "vm.zone_reclaim_mode": "0",
    "vm.max_map_count": "655360",
    "vm.dirty_background_ratio": "50",
    "vm.dirty_ratio": "50",
    "vm.dirty_writeback_centisecs": "360000",
    "vm.page-cluster": "3",
    "vm.swappiness": "10",
};

export function defaultDownloadUrl(version: string): string {
    return `https://archive.apache.org/dist/rocketmq/${version}/rocketmq-all-${version}-bin-release.zip`;
}

const NAME = /^[a-z][a-z0-9-]{0,62}$/;
const CLUSTER_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const ABS_PATH = /^\/[A-Za-z0-9._/-]*$/;
const USER = /^[a-z_][a-z0-9_-]{0,31}$/;
const SHA512 = /^[0-9a-fA-F]{128}$/;
const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const SYSCTL_KEY = /^[a-z0-9_]+(\.[a-z0-9_-]+)+$/;
const PROPERTY_VALUE = /^[^\n\r]*$/;

class Collector {
    readonly problems: ConfigProblem[] = [];
    add(key: string, value: unknown, allowed: string): void {
        this.problems.push({ key, value, allowed });
    }
}

export function validateConfig(raw: RawConfig): ClusterConfig {
    const c = new Collector();
    const str = (key: string, def: string): string => {
        const v = raw[key];
        if (v === undefined || v === null || v === "") return def;
        if (typeof v === "string") return v;
        if (typeof v === "number" || typeof v === "boolean") return String(v);
        c.add(key, v, "a string");
        return def;
    };
    const optStr = (key: string): string | undefined => {
        const v = str(key, "");
        return v === "" ? undefined : v;
    };
    const oneOf = <T extends string>(key: string, allowed: readonly T[], def: T): T => {
        const v = str(key, def);
        if ((allowed as readonly string[]).includes(v)) return v as T;
        c.add(key, v, `one of ${allowed.join(", ")}`);
        return def;
    };
    const int = (key: string, def: number, min: number, max: number): number => {
        const v = raw[key];
        if (v === undefined || v === null || v === "") return def;
        const n = typeof v === "number" ? v : /^-?[0-9]+$/.test(String(v)) ? Number(v) : NaN;
        if (!Number.isInteger(n) || n < min || n > max) {
            c.add(key, v, `a whole number from ${min} to ${max}`);
            return def;
        }
        return n;
    };
    const bool = (key: string, def: boolean): boolean => {
        const v = raw[key];
        if (v === undefined || v === null || v === "" || v === "auto") return def;
        if (v === true || v === "true") return true;
        if (v === false || v === "false") return false;
        c.add(key, v, "true, false or auto");
        return def;
    };
    const json = (key: string): unknown => {
        const v = raw[key];
        if (typeof v !== "string") return v;
        try {
            return JSON.parse(v);
        } catch {
            c.add(key, v, "valid JSON (set it with `pulumi config set --path` or as YAML in the stack file)");
            return undefined;
        }
    };
    const stringMap = (key: string, v: unknown): Record<string, string> => {
        if (v === undefined || v === null) return {};
        if (typeof v !== "object" || Array.isArray(v)) {
            c.add(key, v, "a map of names to values");
            return {};
        }
        const out: Record<string, string> = {};
        for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
            if (typeof val === "string" || typeof val === "number" || typeof val === "boolean") {
                out[k] = String(val);
            } else {
                c.add(`${key}.${k}`, val, "a string, number or boolean");
            }
        }
        return out;
    };

    const environment = oneOf<Environment>("environment", ENVIRONMENTS, "dev");
    const hostMode = oneOf<HostMode>("hostMode", HOST_MODES, "existing");
    const topology = oneOf<Topology>("topology", TOPOLOGIES, "2m-2s-async");
    const version = oneOf<RocketMqVersion>("version", SUPPORTED_VERSIONS, DEFAULT_VERSION);
    const clusterName = str("clusterName", "rocketmq-cluster");
    if (!CLUSTER_NAME.test(clusterName)) c.add("clusterName", clusterName, "letters, digits, - and _ (1-64)");

    // Hosts.
    const existingHosts: ExistingHostSpec[] = [];
    let awsSettings: ClusterConfig["aws"];
    if (hostMode === "existing") {
        const hostsRaw = json("hosts");
        if (!Array.isArray(hostsRaw)) {
            c.add("hosts", hostsRaw, "a list of {name, host, privateAddress?, user?, port?, memoryMiB?, cpus?}");
        } else {
            hostsRaw.forEach((h: unknown, i: number) => {
                const k = `hosts[${i}]`;
                if (typeof h !== "object" || h === null) {
                    c.add(k, h, "an object {name, host, privateAddress?, user?, port?}");
                    return;
                }
                const o = h as Record<string, unknown>;
                const name = String(o.name ?? "");
                const host = String(o.host ?? "");
                if (!NAME.test(name)) c.add(`${k}.name`, o.name, "a host name: lower-case letters, digits and -");
                if (host === "" || /\s/.test(host)) c.add(`${k}.host`, o.host, "an address or DNS name to SSH to");
                const user = String(o.user ?? "root");
                if (!USER.test(user)) c.add(`${k}.user`, o.user, "a Unix user name");
                const port = o.port === undefined ? 22 : Number(o.port);
                if (!Number.isInteger(port) || port < 1 || port > 65535) c.add(`${k}.port`, o.port, "a TCP port 1-65535");
                const memoryMiB = o.memoryMiB === undefined ? undefined : Number(o.memoryMiB);
                if (memoryMiB !== undefined && (!Number.isInteger(memoryMiB) || memoryMiB < 512))
                    c.add(`${k}.memoryMiB`, o.memoryMiB, "a whole number of MiB, at least 512");
                const cpus = o.cpus === undefined ? undefined : Number(o.cpus);
                if (cpus !== undefined && (!Number.isInteger(cpus) || cpus < 1)) c.add(`${k}.cpus`, o.cpus, "a whole number >= 1");
                existingHosts.push({
                    name,
                    host,
                    privateAddress: o.privateAddress === undefined ? host : String(o.privateAddress),
                    user,
                    port,
                    memoryMiB,
                    cpus,
                });
            });
            checkUnique(
                c,
                "hosts[].name",
                existingHosts.map((h) => h.name),
            );
            checkUnique(
                c,
                "hosts[].host",
                existingHosts.map((h) => `${h.host}:${h.port}`),
            );
            checkUnique(
                c,
                "hosts[].privateAddress",
                existingHosts.map((h) => h.privateAddress),
            );
            if (existingHosts.length !== 3)
                c.add(
                    "hosts",
                    `${existingHosts.length} host(s)`,
                    `exactly 3 hosts: topology ${topology} places name servers and brokers on worker1..3`,
                );
        }
    } else {
        const cidrList = (key: string, whatFor: string): string[] => {
            const list = json(key);
            const out: string[] = [];
            if (list === undefined || (Array.isArray(list) && list.length === 0)) return out;
            if (!Array.isArray(list)) {
                c.add(key, list, `a list of CIDRs allowed to reach ${whatFor}`);
                return out;
            }
            for (const cidr of list) {
                if (typeof cidr !== "string" || !validCidr(cidr)) c.add(key, cidr, "an IPv4 CIDR like 203.0.113.0/24");
                else if (cidr === "0.0.0.0/0" && environment === "prod")
                    c.add(key, cidr, "a narrower range: 0.0.0.0/0 is refused when environment is prod");
                else out.push(cidr);
            }
            return out;
        };
        const allowedCidrs = cidrList("allowedCidrs", "name servers, brokers and the dashboard");
        if (allowedCidrs.length === 0 && !c.problems.some((p) => p.key === "allowedCidrs"))
            c.add(
                "allowedCidrs",
                raw.allowedCidrs,
                "a non-empty list of CIDRs allowed to reach name servers, brokers and the dashboard, and SSH unless sshAllowedCidrs is set (aws mode has no open default)",
            );
        // SSH is the deployer's door: its own list, by default the clients' one.
        const sshCidrs = cidrList("sshAllowedCidrs", "SSH (port 22)");
        const sshAllowedCidrs = sshCidrs.length > 0 ? sshCidrs : [...allowedCidrs];
        // One security group rule per entry: AWS refuses a duplicate rule at `up`.
        checkUnique(c, "allowedCidrs", allowedCidrs);
        checkUnique(c, "sshAllowedCidrs", sshCidrs);
        const sshPublicKey = str("sshPublicKey", "");
        if (!/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-\S+) [A-Za-z0-9+/=]+/.test(sshPublicKey))
            c.add(
                "sshPublicKey",
                sshPublicKey || undefined,
                "an OpenSSH public key (ssh-ed25519 ... or ssh-rsa ...); its private half goes in rocketmq:sshPrivateKey (secret)",
            );
        const instanceType = str("instanceType", "t3.large");
        const ami = str("ami", "ubuntu-24.04");
        if (!["ubuntu-24.04", "ubuntu-22.04", "al2023"].includes(ami) && !/^ami-[0-9a-f]{8,17}$/.test(ami))
            c.add("ami", ami, "ubuntu-24.04, ubuntu-22.04, al2023 or an ami-... id");
        const vpcCidr = str("vpcCidr", "10.20.0.0/16");
        if (!validCidr(vpcCidr) || Number(vpcCidr.split("/")[1]) > 24) c.add("vpcCidr", vpcCidr, "an IPv4 CIDR of /24 or larger");
        awsSettings = {
            instanceType,
            ami,
            allowedCidrs,
            sshAllowedCidrs,
            sshPublicKey,
            dataVolumeGiB: int("dataVolumeGiB", 50, 8, 16384),
            vpcCidr,
            allowHostReplacement: bool("allowHostReplacement", false),
        };
    }

    // Distribution.
    const localArchive = optStr("localArchive");
    const sha512 = optStr("sha512");
    if (sha512 !== undefined && !SHA512.test(sha512)) c.add("sha512", sha512, "128 hex digits (the content of the .sha512 file)");
    const url = str("downloadUrl", defaultDownloadUrl(version));
    if (!localArchive) {
        if (!/^https?:\/\/\S+$/.test(url)) c.add("downloadUrl", url, "an http(s) URL of rocketmq-all-VERSION-bin-release.zip");
        if (!sha512)
            c.add("sha512", undefined, `required with a download (${url}): the sha512 of the zip, so every host verifies what it unpacks`);
    } else if (!/\.zip$/.test(localArchive)) {
        c.add("localArchive", localArchive, "a path to rocketmq-all-VERSION-bin-release.zip on the deploying machine");
    }

    const appRoot = str("appRoot", "/app");
    const storeRoot = str("storeRoot", "/app/rocketmq");
    for (const [k, v] of [
        ["appRoot", appRoot],
        ["storeRoot", storeRoot],
    ] as const)
        if (!ABS_PATH.test(v) || v === "/" || v.includes("..")) c.add(k, v, "an absolute path such as /app (letters, digits, . _ - /)");
    const serviceUser = str("serviceUser", "oper");
    if (!USER.test(serviceUser) || serviceUser === "root") c.add("serviceUser", serviceUser, "an unprivileged Unix user name (not root)");
    const keysRaw = json("serviceUserAuthorizedKeys");
    const serviceUserAuthorizedKeys: string[] = [];
    if (keysRaw !== undefined) {
        if (!Array.isArray(keysRaw)) c.add("serviceUserAuthorizedKeys", keysRaw, "a list of OpenSSH public keys");
        else
            for (const k of keysRaw) {
                if (typeof k !== "string" || !/^(ssh-|ecdsa-)\S+ [A-Za-z0-9+/=]+/.test(k))
                    c.add("serviceUserAuthorizedKeys", k, "an OpenSSH public key");
                else serviceUserAuthorizedKeys.push(k);
            }
    }

    const namesrvHeap = heap(c, "namesrvHeap", str("namesrvHeap", "512m"));
    const brokerHeapText = str("brokerHeap", "auto");
    const brokerHeap = brokerHeapText === "auto" ? "auto" : heap(c, "brokerHeap", brokerHeapText);

    // Broker properties: every override must be a key this version reads.
    const known = brokerKeys(version);
    const checkProps = (key: string, props: Record<string, string>): void => {
        for (const [k, v] of Object.entries(props)) {
            if (!known.has(k)) {
                const hint = suggestKey(version, k);
                c.add(
                    `${key}.${k}`,
                    v,
                    `a broker property RocketMQ ${version} reads${hint ? ` (did you mean ${hint}?)` : ""}; the list is config/brokerKeys/${version}.json`,
                );
            } else if (!PROPERTY_VALUE.test(v)) {
                c.add(`${key}.${k}`, v, "a single-line value");
            }
        }
    };
    const brokerProperties = stringMap("brokerProperties", json("brokerProperties"));
    checkProps("brokerProperties", brokerProperties);

    const instancesRaw = json("instances");
    const instances: Record<string, InstanceOverride> = {};
    if (instancesRaw !== undefined && (typeof instancesRaw !== "object" || instancesRaw === null || Array.isArray(instancesRaw))) {
        c.add("instances", instancesRaw, "a map of instance id (broker-a, broker-a-s, n0, namesrv-worker1...) to {heap?, properties?}");
    } else if (instancesRaw) {
        for (const [id, ov] of Object.entries(instancesRaw as Record<string, unknown>)) {
            const o = (ov ?? {}) as Record<string, unknown>;
            const entry: InstanceOverride = {};
            if (o.heap !== undefined) entry.heap = heap(c, `instances.${id}.heap`, String(o.heap));
            if (o.properties !== undefined) {
                entry.properties = stringMap(`instances.${id}.properties`, o.properties);
                checkProps(`instances.${id}.properties`, entry.properties);
            }
            for (const extra of Object.keys(o).filter((k) => k !== "heap" && k !== "properties"))
                c.add(`instances.${id}.${extra}`, o[extra], "only heap and properties can be set per instance");
            instances[id] = entry;
        }
    }

    const sysctl = { ...DEFAULT_SYSCTL, ...stringMap("sysctl", json("sysctl")) };
    for (const [k, v] of Object.entries(sysctl)) {
        if (!SYSCTL_KEY.test(k)) c.add(`sysctl.${k}`, v, "a kernel parameter name like vm.swappiness");
        else if (!/^[0-9A-Za-z ._-]+$/.test(v)) c.add(`sysctl.${k}`, v, "a plain value (digits, letters, spaces)");
    }
    const ioScheduler = str("ioScheduler", "mq-deadline");
    if (!["mq-deadline", "deadline", "none", "kyber", "bfq"].includes(ioScheduler))
        c.add("ioScheduler", ioScheduler, "mq-deadline, deadline, none, kyber or bfq");
    const dataDevice = optStr("dataDevice");
    if (dataDevice !== undefined && !/^[a-z0-9]+$/.test(dataDevice))
        c.add("dataDevice", dataDevice, "a block device name such as nvme1n1 or sdb");

    const dashboardEnabled = bool("dashboardEnabled", true);
    const dashboardVersion = str("dashboardVersion", "2.0.0");
    const dashboardLocalJar = optStr("dashboardLocalJar");
    const dashboardUrl = str("dashboardUrl", "");
    const dashboardSha512 = optStr("dashboardSha512");
    if (dashboardSha512 !== undefined && !SHA512.test(dashboardSha512)) c.add("dashboardSha512", dashboardSha512, "128 hex digits");
    if (dashboardEnabled && !dashboardLocalJar) {
        if (!/^https?:\/\/\S+\.jar$/.test(dashboardUrl))
            c.add(
                "dashboardUrl",
                dashboardUrl || undefined,
                "an http(s) URL of rocketmq-dashboard-VERSION.jar (or set dashboardLocalJar, or dashboardEnabled=false)",
            );
        if (!dashboardSha512) c.add("dashboardSha512", undefined, "required with dashboardUrl: the sha512 of the jar");
    }
    const dashboard = {
        enabled: dashboardEnabled,
        version: dashboardVersion,
        port: int("dashboardPort", 8080, 1024, 65535),
        url: dashboardUrl,
        sha512: dashboardSha512,
        localJar: dashboardLocalJar,
        heap: heap(c, "dashboardHeap", str("dashboardHeap", "256m")),
    };

    const cfg: ClusterConfig = {
        environment,
        hostMode,
        existingHosts,
        aws: awsSettings,
        topology,
        version,
        clusterName,
        distribution: { source: localArchive ? "upload" : "download", url, sha512, localArchive },
        javaArchive: optStr("javaArchive"),
        appRoot,
        storeRoot,
        serviceUser,
        serviceUserAuthorizedKeys,
        namesrvHeap,
        brokerHeap,
        brokerProperties,
        instances,
        autoCreateTopicEnable: bool("autoCreateTopicEnable", environment !== "prod"),
        autoCreateSubscriptionGroup: bool("autoCreateSubscriptionGroup", environment !== "prod"),
        sysctl,
        ioScheduler,
        dataDevice,
        dashboard,
        smokeMessages: int("smokeMessages", 100, 0, 100000),
        startTimeoutSeconds: int("startTimeoutSeconds", 180, 10, 3600),
    };
    if (cfg.javaArchive !== undefined && !/\.(tar\.gz|tgz)$/.test(cfg.javaArchive))
        c.add("javaArchive", cfg.javaArchive, "a path to a JDK .tar.gz on the deploying machine");
    if (c.problems.length > 0) throw new ConfigError(c.problems);
    return cfg;
}

function heap(c: Collector, key: string, text: string): string {
    const mib = parseSizeMiB(text);
    if (mib === undefined || mib < 64) {
        c.add(key, text, "a JVM size such as 512m or 2g (at least 64m)");
        return "512m";
    }
    return text;
}

function checkUnique(c: Collector, key: string, values: string[]): void {
    const seen = new Set<string>();
    for (const v of values) {
        if (seen.has(v)) c.add(key, v, "unique values: this one appears more than once");
        seen.add(v);
    }
}

function validCidr(cidr: string): boolean {
    const m = CIDR.exec(cidr);
    if (!m) return false;
    return m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) <= 32;
}

/** Host memory and cores known at preview: from the host list, or the EC2 type table. */
export function knownHostSize(cfg: ClusterConfig, index: number): { memoryMiB?: number; cpus?: number } {
    if (cfg.hostMode === "existing") {
        const h = cfg.existingHosts[index];
        return { memoryMiB: h?.memoryMiB, cpus: h?.cpus };
    }
    return EC2_MEMORY_MIB[cfg.aws?.instanceType ?? ""] ?? {};
}
