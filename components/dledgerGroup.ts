import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULTS } from "../config/defaults";
import type { InstanceSpec } from "../planning/instanceFiles";
import { GROUP_NAME } from "../config/validate/rules";
import { brokerPlan, dledgerPeers } from "../planning/topology";
import { ArgChecks } from "./args";
import { BrokerGroupArgs, BrokerMemberArgs, PlannedMember, checkGroupArgs, deployMembers, rollMembers } from "./brokerMembers";

export interface DLedgerGroupArgs extends BrokerGroupArgs {
    /** The group's members, three on three hosts (a Raft quorum survives one loss). */
    members: BrokerMemberArgs[];
    /** brokerName and dLegerGroup of the group. Default: RaftNode00. */
    group?: string;
    /** Port the members' Raft traffic uses (dLegerPeers). Default: 40911. */
    dledgerPort?: number;
}

/**
 * A DLedger (Raft) broker group, started together (an election needs a quorum): the group elects
 * its master and fails over by itself. A change restarts the followers first and the member that
 * leads at that moment last (unless `rollingRestart` is false and RocketMqCluster orders them);
 * given a `rollChain`, only after the components that joined it before (see RollChain).
 * Peers address each other as ID-HOSTNAME, which OsTuning's `hostsEntries` must resolve.
 */
export class DLedgerGroup extends pulumi.ComponentResource {
    readonly services: command.remote.Command[];
    /** First pass over the members (the leader defers), then a second pass for the leader; empty with rollingRestart false. */
    readonly rollingRestarts: command.remote.Command[];
    /** What each member's files are rendered from, in member order (RocketMqCluster orders its restarts and recovery by them). */
    readonly specs: pulumi.Output<InstanceSpec>[];

    constructor(name: string, args: DLedgerGroupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rocketmq:index:DLedgerGroup", name, {}, opts);
        const group = args.group ?? DEFAULTS.dledgerGroup;
        const port = args.dledgerPort ?? DEFAULTS.dledgerPort;
        const ids = args.members.map((m, i) => m.id ?? `n${i}`);
        const c = new ArgChecks(`DLedgerGroup ${name}`);
        c.check(args.members.length === 3, "members", args.members.length, "three members");
        c.check(
            new Set(args.members.map((m) => m.install.host.name)).size === args.members.length,
            "members",
            args.members.map((m) => m.install.host.name),
            "members on different hosts",
        );
        c.rule("group", group, GROUP_NAME);
        c.port("dledgerPort", port);
        const heaps = checkGroupArgs(c, args, args.members, ids);
        c.done();

        const storeRoot = args.storeRoot ?? DEFAULTS.storeRoot;
        const peers = dledgerPeers(
            args.members.map((m, i) => ({ id: ids[i], hostName: m.install.host.name })),
            port,
        );
        const members: PlannedMember[] = args.members.map((m, i) => ({
            args: m,
            suffix: ids[i],
            argName: `members[${i}]`,
            plan: brokerPlan({
                id: ids[i],
                hostIndex: i,
                heapMiB: heaps[i],
                brokerName: group,
                brokerId: i,
                role: "ASYNC_MASTER",
                flushDiskType: "ASYNC_FLUSH",
                listenPort: m.listenPort ?? DEFAULTS.dledgerListenPort,
                storePathRootDir: m.storePathRootDir ?? `${storeRoot}/store`,
                overrides: { ...(args.properties ?? {}), ...(m.properties ?? {}) },
                dledger: { group, selfId: ids[i], peers, port },
            }),
        }));
        const { services, specs } = deployMembers(this, `DLedgerGroup ${name}`, name, args, members);
        this.services = services;
        this.specs = specs;
        const pass = (finish: boolean) => members.map((member, i) => ({ member, spec: specs[i], finish, peers: {} }));
        this.rollingRestarts =
            args.rollingRestart === false
                ? []
                : rollMembers(this, `DLedgerGroup ${name}`, name, args, [...pass(false), ...pass(true)], services);
        this.registerOutputs({ group });
    }
}
