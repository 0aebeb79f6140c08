import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { BrokerGroupPlan } from "../planning/topology";
import { InstanceDeps, instanceService } from "./instanceService";

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
    readonly services: command.remote.Command[] = [];

    constructor(name: string, args: BrokerPairArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rocketmq:index:BrokerPair", name, {}, opts);
        let previous: pulumi.Resource[] = args.dependsOn;
        for (const member of args.group.members) {
            const role = member.brokerId === 0 ? "master" : "slave";
            const svc = instanceService(`${name}-${role}`, member, args.deps, { parent: this, dependsOn: previous });
            this.services.push(svc);
            previous = [...args.dependsOn, svc];
        }
        this.registerOutputs({ brokerName: args.group.brokerName });
    }
}
