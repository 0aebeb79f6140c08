// Turns raw stack config (strings and JSON, as Pulumi hands it over) into a ClusterConfig, or a
// ConfigError naming every bad key, its value and what is allowed. Runs before any resource exists.
// Every string that reaches a host script is held to a strict pattern here (config/validate/).
import { storeRootProblem } from "../planning/installation";
import { DEFAULTS, DEFAULT_SYSCTL } from "./defaults";
import { ConfigError } from "./errors";
import {
    ClusterConfig,
    ENVIRONMENTS,
    Environment,
    HOST_MODES,
    HostMode,
    RocketMqVersion,
    SUPPORTED_VERSIONS,
    TOPOLOGIES,
    Topology,
} from "./schema";
import { dashboard, distribution, javaArtifact } from "./validate/artifacts";
import { authSettings } from "./validate/auth";
import { checkBrokerProperties, instanceOverrides } from "./validate/brokerProperties";
import { checkDeployerReach } from "./validate/awsReach";
import { awsSettings, existingHosts } from "./validate/hosts";
import { DEVICE, PATH_ALLOWED, SYSCTL_KEY, SYSCTL_VALUE, USER, validAbsPath, validPublicKey } from "./validate/patterns";
import { GROUP_NAME } from "./validate/rules";
import { Collector, RawConfig, Reader } from "./validate/reader";
import { consumerGroups, topics } from "./validate/topics";

export type { RawConfig } from "./validate/reader";
export { defaultDownloadUrl } from "./validate/artifacts";

export { DEFAULT_SYSCTL };

export const IO_SCHEDULERS = ["mq-deadline", "deadline", "none", "kyber", "bfq"] as const;

