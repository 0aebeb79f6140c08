// The stack's configuration keys, declared once: type, default, documentation and what changing each
// does to a running cluster. Pulumi.yaml's config block and docs/configuration.md are generated from
// this table (tests/unit/keys.test.ts checks they are current; RMQ_WRITE_GENERATED=1 rewrites them),
// the loader reads exactly these keys, and a unit test walks every key through the whole program
// under mocks to check that a change of it does what `change` says.
import { DEFAULTS } from "./defaults";

/**
 * What a change of a key does on a running cluster:
 * - rolling: exactly the affected instances restart, one at a time, each gated on health;
 * - in-place: nothing restarts (host settings, topics, users, checks);
 * - refused: the preview fails naming the key, the deployed value, the new value and `refused`, the way to do it;
 * - procedure: a documented migration.
 */
export type ChangePolicy = "rolling" | "in-place" | "refused" | "procedure";

export interface KeySpec {
    /** Pulumi config type (absent for the secret). */
    type?: "string" | "integer" | "boolean" | "array" | "object";
    items?: "string" | "object";
    secret?: boolean;
    default?: string | number | boolean | [] | Record<string, never>;
    description: string;
    /** Read in this host mode only (aws keys are ignored in existing mode). */
    mode?: "aws";
    change: ChangePolicy;
    /** What happens when it changes (rolling, in-place, procedure). */
    effect?: string;
    /** refused: why, and the way to get what the user wanted. */
    refused?: string;
}

