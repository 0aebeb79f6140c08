import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { BrokerGroupPlan } from "../planning/topology";
import { InstanceDeps, deployInOrder } from "./instanceService";

export interface DLedgerGroupArgs {
    /** The planned Raft group n0..n2, one node per host. */
    group: BrokerGroupPlan;
    deps: InstanceDeps;
    /** Name servers and the hosts' install steps. */
    dependsOn: pulumi.Resource[];
}

/**
 * A DLedger (Raft) broker group. Nodes are deployed one after another so a config change restarts
 * one node at a time; a node rejoining a running group is gated on clusterList listing it again.
 */
export class DLedgerGroup extends pulumi.ComponentResource {
    readonly services: command.remote.Command[];

    constructor(name: string, args: DLedgerGroupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rocketmq:index:DLedgerGroup", name, {}, opts);
        this.services = deployInOrder(this, args.group.members, args.deps, args.dependsOn, (m) => `${name}-${m.id}`);
        this.registerOutputs({ group: args.group.brokerName });
    }
}
