// The cluster's recovery resources: one InstanceRunning per instance (and the dashboard), so
// `pulumi up --refresh` restarts exactly what is down, one instance at a time in a safe order.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig } from "../config/schema";
import { RenderContext } from "../planning/context";
import type { InstanceSpec } from "../planning/instanceFiles";
import { EnsureTarget, instanceEnsureScript } from "../planning/instanceScripts";
import { recoveryOrder, rollingOrder } from "../planning/rolling";
import { ClusterPlan } from "../planning/topology";
import { Host } from "./hosts/host";
import { InstanceRunning } from "./instanceRunning";

/**
 * One InstanceRunning per instance, after its deploy and its turns in the rolling restart, each
 * after the previous one in recoveryOrder: name servers, then per group replicas before the master.
 * Their updates (the ensure script: start, or restart under a new supervisor) so run one at a time,
 * each gated on health before the next; in parallel, an "unsupervised" master and slave would
 * restart together. The dashboard follows the name servers.
 */
export function instancesRunning(
    parent: pulumi.Resource,
    name: string,
    args: { config: ClusterConfig; plan: ClusterPlan; hosts: Host[] },
    ctx: pulumi.Output<RenderContext>,
    services: Record<string, command.remote.Command>,
    rolls: command.remote.Command[],
    dashboard: command.remote.Command | undefined,
    /** Per instance id: the spec its component rendered its files from. */
    specs: Record<string, pulumi.Output<InstanceSpec>>,
): Record<string, InstanceRunning> {
    const { plan, hosts, config: cfg } = args;
    const rollsOf: Record<string, command.remote.Command[]> = {};
    rollingOrder(plan).forEach((step, i) => (rollsOf[step.inst.id] ??= []).push(rolls[i]));
    const watch = (id: string, hostIndex: number, target: pulumi.Output<EnsureTarget>, dependsOn: pulumi.Resource[]) => {
        const host = hosts[hostIndex];
        return new InstanceRunning(
            `${name}-${id}-running`,
            {
                connection: pulumi.output(host.connection).apply((c) => ({
                    host: c.host,
                    port: c.port ?? 22,
                    user: c.user ?? "root",
                    privateKey: c.privateKey ?? "",
                    // The host's pin, when it has one (components/hosts/hostKeys.ts).
                    ...(c.hostKey ? { hostKey: c.hostKey } : {}),
                })),
                hostName: host.name,
                instance: id,
                script: target.apply((t) => instanceEnsureScript(cfg, t)),
                timeoutSeconds: cfg.startTimeoutSeconds + 120,
            },
            { parent, dependsOn, deletedWith: host.machine },
        );
    };
    const running: Record<string, InstanceRunning> = {};
    let previous: InstanceRunning[] = [];
    for (const inst of recoveryOrder(plan)) {
        const cur = watch(
            inst.id,
            inst.hostIndex,
            specs[inst.id].apply((spec) => ({ spec })),
            [services[inst.id], ...(rollsOf[inst.id] ?? []), ...previous],
        );
        running[inst.id] = cur;
        previous = [cur];
    }
    const nameServers = plan.nameServers.map((ns) => running[ns.id]);
    const dashboardHost = plan.dashboardHostIndex;
    if (dashboard && dashboardHost !== undefined) {
        const target = ctx.apply(
            (c): EnsureTarget => ({
                dashboard: { hostName: c.hosts[dashboardHost].name, port: cfg.dashboard.port },
            }),
        );
        running.dashboard = watch("dashboard", dashboardHost, target, [dashboard, ...nameServers]);
    }
    return running;
}
