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
 * A DLedger (Raft) broker group. Nodes are deployed one after another so a config change restarts
 * one node at a time; a node rejoining a running group is gated on clusterList listing it again.
 */
export class DLedgerGroup extends pulumi.ComponentResource {
    readonly services: command.remote.Command[] = [];

    constructor(name: string, args: DLedgerGroupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rocketmq:index:DLedgerGroup", name, {}, opts);
        let previous: pulumi.Resource[] = args.dependsOn;
        for (const member of args.group.members) {
            const svc = instanceService(`${name}-${member.id}`, member, args.deps, { parent: this, dependsOn: previous });
            this.services.push(svc);
            previous = [...args.dependsOn, svc];
        }
        this.registerOutputs({ group: args.group.brokerName });
    }
}
