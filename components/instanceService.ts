import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig } from "../config/schema";
import { RenderContext, instanceDeployScript, instanceRemoveCommand } from "../planning/render";
import { rollScript, rollingOrder } from "../planning/rolling";
import { ClusterPlan, InstancePlan, findInstance } from "../planning/topology";
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
 * One RocketMQ process. Created: its files are written, it starts and is waited for (instances
 * start in parallel). Changed: its files are only staged while the old process keeps serving;
 * its step in the rolling restart (rollingRestarts) restarts it. Unchanged inputs run nothing.
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
            updateArgs: "stage",
        },
        opts,
    );
}

/**
 * The rolling restart: one step per instance (and a second pass per DLedger group for its
 * leader), chained in rollingOrder. A step runs only when its instance's files changed; every step
 * waits for the one before, so restarts happen one at a time, each gated by rmq-roll's checks.
 */
export function rollingRestarts(
    parent: pulumi.Resource,
    namePrefix: string,
    plan: ClusterPlan,
    services: Record<string, command.remote.Command>,
    deps: InstanceDeps,
): command.remote.Command[] {
    const steps: command.remote.Command[] = [];
    let previous: pulumi.Resource[] = Object.values(services);
    for (const step of rollingOrder(plan)) {
        const id = step.inst.id;
        const cmd = hostCommand(
            `${namePrefix}-${id}-roll${step.finish ? "-leader" : ""}`,
            deps.hosts[step.inst.hostIndex],
            { script: deps.ctx.apply((ctx) => rollScript(ctx, { ...step, inst: findInstance(ctx.plan, id) })), updateOnly: true },
            { parent, dependsOn: [...previous, services[id]] },
        );
        steps.push(cmd);
        previous = [cmd];
    }
    return steps;
}
