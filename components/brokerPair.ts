import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { BrokerGroupPlan, BrokerPlan, InstancePlan } from "../planning/topology";
import { InstanceDeps, deployInOrder } from "./instanceService";

export interface BrokerPairArgs {
    /** A planned master and, unless 2m-noslave, its slave. */
    group: BrokerGroupPlan;
    deps: InstanceDeps;
    /** Name servers and the hosts' install steps: the master waits for all of them. */
    dependsOn: pulumi.Resource[];
}

/**
 * A master on one host and its slave on another. The slave starts after its master, and each
 * start is gated by clusterList showing it with its BID, so restarts happen one at a time.
 */
export class BrokerPair extends pulumi.ComponentResource {
    readonly services: command.remote.Command[];

    constructor(name: string, args: BrokerPairArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rocketmq:index:BrokerPair", name, {}, opts);
        const role = (m: InstancePlan) => ((m as BrokerPlan).brokerId === 0 ? "master" : "slave");
        this.services = deployInOrder(this, args.group.members, args.deps, args.dependsOn, (m) => `${name}-${role(m)}`);
        this.registerOutputs({ brokerName: args.group.brokerName });
    }
}
