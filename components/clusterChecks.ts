import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { RenderContext, clusterCheckScript, smokeScript } from "../planning/context";
import { hostCommand } from "./hostCommand";
import { Host } from "./hosts/host";

export interface ClusterChecksArgs {
    /** Host the checks run from (worker1). */
    host: Host;
    ctx: pulumi.Output<RenderContext>;
    /** Messages the smoke step sends and must receive; 0 skips it. */
    smokeMessages: number;
    /** Every broker service: the checks run after the last one. */
    brokers: pulumi.Resource[];
    /** Changes whenever any instance was redeployed, so the checks run again after it. */
    revision: pulumi.Input<string>;
}

/** clusterList must show exactly the planned brokers; then N messages go round trip. */
export class ClusterChecks extends pulumi.ComponentResource {
    readonly health: command.remote.Command;
    readonly smoke?: command.remote.Command;

    constructor(name: string, args: ClusterChecksArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rocketmq:index:ClusterChecks", name, {}, opts);
        const script = pulumi.all([args.ctx, args.revision]).apply(([ctx, rev]) => `# revision ${rev}\n${clusterCheckScript(ctx)}`);
        this.health = hostCommand(`${name}-health`, args.host, { script }, { parent: this, dependsOn: args.brokers });
        if (args.smokeMessages > 0) {
            const smoke = pulumi.all([args.ctx, args.revision]).apply(([ctx, rev]) => `# revision ${rev}\n${smokeScript(ctx)}`);
            this.smoke = hostCommand(`${name}-smoke`, args.host, { script: smoke }, { parent: this, dependsOn: [this.health] });
        }
        this.registerOutputs({ health: this.health.stdout, smoke: this.smoke?.stdout });
    }
}
