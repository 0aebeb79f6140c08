import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig } from "../config/schema";
import { RenderContext, instanceDeployScript, instanceRemoveCommand } from "../planning/render";
import { InstancePlan, findInstance } from "../planning/topology";
import { hostCommand } from "./hostCommand";
import { Host } from "./hosts/host";

/** What every instance deployment needs from the cluster. */
export interface InstanceDeps {
    cfg: ClusterConfig;
    /** Plan and hosts with addresses and facts, once known. */
    ctx: pulumi.Output<RenderContext>;
    hosts: Host[];
    /** Purge store directories when an instance is removed. */
    purgeOnDestroy: boolean;
}

/**
 * One RocketMQ process: writes its files, restarts it (only it) and waits until it is healthy.
 * Unchanged inputs run nothing; changed inputs rerun exactly this script.
 */
export function instanceService(
    name: string,
    inst: InstancePlan,
    deps: InstanceDeps,
    opts: pulumi.CustomResourceOptions,
): command.remote.Command {
    return hostCommand(
        name,
        deps.hosts[inst.hostIndex],
        {
            // Render from the host-sized plan (same instance, real heap and thread counts).
            script: deps.ctx.apply((ctx) => instanceDeployScript(ctx, findInstance(ctx.plan, inst.id))),
            remove: instanceRemoveCommand(deps.cfg, inst, deps.purgeOnDestroy),
        },
        opts,
    );
}

/**
 * Deploys members one after another: each waits for the previous one, so a change touching all of
 * them restarts them one at a time, each gated by its own health check.
 */
export function deployInOrder(
    parent: pulumi.Resource,
    members: InstancePlan[],
    deps: InstanceDeps,
    dependsOn: pulumi.Resource[],
    nameOf: (member: InstancePlan) => string,
): command.remote.Command[] {
    const services: command.remote.Command[] = [];
    let previous = dependsOn;
    for (const member of members) {
        const svc = instanceService(nameOf(member), member, deps, { parent, dependsOn: previous });
        services.push(svc);
        previous = [...dependsOn, svc];
    }
    return services;
}
