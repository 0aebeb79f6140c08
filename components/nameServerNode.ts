import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { NameServerPlan } from "../planning/topology";
import { InstanceDeps, instanceService } from "./instanceService";

export interface NameServerNodeArgs {
    /** The planned name server (host, heap, port). */
    plan: NameServerPlan;
    deps: InstanceDeps;
    /** The host's install step. */
    dependsOn: pulumi.Resource[];
}

/** A name server on one host; its deploy waits until port 9876 listens. */
export class NameServerNode extends pulumi.ComponentResource {
    readonly service: command.remote.Command;

    constructor(name: string, args: NameServerNodeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rocketmq:index:NameServerNode", name, {}, opts);
        this.service = instanceService(`${name}-service`, args.plan, args.deps, { parent: this, dependsOn: args.dependsOn });
        this.registerOutputs({ id: args.plan.id });
    }
}