export const KEYS = {
    environment: {
        type: "string",
        default: "dev",
        description:
            "dev, prod or test. prod turns topic/group auto-creation off, authentication on and the dashboard onto loopback by default, and refuses 0.0.0.0/0 in allowedCidrs.",
        change: "rolling",
        effect: "Changes the defaults that follow it (autoCreateTopicEnable, autoCreateSubscriptionGroup, authEnabled, dashboardListen); brokers or the dashboard roll when one of those changes.",
    },
    hostMode: {
        type: "string",
        default: "existing",
        description:
            "aws: the stack creates VPC, security group, key pair and three EC2 instances. existing: rocketmq:hosts lists three SSH hosts.",
        change: "refused",
        refused:
            "the cluster's machines would be replaced by others, with empty stores. Deploy the new hosts as a new stack, move producers and consumers to it, then destroy this one (docs: Operations, moving a cluster)",
    },
    hosts: {
        type: "array",
        items: "object",
        default: [],
        description:
            "existing mode: list of three {name, host, privateAddress? (host), clientAddress? (privateAddress), user? (root), port? (22), memoryMiB?, cpus?, hostKey?}. host is what SSH dials; privateAddress what the hosts use among themselves (replication); clientAddress what brokers tell clients (brokerIP1) and namesrvAddr lists. The user must be root or have password-less sudo. hostKey is the host's public SSH host key line (the content of /etc/ssh/ssh_host_ed25519_key.pub, read on the host): every connection verifies it and `pulumi up` stops before anything runs when a host offers another; required when environment is prod, otherwise a warning says the host is not verified.",
        change: "rolling",
        effect: "A new address, memory or core count rolls the instances whose files change (addresses advertised, heaps, thread pools), one at a time. Names are refused: instances are placed by name.",
        refused:
            "instances are placed by host name: renaming, adding or removing a host moves brokers onto other machines' stores. Keep the names; to replace a machine, give the new one the old name and address (its store must be restored there first)",
    },
    sshPrivateKey: {
        secret: true,
        description: "Private SSH key the deployer uses for every host (set with --secret). Required.",
        change: "in-place",
        effect: "The deployer connects with the new key; nothing on the hosts changes.",
    },
    topology: {
        type: "string",
        default: "2m-2s-async",
        description: "2m-2s-async (the guide's layout), 2m-2s-sync, 2m-noslave or dledger (3-node Raft group).",
        change: "refused",
        refused:
            "the new layout's brokers would start on the stores of different brokers (Lock failed, crash loops) and topics, offsets and users would not follow. Deploy the new topology as a new stack, move clients, then destroy this one",
    },
    version: {
        type: "string",
        default: DEFAULTS.version,
        description: "RocketMQ version: 5.5.0, 5.3.3 or 4.9.7.",
        change: "rolling",
        effect: "Rolling upgrade or rollback within a store format family (name servers, then per group replicas before masters, DLedger leader last); moves across families are refused at preview (docs: Upgrades).",
    },
    clusterName: {
        type: "string",
        default: DEFAULTS.clusterName,
        description: "brokerClusterName of every broker.",
        change: "refused",
        refused:
            "brokers register by cluster name: during the roll the cluster would be split in two, and clients, the dashboard and topic routes that name it would lose it. Deploy a new stack under the new name and move clients",
    },
    downloadUrl: {
        type: "string",
        default: "",
        description: "Where hosts download rocketmq-all-VERSION-bin-release.zip. Default: the Apache archive URL of the version.",
        change: "in-place",
        effect: "Read when a release is installed: the install script reruns, a release already unpacked is kept, nothing restarts.",
    },
    sha512: {
        type: "string",
        default: "",
        description:
            "sha512 of the zip (128 hex digits). Required, with a download or localArchive; every host checks it on root's copy before unpacking.",
        change: "in-place",
        effect: "Checked when a release is downloaded: the install script reruns, nothing restarts.",
    },
    localArchive: {
        type: "string",
        default: "",
        description: "Upload this local zip instead of downloading (the guide's way).",
        change: "in-place",
        effect: "Uploaded when a release is installed: the install script reruns, nothing restarts.",
    },
    javaArchive: {
        type: "string",
        default: "",
        description: "Local JDK .tar.gz to upload when a host has no Java >= 11; otherwise the distro's OpenJDK 17 is installed.",
        change: "in-place",
        effect: "Used only on hosts without Java 11+: the install script reruns, nothing restarts.",
    },
    javaSha512: {
        type: "string",
        default: "",
        description:
            "sha512 of javaArchive (128 hex digits). Required with javaArchive; every host checks it on root's copy before unpacking.",
        change: "in-place",
        effect: "Checked when the JDK archive is installed: the install script reruns, nothing restarts.",
    },
    appRoot: {
        type: "string",
        default: DEFAULTS.appRoot,
        description: "Root directory on the hosts; RocketMQ lives in APPROOT/rocketmq.",
        change: "refused",
        refused: "every installed release, instance file and unit lives under it. Keep it; a new location needs a new stack",
    },
    storeRoot: {
        type: "string",
        default: DEFAULTS.storeRoot,
        description: "Store root: masters use STOREROOT/store, slaves STOREROOT/storeSlave. In aws mode the data volume is mounted here.",
        change: "refused",
        refused:
            "the brokers would restart on empty stores (topics, consumer offsets, users and unconsumed messages stay behind). Keep storeRoot; to move data to another disk, mount the new disk at the same path (rocketmq:dataDevice on a new stack, or by hand: copy while the broker is stopped, then mount over)",
    },
    serviceUser: {
        type: "string",
        default: DEFAULTS.serviceUser,
        description: "Unprivileged user the services run as (password locked).",
        change: "refused",
        refused: "the stores, logs and homes belong to the deployed user: brokers started as another one cannot open them. Keep it",
    },
    serviceUserAuthorizedKeys: {
        type: "array",
        items: "string",
        default: [],
        description: "List of SSH public keys allowed to log in as the service user (default none).",
        change: "in-place",
        effect: "The service user's authorized_keys is rewritten; nothing restarts.",
    },
    namesrvHeap: {
        type: "string",
        default: DEFAULTS.namesrvHeap,
        description: "Name server heap (the guide's 512m).",
        change: "rolling",
        effect: "The name servers roll, one at a time.",
    },
    brokerHeap: {
        type: "string",
        default: "auto",
        description: "Broker heap, e.g. 2g; auto = half of the memory left by the name server, split between the host's brokers, 512m..8g.",
        change: "rolling",
        effect: "The brokers whose heap changes roll, one at a time.",
    },
    brokerProperties: {
        type: "object",
        default: {},
        description: "Map of broker properties for every broker; keys are checked against what the version reads (config/brokerKeys).",
        change: "rolling",
        effect: "Every broker rolls, one at a time (replicas before masters). Store paths (storePathRootDir, storePathCommitLog, ...) are refused once deployed.",
    },
    instances: {
        type: "object",
        default: {},
        description:
            "Per-instance overrides: map of instance id (broker-a, broker-a-s, broker-b, broker-b-s, n0..n2, namesrv-NAME) to {heap?, properties?}.",
        change: "rolling",
        effect: "Exactly the named instances roll, one at a time. Store paths are refused once deployed.",
    },
    autoCreateTopicEnable: {
        type: "string",
        default: "auto",
        description: "Create topics on first send: true, false, or auto (true, but false when environment is prod).",
        change: "rolling",
        effect: "Every broker rolls, one at a time.",
    },
    autoCreateSubscriptionGroup: {
        type: "string",
        default: "auto",
        description: "Create subscription groups on first use: true, false, or auto (true, but false when environment is prod).",
        change: "rolling",
        effect: "Every broker rolls, one at a time.",
    },
    sysctl: {
        type: "object",
        default: {},
        description: "Map of kernel settings merged over the defaults (upstream os.sh, swappiness 10 per the guide).",
        change: "in-place",
        effect: "Applied to the running kernel (sysctl --system); nothing restarts.",
    },
    ioScheduler: {
        type: "string",
        default: DEFAULTS.ioScheduler,
        description: "IO scheduler for the data device: mq-deadline, deadline, none, kyber or bfq.",
        change: "in-place",
        effect: "Applied to the data device at once; nothing restarts.",
    },
    dataDevice: {
        type: "string",
        default: "",
        description: "Block device of the store (e.g. sdb) for the IO scheduler; aws mode finds its data volume itself.",
        change: "refused",
        refused:
            "the store is on the deployed device: mounting another one at storeRoot hides it. Keep it; move data by hand with the brokers stopped",
    },
    dashboardEnabled: {
        type: "boolean",
        default: true,
        description: "Run rocketmq-dashboard on worker1, login required.",
        change: "rolling",
        effect: "The dashboard is started or removed; no broker or name server restarts.",
    },
    dashboardVersion: {
        type: "string",
        default: "2.0.0",
        description: "rocketmq-dashboard version.",
        change: "rolling",
        effect: "The dashboard restarts on the new jar; nothing else restarts.",
    },
    dashboardPort: {
        type: "integer",
        default: 8080,
        description: "Dashboard HTTP port.",
        change: "rolling",
        effect: "The dashboard restarts on the new port; nothing else restarts.",
    },
    dashboardUrl: {
        type: "string",
        default: "",
        description: "Where worker1 downloads rocketmq-dashboard-VERSION.jar (required unless dashboardLocalJar or disabled).",
        change: "in-place",
        effect: "Read when the dashboard jar is downloaded; nothing restarts unless the jar changes.",
    },
    dashboardSha512: {
        type: "string",
        default: "",
        description: "sha512 of the dashboard jar (required with dashboardUrl).",
        change: "in-place",
        effect: "Checked when the dashboard jar is downloaded; nothing restarts unless the jar changes.",
    },
    dashboardLocalJar: {
        type: "string",
        default: "",
        description: "Upload this local dashboard jar instead of downloading it.",
        change: "in-place",
        effect: "Uploaded when the dashboard is deployed; nothing restarts unless the jar differs from the running one.",
    },
    dashboardHeap: {
        type: "string",
        default: "256m",
        description: "Dashboard heap.",
        change: "rolling",
        effect: "The dashboard restarts; nothing else restarts.",
    },
    dashboardListen: {
        type: "string",
        default: "auto",
        description:
            "Where the dashboard listens: loopback (127.0.0.1 only; reach it with the SSH tunnel the dashboardUrl output shows, its port stays closed in aws mode), all (every address, port opened to allowedCidrs), or auto: loopback when environment is prod, else all. The console speaks plain HTTP: its login would cross the network in clear.",
        change: "rolling",
        effect: "The dashboard restarts on the new address; nothing else restarts.",
    },
    smokeMessages: {
        type: "integer",
        default: 100,
        description: "Messages the smoke step sends and must receive after every change; 0 skips it.",
        change: "in-place",
        effect: "Only the smoke check after each change; nothing restarts.",
    },
    startTimeoutSeconds: {
        type: "integer",
        default: DEFAULTS.startTimeoutSeconds,
        description: "Seconds an instance may take to become healthy before the deploy fails and prints its log.",
        change: "in-place",
        effect: "Only how long deploys and rolls wait; nothing restarts.",
    },
    purgeDataOnDestroy: {
        type: "boolean",
        default: false,
        description:
            "Delete store directories on pulumi destroy, and in aws mode the data volumes (after their instance is stopped). Off by default: data outlives the stack (aws: the volumes are left in the account). Takes effect at the next pulumi up.",
        change: "in-place",
        effect: "Recorded for the next destroy; nothing restarts.",
    },
    authEnabled: {
        type: "string",
        default: "auto",
        description:
            "true, false or auto (true when environment is prod, else false). Authentication and authorization (ACL 2.0) on every broker: clients need a user; the stack's tools and the dashboard use the generated administrator (output authAdminPassword). RocketMQ 5.3.3+ only (refused on 4.9.7; prod on 4.9.7 must set it false explicitly). Turning it on or off rolls the brokers.",
        change: "rolling",
        effect: "Every broker rolls (its ACL settings change) and the dashboard restarts with the administrator's credentials.",
    },
    authUsers: {
        type: "object",
        default: {},
        description:
            "With authEnabled: users as a map of name to {topics: {TOPIC: PUB, SUB or PUB|SUB}, groups: [GROUP, ...]}; each gets a generated password (output authUserPasswords) and exactly these permissions on every broker.",
        change: "in-place",
        effect: "Users and ACLs are applied on every broker with mqadmin; nothing restarts.",
    },
    instanceType: {
        type: "string",
        default: "t3.large",
        description: "aws mode: EC2 instance type.",
        mode: "aws",
        change: "refused",
        refused:
            "stopping and starting the three machines for the new type changes their addresses and, done together, stops the whole cluster. Create new hosts of the new type as a new stack and move clients (docs: Operations)",
    },
    ami: {
        type: "string",
        default: "ubuntu-24.04",
        description:
            "aws mode: ubuntu-24.04, ubuntu-22.04, al2023 (the newest image of the family when an instance is created, kept afterwards: a newer image changes nothing) or an ami-... id (exactly that image: changing it replaces the hosts, see allowHostReplacement).",
        mode: "aws",
        change: "in-place",
        effect: "A family name picks the image only when a host is created: nothing changes. An explicit ami-... id would replace the hosts: refused by protect unless allowHostReplacement.",
    },
    allowedCidrs: {
        type: "array",
        items: "string",
        default: [],
        description:
            "aws mode: list of CIDRs that may reach name servers, brokers and dashboard (and SSH unless sshAllowedCidrs is set). Required; 0.0.0.0/0 refused on prod.",
        mode: "aws",
        change: "in-place",
        effect: "Security group rules change in place; nothing restarts.",
    },
    sshAllowedCidrs: {
        type: "array",
        items: "string",
        default: [],
        description:
            "aws mode: list of CIDRs that may reach SSH (port 22): where pulumi up runs from. Empty: the same as allowedCidrs. 0.0.0.0/0 refused on prod.",
        mode: "aws",
        change: "in-place",
        effect: "Security group rules change in place; nothing restarts.",
    },
    clientAddress: {
        type: "string",
        default: "auto",
        description:
            "aws mode: what brokers tell clients to connect to (brokerIP1) and namesrvAddr lists: private (VPC addresses), public (each instance's public DNS name, which resolves to its private address inside the VPC), or auto: public when an allowedCidrs entry lies outside vpcCidr, else private. Replication stays on private addresses either way.",
        mode: "aws",
        change: "rolling",
        effect: "Every broker rolls with its new brokerIP1; namesrvAddr changes for clients.",
    },
    allowHostReplacement: {
        type: "boolean",
        default: false,
        description:
            "aws mode: false protects the instances and data volumes, so an update that would replace or delete one fails at preview and destroy refuses. Set true, then pulumi up, to replace hosts or destroy the stack.",
        mode: "aws",
        change: "in-place",
        effect: "Only the protect flag of instances and volumes.",
    },
    sshPublicKey: {
        type: "string",
        default: "",
        description: "aws mode: public half of sshPrivateKey, installed as the EC2 key pair.",
        mode: "aws",
        change: "refused",
        refused:
            "the EC2 key pair is fixed at creation: a new one replaces every machine. Keep it; to rotate access, add the new key to the hosts' authorized_keys by hand and change sshPrivateKey",
    },
    dataVolumeGiB: {
        type: "integer",
        default: 50,
        description: "aws mode: size of each host's gp3 data volume, mounted at storeRoot.",
        mode: "aws",
        change: "in-place",
        effect: "The volume grows in place (it cannot shrink: a smaller size is refused by AWS).",
    },
    vpcCidr: {
        type: "string",
        default: "10.20.0.0/16",
        description: "aws mode: VPC range.",
        mode: "aws",
        change: "refused",
        refused: "a new VPC means new machines with empty stores. Deploy a new stack and move clients",
    },
    topics: {
        type: "array",
        items: "object",
        default: [],
        description:
            "Topics the stack owns, one resource each: list of {name, queues? (8: read and write queues per broker group), readQueues?, writeQueues? (at most readQueues), perm? (rw|r|w), messageType? (NORMAL|FIFO|DELAY|TRANSACTION, 5.x only; NORMAL when unset)}. Created and updated with mqadmin on every broker group, then read back.",
        change: "in-place",
        effect: "Each changed topic is updated with mqadmin on every broker group; nothing restarts.",
    },
    consumerGroups: {
        type: "array",
        items: "object",
        default: [],
        description:
            "Consumer groups the stack owns, one resource each: list of {name, retryMaxTimes? (16, 0-64), broadcast? (false), orderly? (false, 5.x only)}. Created and updated with mqadmin on every broker group, then read back.",
        change: "in-place",
        effect: "Each changed group is updated with mqadmin on every broker group; nothing restarts.",
    },
    deleteRemovedTopics: {
        type: "boolean",
        default: false,
        description:
            "false: a topic removed from rocketmq:topics stays on the cluster (preview shows delete[retain]). true: it is deleted (mqadmin deleteTopic). Applies to topics as of the pulumi up that recorded it: set it and up first, then remove the topic.",
        change: "in-place",
        effect: "Recorded for topics removed later; nothing restarts.",
    },
    deleteRemovedGroups: {
        type: "boolean",
        default: false,
        description:
            "false: a group removed from rocketmq:consumerGroups stays on the cluster (preview shows delete[retain]). true: it is deleted with its offsets (mqadmin deleteSubGroup -r true). Applies as of the pulumi up that recorded it.",
        change: "in-place",
        effect: "Recorded for groups removed later; nothing restarts.",
    },
    allowQueueDecrease: {
        type: "boolean",
        default: false,
        description:
            "false: pulumi up refuses to lower a topic's readQueues below what a broker group has (messages in the dropped queues could no longer be consumed); lower writeQueues first and let consumers drain. true: allowed.",
        change: "in-place",
        effect: "Only the topics' check; nothing restarts.",
    },
} satisfies Record<string, KeySpec>;