export function validateConfig(raw: RawConfig): ClusterConfig {
    const c = new Collector();
    const r = new Reader(raw, c);

    const environment = r.oneOf<Environment>("environment", ENVIRONMENTS, "dev");
    const hostMode = r.oneOf<HostMode>("hostMode", HOST_MODES, "existing");
    const topology = r.oneOf<Topology>("topology", TOPOLOGIES, "2m-2s-async");
    const version = r.oneOf<RocketMqVersion>("version", SUPPORTED_VERSIONS, DEFAULTS.version);
    const clusterName = r.str("clusterName", DEFAULTS.clusterName);
    c.rule("clusterName", clusterName, GROUP_NAME);

    const hosts = hostMode === "existing" ? existingHosts(r, topology, environment) : [];
    const aws = hostMode === "aws" ? awsSettings(r, environment) : undefined;
    if (aws !== undefined)
        checkDeployerReach(c, aws, r.raw.sshAllowedCidrs !== undefined && r.raw.sshAllowedCidrs !== "" && r.raw.sshAllowedCidrs !== "[]");
    if (hostMode === "existing" && r.str("clientAddress", "auto") !== "auto")
        c.add(
            "clientAddress",
            r.str("clientAddress", "auto"),
            "auto in existing mode: each host's clients address is hosts[].clientAddress",
        );
    const dist = distribution(r, version);

    const appRoot = r.str("appRoot", DEFAULTS.appRoot);
    const storeRoot = r.str("storeRoot", DEFAULTS.storeRoot);
    for (const [k, v] of [
        ["appRoot", appRoot],
        ["storeRoot", storeRoot],
    ] as const)
        if (!validAbsPath(v)) c.add(k, v, PATH_ALLOWED);
    const storeProblem = storeRootProblem({ appRoot }, storeRoot);
    if (storeProblem !== undefined && validAbsPath(storeRoot) && validAbsPath(appRoot)) c.add("storeRoot", storeRoot, storeProblem);
    const serviceUser = r.str("serviceUser", DEFAULTS.serviceUser);
    if (!USER.test(serviceUser) || serviceUser === "root") c.add("serviceUser", serviceUser, "an unprivileged Unix user name (not root)");
    const keysRaw = r.json("serviceUserAuthorizedKeys");
    const serviceUserAuthorizedKeys: string[] = [];
    if (keysRaw !== undefined) {
        if (!Array.isArray(keysRaw)) c.add("serviceUserAuthorizedKeys", keysRaw, "a list of OpenSSH public keys");
        else
            for (const k of keysRaw) {
                if (typeof k !== "string" || !validPublicKey(k))
                    c.add(
                        "serviceUserAuthorizedKeys",
                        k,
                        "an OpenSSH public key line: TYPE BASE64 [comment of letters, digits and @ . _ + : , = -]",
                    );
                else serviceUserAuthorizedKeys.push(k);
            }
    }

    const namesrvHeap = r.heap("namesrvHeap", r.str("namesrvHeap", DEFAULTS.namesrvHeap));
    const brokerHeapText = r.str("brokerHeap", "auto");
    const brokerHeap = brokerHeapText === "auto" ? "auto" : r.heap("brokerHeap", brokerHeapText);

    const brokerProperties = r.stringMap("brokerProperties", r.json("brokerProperties"));
    checkBrokerProperties(c, version, "brokerProperties", brokerProperties, appRoot);
    const instances = instanceOverrides(r, version, appRoot);

    const sysctl = { ...DEFAULT_SYSCTL, ...r.stringMap("sysctl", r.json("sysctl")) };
    for (const [k, v] of Object.entries(sysctl)) {
        if (!SYSCTL_KEY.test(k)) c.add(`sysctl.${k}`, v, "a kernel parameter name like vm.swappiness");
        else if (!SYSCTL_VALUE.test(v))
            c.add(`sysctl.${k}`, v, "a plain value: words of letters, digits, _ and - separated by single spaces or dots");
    }
    const ioScheduler = r.oneOf("ioScheduler", IO_SCHEDULERS, DEFAULTS.ioScheduler);
    const dataDevice = r.optStr("dataDevice");
    if (dataDevice !== undefined && !DEVICE.test(dataDevice)) c.add("dataDevice", dataDevice, "a block device name such as nvme1n1 or sdb");

    const cfg: ClusterConfig = {
        environment,
        hostMode,
        existingHosts: hosts,
        aws,
        topology,
        version,
        clusterName,
        distribution: dist,
        ...javaArtifact(r),
        appRoot,
        storeRoot,
        serviceUser,
        serviceUserAuthorizedKeys,
        namesrvHeap,
        brokerHeap,
        brokerProperties,
        instances,
        autoCreateTopicEnable: r.bool("autoCreateTopicEnable", environment !== "prod"),
        autoCreateSubscriptionGroup: r.bool("autoCreateSubscriptionGroup", environment !== "prod"),
        sysctl,
        ioScheduler,
        dataDevice,
        dashboard: {
            ...dashboard(r),
            // The console speaks plain HTTP: production keeps it on loopback unless told otherwise.
            listen:
                r.oneOf("dashboardListen", ["auto", "loopback", "all"] as const, "auto") === "all" ||
                (r.str("dashboardListen", "auto") === "auto" && environment !== "prod")
                    ? "all"
                    : "loopback",
        },
        smokeMessages: r.int("smokeMessages", 100, 0, 100000),
        startTimeoutSeconds: r.int("startTimeoutSeconds", DEFAULTS.startTimeoutSeconds, 10, 3600),
        purgeDataOnDestroy: r.bool("purgeDataOnDestroy", false),
        // The brokers register topics named like the cluster and their brokerName (planning/topology.ts).
        topics: topics(r, version, clusterName, topology === "dledger" ? ["RaftNode00"] : ["broker-a", "broker-b"]),
        consumerGroups: consumerGroups(r, version),
        deleteRemovedTopics: r.bool("deleteRemovedTopics", false),
        deleteRemovedGroups: r.bool("deleteRemovedGroups", false),
        allowQueueDecrease: r.bool("allowQueueDecrease", false),
        auth: authSettings(r, version, environment),
    };
    if (c.problems.length > 0) throw new ConfigError(c.problems);
    return cfg;
}
