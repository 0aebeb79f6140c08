// One RocketMQ process on a host, and its turn in a rolling restart: the pieces NameServerNode,
// BrokerPair, DLedgerGroup and RocketMqCluster are made of.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { RenderContext, specOf } from "../planning/context";
import { Installation } from "../planning/installation";
import { InstanceSpec } from "../planning/instanceFiles";
import { instanceClaim, instanceDeployScript, instanceRemoveCommand } from "../planning/instanceScripts";
import { RollPeers, rollPeers, rollScript, rollingOrder } from "../planning/rolling";
import { ClusterPlan, InstancePlan } from "../planning/topology";
import { hostCommand } from "./hostCommand";
import { Host } from "./hosts/host";

/**
 * One RocketMQ process. Created: its files are written, it starts and is waited for (instances
 * start in parallel). Changed: its files are only staged while the old process keeps serving;
 * its roll step restarts it. Unchanged inputs run nothing.
 */
export function instanceService(
    name: string,
    host: Host,
    installation: Pick<Installation, "appRoot">,
    instance: InstancePlan,
    spec: pulumi.Output<InstanceSpec>,
    purgeOnDestroy: boolean,
    opts: pulumi.CustomResourceOptions,
): command.remote.Command {
    return hostCommand(
        name,
        host,
        {
            script: spec.apply(instanceDeployScript),
            // From the plan's instance: its id and store path never depend on host facts.
            remove: instanceRemoveCommand(installation, instance, purgeOnDestroy),
            claim: instanceClaim(installation, instance),
            updateArgs: "stage",
        },
        opts,
    );
}

/**
 * A roll step: runs (rmq-roll: move the staged files in, restart, wait for health and catch-up)
 * only when the instance's files changed; nothing on create.
 */
export function rollStep(
    name: string,
    host: Host,
    spec: pulumi.Output<InstanceSpec>,
    finish: boolean,
    peers: pulumi.Input<RollPeers>,
    opts: pulumi.CustomResourceOptions,
): command.remote.Command {
    const script = pulumi.all([spec, peers]).apply(([s, p]) => rollScript(s, finish, p));
    return hostCommand(name, host, { script, updateOnly: true }, opts);
}

/**
 * The rolling restart of a whole cluster: one step per instance (and a second pass per DLedger
 * group for its leader), chained in rollingOrder, so restarts happen one at a time across the
 * cluster, each gated by rmq-roll's checks. Every step waits for every instance's staging.
 */
export function rollingRestarts(
    parent: pulumi.Resource,
    namePrefix: string,
    plan: ClusterPlan,
    hosts: Host[],
    ctx: pulumi.Output<RenderContext>,
    services: Record<string, command.remote.Command>,
): command.remote.Command[] {
    const steps: command.remote.Command[] = [];
    let previous: pulumi.Resource[] = Object.values(services);
    for (const step of rollingOrder(plan)) {
        const id = step.inst.id;
        const cmd = rollStep(
            `${namePrefix}-${id}-roll${step.finish ? "-leader" : ""}`,
            hosts[step.inst.hostIndex],
            ctx.apply((c) => specOf(c, id)),
            step.finish,
            ctx.apply((c) => rollPeers(c, specOf(c, id).instance)),
            { parent, dependsOn: [...previous, services[id]] },
        );
        steps.push(cmd);
        previous = [cmd];
    }
    return steps;
}
