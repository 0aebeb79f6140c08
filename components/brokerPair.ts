import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { BrokerGroupPlan, BrokerPlan, InstancePlan } from "../planning/topology";
import { InstanceDeps, instanceService } from "./instanceService";

export interface BrokerPairArgs {
    /** A planned master and, unless 2m-noslave, its slave. */
    group: BrokerGroupPlan;
    deps: InstanceDeps;
    /** Name servers and the hosts' install steps: the master waits for all of them. */
    dependsOn: pulumi.Resource[];
}

/**
 * A master on one host and its slave on another, started together, each gated by clusterList
 * showing it with its BID. Changes roll through RocketMqCluster's rolling restart.
 */
export class BrokerPair extends pulumi.ComponentResource {
    readonly services: command.remote.Command[];

    constructor(name: string, args: BrokerPairArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rocketmq:index:BrokerPair", name, {}, opts);
        const role = (m: InstancePlan) => ((m as BrokerPlan).brokerId === 0 ? "master" : "slave");
        this.services = args.group.members.map((m) =>
            instanceService(`${name}-${role(m)}`, m, args.deps, { parent: this, dependsOn: args.dependsOn }),
        );
        this.registerOutputs({ brokerName: args.group.brokerName });
    }
}
