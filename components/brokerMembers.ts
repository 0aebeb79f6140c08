// What BrokerPair and DLedgerGroup share: the args every broker group takes, their checks, and
// the deployment of its members (one process each, plus, when the group rolls itself, its steps).
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULTS } from "../config/defaults";
import { parseSizeMiB } from "../config/sizes";
import { checkBrokerProperties } from "../config/validate/brokerProperties";
import { CLUSTER_NAME, PATH_ALLOWED, validAbsPath } from "../config/validate/patterns";
import { Collector } from "../config/validate/reader";
import { BrokerCluster, InstanceSpec } from "../planning/instanceFiles";
import { RollPeers } from "../planning/rolling";
import { BrokerPlan } from "../planning/topology";
import { placementOf } from "./instancePlacement";
import { ArgChecks, checkResolved } from "./args";
import { RollChain, checkRollChain, instanceService, rollStep } from "./instanceService";
import { RocketMqInstall } from "./rocketmqInstall";

/** One broker of a group. */
export interface BrokerMemberArgs {
    /** The RocketMqInstall of the host it runs on. */
    install: RocketMqInstall;
    /** Instance id (directory instances/ID, unit rocketmq-ID). Default: per group (BrokerPair: brokerName and brokerName-s; DLedgerGroup: n0, n1, n2). */
    id?: string;
    /** Heap, e.g. 1g. Default: 1g. */
    heap?: pulumi.Input<string>;
    /** Port for clients; the broker also binds port-2 and port+1. Default: per role (BrokerPair 10911 master, 11011 slave; DLedgerGroup 30911). */
    listenPort?: number;
    /** Store directory of this broker. Default: STORE_ROOT/store (a slave: STORE_ROOT/storeSlave). */
    storePathRootDir?: string;
    /** broker.properties overrides for this member, over the group's `properties`. Default: none. */
    properties?: Record<string, string>;
}

/** Args every broker group takes. */
export interface BrokerGroupArgs {
    /** Name servers as brokers dial them, `host:port` each. */
    nameServers: pulumi.Input<string>[];
    /** brokerClusterName. Default: rocketmq-cluster. */
    clusterName?: string;
    /** Directory under which each member gets its store. Default: /app/rocketmq. */
    storeRoot?: string;
    /** broker.properties overrides for every member, checked against the keys the release reads (config/brokerKeys/VERSION.json). Default: none. */
    properties?: Record<string, string>;
    /** Create topics on first send. Default: true (turn off in production). */
    autoCreateTopicEnable?: boolean;
    /** Create consumer groups on first use. Default: true (turn off in production). */
    autoCreateSubscriptionGroup?: boolean;
    /** Removing a member also removes its store. Default: false (data outlives the stack). */
    purgeDataOnDestroy?: boolean;
    /**
     * A change restarts the group's members one at a time, each gated by health and replication
     * catching up (BrokerPair: slave first; DLedgerGroup: followers first, the leader last).
     * Default: true. RocketMqCluster sets false: it orders restarts across the whole cluster.
     */
    rollingRestart?: boolean;
    /**
     * The cluster's restart order, shared with the cluster's other components: the group's first
     * restart waits for the last of the components that joined before it (its name servers, the
     * groups created earlier). Default: none (the group restarts on its own, at the same time as
     * other components).
     */
    rollChain?: RollChain;
    /** What the members wait for before they start (the name servers). Default: none. */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
    /**
     * Each member records the host it was deployed on (an InstancePlacement), and a later program
     * that puts it on another host is refused at preview. Default: true. RocketMqCluster sets false:
     * the stack refuses host changes from its own record.
     */
    guardPlacement?: boolean;
}

/** A member as planned, with the host it runs on. */
export interface PlannedMember {
    args: BrokerMemberArgs;
    plan: BrokerPlan;
    /** Child resource name suffix (master, slave, n0...). */
    suffix: string;
    /** The argument it was given as (master, slave, members[0]...), for messages. */
    argName: string;
}

/** Checks the group's and its members' args; returns the member heaps in MiB (0: given as an Output). */
export function checkGroupArgs(c: ArgChecks, args: BrokerGroupArgs, members: BrokerMemberArgs[], names: string[]): number[] {
    const storeRoot = args.storeRoot ?? DEFAULTS.storeRoot;
    c.check(
        CLUSTER_NAME.test(args.clusterName ?? DEFAULTS.clusterName),
        "clusterName",
        args.clusterName,
        "letters, digits, - and _ (1-64)",
    );
    c.check(validAbsPath(storeRoot), "storeRoot", storeRoot, PATH_ALLOWED);
    c.check(args.nameServers.length > 0, "nameServers", args.nameServers, "at least one host:port");
    args.nameServers.forEach((ns, i) => typeof ns === "string" && c.nameServer(`nameServers[${i}]`, ns));
    const versions = new Set(members.map((m) => m.install.installation.version));
    c.check(versions.size === 1, "members", [...versions], "members on installs of one RocketMQ version");
    const appRoot = members[0].install.installation.appRoot;
    const problems = new Collector();
    checkBrokerProperties(problems, members[0].install.installation.version, "properties", args.properties ?? {}, appRoot);
    members.forEach((m, i) => {
        checkBrokerProperties(problems, m.install.installation.version, `${names[i]}.properties`, m.properties ?? {}, appRoot);
        c.port(`${names[i]}.listenPort`, m.listenPort);
        if (m.id !== undefined) c.check(MEMBER_ID.test(m.id), `${names[i]}.id`, m.id, "letters, digits, - and _ (1-64)");
        if (m.storePathRootDir !== undefined)
            c.check(validAbsPath(m.storePathRootDir), `${names[i]}.storePathRootDir`, m.storePathRootDir, PATH_ALLOWED);
    });
    for (const p of problems.problems) c.check(false, p.key, p.value, p.allowed);
    checkRollChain(c, args.rollChain, "brokers", args.rollingRestart);
    return members.map((m, i) => {
        if (m.heap === undefined) return parseSizeMiB(DEFAULTS.componentBrokerHeap) as number;
        if (typeof m.heap !== "string") return 0;
        return c.heap(`${names[i]}.heap`, m.heap) ?? 0;
    });
}

