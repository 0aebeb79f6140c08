import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULTS } from "../config/defaults";
import type { InstanceSpec } from "../planning/instanceFiles";
import { GROUP_NAME } from "../config/validate/rules";
import { BrokerPlan } from "../planning/topology";
import { brokerPlan } from "../planning/topology";
import { ArgChecks } from "./args";
import {
    BrokerGroupArgs,
    BrokerMemberArgs,
    PlannedMember,
    checkGroupArgs,
    deployMembers,
    memberAddress,
    rollMembers,
} from "./brokerMembers";

export interface BrokerPairArgs extends BrokerGroupArgs {
    /** brokerName of the pair (letters, digits, - and _). */
    brokerName: string;
    /** The master (brokerId 0). */
    master: BrokerMemberArgs;
    /** The slave (brokerId 1), on another host. Default: none (a lone master, like 2m-noslave). */
    slave?: BrokerMemberArgs;
    /** `async`: ASYNC_MASTER, ASYNC_FLUSH (the guide's 2m-2s-async); `sync`: SYNC_MASTER, SYNC_FLUSH. Default: async. */
    replication?: "async" | "sync";
}

/**
 * A master on one host and its slave on another, started together, each gated by clusterList
 * showing it with its BID. A change restarts the slave, then the master, each after the other
 * caught up (unless `rollingRestart` is false and RocketMqCluster orders the restarts); given a
 * `rollChain`, only after the components that joined it before (see RollChain).
 */
export class BrokerPair extends pulumi.ComponentResource {
    /** Master first, then the slave. */
    readonly services: command.remote.Command[];
    /** The pair's own rolling restart (slave, then master); empty with rollingRestart false. */
    readonly rollingRestarts: command.remote.Command[];
    /** What each member's files are rendered from, in member order (RocketMqCluster orders its restarts and recovery by them). */
    readonly specs: pulumi.Output<InstanceSpec>[];
    /** `address:port` of the master and the slave, as clients reach them. */
    readonly addresses: pulumi.Output<string>[];

    constructor(name: string, args: BrokerPairArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rocketmq:index:BrokerPair", name, {}, opts);
        const roles = args.slave ? (["master", "slave"] as const) : (["master"] as const);
        const given = args.slave ? [args.master, args.slave] : [args.master];
        const c = new ArgChecks(`BrokerPair ${name}`);
        c.rule("brokerName", args.brokerName, GROUP_NAME);
        c.check(
            args.replication === undefined || ["async", "sync"].includes(args.replication),
            "replication",
            args.replication,
            "async or sync",
        );
        c.check(
            !args.slave || args.slave.install.host.name !== args.master.install.host.name,
            "slave.install",
            args.slave?.install.host.name,
            "a host other than the master's",
        );
        const heaps = checkGroupArgs(c, args, given, [...roles]);
        c.done();

        const sync = args.replication === "sync";
        const storeRoot = args.storeRoot ?? DEFAULTS.storeRoot;
        const members: PlannedMember[] = given.map((m, i) => {
            const isMaster = i === 0;
            const overrides = { ...(args.properties ?? {}), ...(m.properties ?? {}) };
            const plan: BrokerPlan = brokerPlan({
                id: m.id ?? (isMaster ? args.brokerName : `${args.brokerName}-s`),
                hostIndex: 0,
                heapMiB: heaps[i],
                brokerName: args.brokerName,
                brokerId: isMaster ? 0 : 1,
                role: isMaster ? (sync ? "SYNC_MASTER" : "ASYNC_MASTER") : "SLAVE",
                flushDiskType: sync ? "SYNC_FLUSH" : "ASYNC_FLUSH",
                listenPort: m.listenPort ?? (isMaster ? DEFAULTS.masterPort : DEFAULTS.slavePort),
                storePathRootDir: m.storePathRootDir ?? `${storeRoot}/${isMaster ? "store" : "storeSlave"}`,
                overrides,
            });
            return { args: m, plan, suffix: roles[i], argName: roles[i] };
        });
        const { services, specs } = deployMembers(this, `BrokerPair ${name}`, name, args, members);
        this.services = services;
        this.specs = specs;
        this.addresses = specs.map(memberAddress);
        const [master, slave] = members;
        this.rollingRestarts =
            args.rollingRestart === false
                ? []
                : rollMembers(
                      this,
                      `BrokerPair ${name}`,
                      name,
                      args,
                      [
                          ...(slave
                              ? [{ member: slave, spec: specs[1], finish: false, peers: this.addresses[0].apply((a) => ({ follows: a })) }]
                              : []),
                          {
                              member: master,
                              spec: specs[0],
                              finish: false,
                              peers: slave ? this.addresses[1].apply((a) => ({ leads: a })) : {},
                          },
                      ],
                      services,
                  );
        this.registerOutputs({ brokerName: args.brokerName });
    }
}