export type ConfigKey = keyof typeof KEYS;
/** Every key, in the table's order. */
export const ALL_KEYS = Object.keys(KEYS) as ConfigKey[];

/** A broker's store path (brokerProperties or instances.ID.properties) once the broker ran on it. */
export const STORE_PATH_REFUSED =
    "the broker would restart on an empty store at the new path (its messages, topics and offsets stay at the old one) and replication would break. Keep the path; to move a store, do it by hand with the broker stopped and keep the path the same (a mount or a symlink)";

/** A new instance (another id) whose ports or store another instance of the host holds. */
export const INSTANCE_CLASH_REFUSED =
    "it could not start beside it (the port is taken, the store is locked) and a rerun could not finish: the old instance's delete runs only after every create. An instance's id, and the brokerName or group that names a group's members, cannot change on a running cluster. Keep them; or give the new instance a listenPort and storePathRootDir of its own; or remove the old one in an up of its own first (its store stays unless purgeDataOnDestroy)";

/** A running broker's brokerName (BrokerPair brokerName, DLedgerGroup group) in a program of components. */
export const BROKER_NAME_REFUSED =
    "a group registers under its brokerName: renamed during a roll, it would be served under two names and then leave its topics' routes and its consumers' offsets under a name no broker serves. Keep it; deploy a group under the new name beside it and move topics";

/** The way to do what a refused key would have done. */
export function refusedHow(key: ConfigKey): string {
    const spec: KeySpec = KEYS[key];
    if (spec.refused === undefined) throw new Error(`rocketmq:${key} is not a refused key`);
    return spec.refused;
}