/** Instance ids (directories, unit names, host tool arguments); brokerName has the same form. */
export const MEMBER_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The cluster the group's brokers join; name servers given as Outputs are checked once known. */
export function brokerCluster(component: string, args: BrokerGroupArgs): pulumi.Output<BrokerCluster> {
    return pulumi.all(args.nameServers).apply((ns) => {
        checkResolved(component, (c) => ns.forEach((v, i) => c.nameServer(`nameServers[${i}]`, v)));
        return {
            clusterName: args.clusterName ?? DEFAULTS.clusterName,
            namesrvAddr: ns.join(";"),
            autoCreateTopicEnable: args.autoCreateTopicEnable ?? true,
            autoCreateSubscriptionGroup: args.autoCreateSubscriptionGroup ?? true,
        };
    });
}

/** A member's spec: its heap is resolved when given as an Output (e.g. sized from host memory). */
export function memberSpec(component: string, m: PlannedMember, cluster: pulumi.Output<BrokerCluster>): pulumi.Output<InstanceSpec> {
    return pulumi.all([m.args.install.resolvedHost, cluster, m.args.heap ?? ""]).apply(([host, c, heap]) => {
        // A heap given as an Output is checked once known (a plain one was checked up front).
        let heapMiB = m.plan.heapMiB;
        if (heap) checkResolved(component, (r) => (heapMiB = r.heap(`${m.suffix}.heap`, heap) ?? heapMiB));
        return { installation: m.args.install.installation, host, instance: { ...m.plan, heapMiB }, cluster: c };
    });
}

/** Deploys every member (started together) and returns the services and the specs, by member. */
export function deployMembers(
    parent: pulumi.Resource,
    /** For errors: "BrokerPair NAME". */
    component: string,
    name: string,
    args: BrokerGroupArgs,
    members: PlannedMember[],
): { services: command.remote.Command[]; specs: pulumi.Output<InstanceSpec>[] } {
    const cluster = brokerCluster(component, args);
    const specs = members.map((m) => memberSpec(component, m, cluster));
    const services = members.map((m, i) =>
        instanceService(
            `${name}-${m.suffix}`,
            m.args.install.host,
            m.args.install.installation,
            m.plan,
            specs[i],
            args.purgeDataOnDestroy ?? false,
            {
                parent,
                dependsOn: [m.args.install.command, ...(args.dependsOn ?? [])],
            },
        ),
    );
    members.forEach((m, i) =>
        placementOf(
            parent,
            `${name}-${m.suffix}`,
            `${m.argName}.install`,
            m.plan.id,
            m.args.install.host.name,
            args.guardPlacement,
            services[i],
        ),
    );
    return { services, specs };
}

/**
 * The group's own rolling restart, in the order given; each step after the one before, the first
 * after the group's staging and the last step of its roll chain (which it then joins).
 */
export function rollMembers(
    parent: pulumi.Resource,
    /** For the chain: "BrokerPair NAME". */
    component: string,
    name: string,
    args: BrokerGroupArgs,
    steps: { member: PlannedMember; spec: pulumi.Output<InstanceSpec>; finish: boolean; peers: pulumi.Input<RollPeers> }[],
    services: command.remote.Command[],
): command.remote.Command[] {
    const rolls: command.remote.Command[] = [];
    let previous: pulumi.Resource[] = [...services, ...(args.rollChain?.last ?? [])];
    for (const s of steps) {
        const cmd = rollStep(
            `${name}-${s.member.suffix}-roll${s.finish ? "-leader" : ""}`,
            s.member.args.install.host,
            s.spec,
            s.finish,
            s.peers,
            {
                parent,
                dependsOn: previous,
            },
        );
        rolls.push(cmd);
        previous = [cmd];
    }
    args.rollChain?.join(component, "brokers", rolls);
    return rolls;
}

/** `address:port` clients reach a member at (what clusterList shows). */
export function memberAddress(spec: pulumi.Output<InstanceSpec>): pulumi.Output<string> {
    return spec.apply((s) => `${s.host.clientAddress}:${(s.instance as BrokerPlan).listenPort}`);
}
