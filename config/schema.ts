// The validated shape of the stack configuration. Plain data: no Pulumi types, so the
// planning and validation code that consumes it can be unit-tested without mocks.

import { RocketMqVersion, VERSIONS } from "./versions";

export const TOPOLOGIES = ["2m-2s-async", "2m-2s-sync", "2m-noslave", "dledger"] as const;
export type Topology = (typeof TOPOLOGIES)[number];

// The versions are the keys of config/versions.ts (one entry per version, each with its facts and
// config/brokerKeys/VERSION.json from scripts/gen-broker-keys.sh VERSION). The default moves to a
// newer version only once every e2e scenario passes on it.
export const SUPPORTED_VERSIONS = Object.keys(VERSIONS) as readonly RocketMqVersion[];
export type { RocketMqVersion };
export const DEFAULT_VERSION: RocketMqVersion = "5.3.3";

export const HOST_MODES = ["aws", "existing"] as const;
export type HostMode = (typeof HOST_MODES)[number];

export const ENVIRONMENTS = ["dev", "prod", "test"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** One SSH-reachable machine (mode `existing`). */
export interface ExistingHostSpec {
    /** Short name used in /etc/hosts and in the broker config, e.g. `worker1`. */
    name: string;
    /** Address the deployer connects to over SSH. */
    host: string;
    /** Address the cluster members use among themselves (brokerIP2, HA, DLedger peers). Default: `host`. */
    privateAddress: string;
    /** Address clients are told (brokerIP1, namesrvAddr output). Default: `privateAddress`. */
    clientAddress: string;
    /** SSH user; must be root or have password-less sudo. Default `root`. */
    user: string;
    /** SSH port. Default 22. */
    port: number;
    /** Memory of the machine in MiB, when known: enables heap sizing and heap checks. */
    memoryMiB?: number;
    /** CPU cores, when known: sizes sendMessageThreadPoolNums. */
    cpus?: number;
}

export interface AwsSettings {
    instanceType: string;
    /** `ubuntu-24.04`, `ubuntu-22.04`, `al2023`, or an explicit `ami-...` id. */
    ami: string;
    /** Who may reach name servers, brokers and the dashboard. */
    allowedCidrs: string[];
    /** Who may reach SSH (the deployer); `allowedCidrs` when not set. */
    sshAllowedCidrs: string[];
    sshPublicKey: string;
    dataVolumeGiB: number;
    vpcCidr: string;
    /**
     * What brokers advertise to clients (brokerIP1) and namesrvAddr lists: `private` (the VPC
     * address) or `public` (the instance's public DNS name, which resolves to its private address
     * inside the VPC). Resolved from `auto`: public when an allowedCidrs entry lies outside vpcCidr.
     */
    clientAddress: "private" | "public";
    /** Why clientAddress is what it is (printed at preview). */
    clientAddressReason: string;
    /** Lifts `protect` from instances and data volumes, so an update may replace them and destroy may delete them. */
    allowHostReplacement: boolean;
}

export interface DistributionSettings {
    /** `download`: hosts fetch `url` and check `sha512`; `upload`: the deployer copies `localArchive`. */
    source: "download" | "upload";
    url: string;
    sha512?: string;
    localArchive?: string;
}

export interface DashboardSettings {
    enabled: boolean;
    version: string;
    port: number;
    url: string;
    sha512?: string;
    localJar?: string;
    /** Heap of the dashboard JVM, e.g. `256m`. */
    heap: string;
}

/** Per-instance tuning, keyed by instance id (`broker-a`, `broker-b-s`, `n0`, `namesrv-worker1`...). */
export interface InstanceOverride {
    heap?: string;
    properties?: Record<string, string>;
}

/** A topic the stack owns (rocketmq:topics): created and updated through mqadmin on every broker group. */
export interface TopicSpec {
    name: string;
    /** Queues per broker group (master / DLedger group). */
    readQueues: number;
    writeQueues: number;
    /** 6 read+write, 4 read only, 2 write only (RocketMQ's PermName). */
    perm: 2 | 4 | 6;
    /** 5.x topic attribute message.type; undefined where the version has none (4.9.x). */
    messageType?: TopicMessageType;
}

export const TOPIC_MESSAGE_TYPES = ["NORMAL", "FIFO", "DELAY", "TRANSACTION"] as const;
export type TopicMessageType = (typeof TOPIC_MESSAGE_TYPES)[number];

/** A consumer group the stack owns (rocketmq:consumerGroups). */
export interface ConsumerGroupSpec {
    name: string;
    retryMaxTimes: number;
    broadcast: boolean;
    /** 5.x consumeMessageOrderly; undefined where the version has none (4.9.x). */
    orderly?: boolean;
}

export interface ClusterConfig {
    environment: Environment;
    hostMode: HostMode;
    existingHosts: ExistingHostSpec[];
    aws?: AwsSettings;
    topology: Topology;
    version: RocketMqVersion;
    clusterName: string;
    distribution: DistributionSettings;
    /** Optional JDK archive (.tar.gz) to upload when a host has no Java >= 11. */
    javaArchive?: string;
    /** Root of everything RocketMQ on a host (the guide's /app). */
    appRoot: string;
    /** Root under which each broker gets its own store directory. */
    storeRoot: string;
    serviceUser: string;
    serviceUserAuthorizedKeys: string[];
    namesrvHeap: string;
    /** `auto` sizes from host memory; otherwise a size like `2g`. */
    brokerHeap: string;
    brokerProperties: Record<string, string>;
    instances: Record<string, InstanceOverride>;
    autoCreateTopicEnable: boolean;
    autoCreateSubscriptionGroup: boolean;
    sysctl: Record<string, string>;
    ioScheduler: string;
    dataDevice?: string;
    dashboard: DashboardSettings;
    smokeMessages: number;
    /** Seconds a start may take before the deploy fails and prints the instance log. */
    startTimeoutSeconds: number;
    /** Delete the store directories when an instance or the stack is destroyed. */
    purgeDataOnDestroy: boolean;
    /** Topics and consumer groups as code (components/topicsAndGroups.ts). */
    topics: TopicSpec[];
    consumerGroups: ConsumerGroupSpec[];
    /** A topic or group removed from config is deleted on the cluster (else kept: retainOnDelete). */
    deleteRemovedTopics: boolean;
    deleteRemovedGroups: boolean;
    /** An update may lower a topic's read queues (messages in the dropped queues become unreadable). */
    allowQueueDecrease: boolean;
}
