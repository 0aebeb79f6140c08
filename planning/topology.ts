// Topology planning: which instance runs on which host, with which ports, store path, heap and
// role. Pure: host addresses are not needed here (they are filled in at render time), so every
// decision about how many resources exist is a plain value known at preview.
import { ConfigError, ConfigProblem } from "../config/errors";
import { DEFAULTS } from "../config/defaults";
import { ClusterConfig, Topology } from "../config/schema";
import { allBrokers, allInstances } from "./instances";
import { checkHostResources, heapFor, knownHostSize, sizeAutoHeaps } from "./sizing";

export const NAMESRV_PORT = 9876;
export const DLEDGER_PORT = DEFAULTS.dledgerPort;
const MASTER_PORT = DEFAULTS.masterPort;
const SLAVE_PORT = DEFAULTS.slavePort;
const DLEDGER_LISTEN_PORT = DEFAULTS.dledgerListenPort;

export type BrokerRole = "ASYNC_MASTER" | "SYNC_MASTER" | "SLAVE";

interface InstanceBase {
    /** Unique id; also the service name suffix and the key under `rocketmq:instances`. */
    id: string;
    hostIndex: number;
    heapMiB: number;
    /** Every TCP port the instance binds, for collision checks and firewall rules. */
    ports: number[];
}

export interface NameServerPlan extends InstanceBase {
    kind: "namesrv";
}

export interface BrokerPlan extends InstanceBase {
    kind: "broker";
    brokerName: string;
    /** 0 = master; DLedger nodes get their id from the election, not from config. */
    brokerId: number;
    role: BrokerRole;
    flushDiskType: "ASYNC_FLUSH" | "SYNC_FLUSH";
    listenPort: number;
    storePathRootDir: string;
    dledger?: { group: string; selfId: string; peers: string; port: number };
    /** User overrides (stack-wide then per instance), already validated against the version. */
    overrides: Record<string, string>;
}

export type InstancePlan = NameServerPlan | BrokerPlan;

/** A master and its slave (2m-2s), a lone master (2m-noslave), or a Raft group (dledger). */
export interface BrokerGroupPlan {
    kind: "pair" | "dledger";
    brokerName: string;
    members: BrokerPlan[];
}

export interface HostPlan {
    index: number;
    name: string;
    memoryMiB?: number;
    cpus?: number;
}

export interface ClusterPlan {
    topology: Topology;
    hosts: HostPlan[];
    nameServers: NameServerPlan[];
    groups: BrokerGroupPlan[];
    /** Name server list as brokers and tools on the hosts see it (host names via /etc/hosts). */
    namesrvAddr: string;
    dashboardHostIndex?: number;
}

export const HOST_COUNT = 3;

export function hostNames(cfg: ClusterConfig): string[] {
    return cfg.hostMode === "existing" ? cfg.existingHosts.map((h) => h.name) : ["worker1", "worker2", "worker3"];
}

export function planCluster(cfg: ClusterConfig): ClusterPlan {
    const names = hostNames(cfg);
    const hosts: HostPlan[] = names.map((name, index) => ({ index, name, ...knownHostSize(cfg, index) }));
    const problems: ConfigProblem[] = [];
    const namesrvAddr = names.map((n) => `${n}:${NAMESRV_PORT}`).join(";");

    const nameServers: NameServerPlan[] = hosts.map((h) => {
        const id = `namesrv-${h.name}`;
        return { kind: "namesrv", id, hostIndex: h.index, heapMiB: heapFor(cfg, id, cfg.namesrvHeap), ports: [NAMESRV_PORT] };
    });

    const groups = cfg.topology === "dledger" ? [dledgerGroup(cfg, names, problems)] : pairGroups(cfg, problems);

    const plan: ClusterPlan = {
        topology: cfg.topology,
        hosts,
        nameServers,
        groups,
        namesrvAddr,
        dashboardHostIndex: cfg.dashboard.enabled ? 0 : undefined,
    };
    sizeAutoHeaps(cfg, plan);
    checkUnknownInstances(cfg, plan, problems);
    checkHostResources(cfg, plan, problems);
    if (problems.length > 0) throw new ConfigError(problems);
    return plan;
}

export { allBrokers, allInstances };

export function findInstance(plan: ClusterPlan, id: string): InstancePlan {
    const inst = allInstances(plan).find((i) => i.id === id);
    if (!inst) throw new Error(`instance ${id} is not in the plan`);
    return inst;
}

