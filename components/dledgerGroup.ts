import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { BrokerGroupPlan } from "../planning/topology";
import { InstanceDeps, instanceService } from "./instanceService";

export interface DLedgerGroupArgs {
    /** The planned Raft group n0..n2, one node per host. */
    group: BrokerGroupPlan;
    deps: InstanceDeps;
    /** Name servers and the hosts' install steps. */
    dependsOn: pulumi.Resource[];
}

/**
 * A DLedger (Raft) broker group n0..n2, started together (an election needs a quorum). Changes roll
 * through RocketMqCluster's rolling restart: followers first, the leader last.
 */
export class DLedgerGroup extends pulumi.ComponentResource {
    readonly services: command.remote.Command[];

    constructor(name: string, args: DLedgerGroupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rocketmq:index:DLedgerGroup", name, {}, opts);
        this.services = args.group.members.map((m) =>
            instanceService(`${name}-${m.id}`, m, args.deps, { parent: this, dependsOn: args.dependsOn }),
        );
        this.registerOutputs({ group: args.group.brokerName });
    }
}