/** 2m-2s placement from the guide: worker2 = broker-a master + broker-b slave, worker3 the mirror. */
function pairGroups(cfg: ClusterConfig, problems: ConfigProblem[]): BrokerGroupPlan[] {
    const withSlaves = cfg.topology !== "2m-noslave";
    const masterRole: BrokerRole = cfg.topology === "2m-2s-sync" ? "SYNC_MASTER" : "ASYNC_MASTER";
    const flush = cfg.topology === "2m-2s-sync" ? "SYNC_FLUSH" : "ASYNC_FLUSH";
    const layout = [
        { brokerName: "broker-a", masterHost: 1, slaveHost: 2 },
        { brokerName: "broker-b", masterHost: 2, slaveHost: 1 },
    ];
    return layout.map(({ brokerName, masterHost, slaveHost }) => {
        const members = [broker(cfg, problems, brokerName, brokerName, masterHost, 0, masterRole, flush, MASTER_PORT, "store")];
        if (withSlaves)
            members.push(broker(cfg, problems, `${brokerName}-s`, brokerName, slaveHost, 1, "SLAVE", flush, SLAVE_PORT, "storeSlave"));
        return { kind: "pair", brokerName, members };
    });
}

function dledgerGroup(cfg: ClusterConfig, names: string[], problems: ConfigProblem[]): BrokerGroupPlan {
    const group = DEFAULTS.dledgerGroup;
    const ids = names.map((_, i) => `n${i}`);
    const peers = dledgerPeers(
        names.map((hostName, i) => ({ id: ids[i], hostName })),
        DLEDGER_PORT,
    );
    const members = names.map((_, i) => {
        const b = broker(cfg, problems, ids[i], group, i, i, "ASYNC_MASTER", "ASYNC_FLUSH", DLEDGER_LISTEN_PORT, "store");
        // dLegerSelfId, like the group and the peers, is the stack's own (validation rejects overrides).
        return brokerPlan({ ...b, dledger: { group, selfId: ids[i], peers, port: DLEDGER_PORT } });
    });
    return { kind: "dledger", brokerName: group, members };
}

function broker(
    cfg: ClusterConfig,
    problems: ConfigProblem[],
    id: string,
    brokerName: string,
    hostIndex: number,
    brokerId: number,
    role: BrokerRole,
    flushDiskType: BrokerPlan["flushDiskType"],
    defaultPort: number,
    storeDir: string,
): BrokerPlan {
    const overrides = { ...cfg.brokerProperties, ...(cfg.instances[id]?.properties ?? {}) };
    const listenPort = portOverride(overrides.listenPort, defaultPort, `instances.${id}.properties.listenPort`, problems);
    return brokerPlan({
        id,
        hostIndex,
        heapMiB: cfg.brokerHeap === "auto" ? 0 : heapFor(cfg, id, cfg.brokerHeap),
        brokerName,
        brokerId,
        role,
        flushDiskType,
        listenPort,
        storePathRootDir: overrides.storePathRootDir ?? `${cfg.storeRoot}/${storeDir}`,
        overrides,
    });
}

/**
 * One broker from its settings: the ports it binds follow from listenPort (and the DLedger port),
 * an override of flushDiskType wins over the topology's.
 */
export function brokerPlan(b: Omit<BrokerPlan, "kind" | "ports">): BrokerPlan {
    const ports = [b.listenPort - 2, b.listenPort, b.listenPort + 1];
    if (b.dledger) ports.push(b.dledger.port);
    const flushDiskType = (b.overrides.flushDiskType as BrokerPlan["flushDiskType"]) ?? b.flushDiskType;
    return { kind: "broker", ...b, flushDiskType, ports };
}

/** dLegerPeers: every member as `ID-HOST:PORT` (host names resolve through /etc/hosts). */
export function dledgerPeers(members: { id: string; hostName: string }[], port: number): string {
    return members.map((m) => `${m.id}-${m.hostName}:${port}`).join(";");
}

function portOverride(v: string | undefined, def: number, key: string, problems: ConfigProblem[]): number {
    if (v === undefined) return def;
    const n = /^[0-9]+$/.test(v) ? Number(v) : NaN;
    if (!Number.isInteger(n) || n < 1026 || n > 65534) {
        problems.push({ key, value: v, allowed: "a TCP port from 1026 to 65534 (the broker also binds port-2 and port+1)" });
        return def;
    }
    return n;
}

function checkUnknownInstances(cfg: ClusterConfig, plan: ClusterPlan, problems: ConfigProblem[]): void {
    const ids = allInstances(plan).map((i) => i.id);
    for (const id of Object.keys(cfg.instances))
        if (!ids.includes(id))
            problems.push({
                key: `instances.${id}`,
                value: cfg.instances[id],
                allowed: `an instance of topology ${cfg.topology}: ${ids.join(", ")}`,
            });
}
