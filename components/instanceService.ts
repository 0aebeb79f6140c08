// One RocketMQ process on a host, and its turn in a rolling restart: the pieces NameServerNode,
// BrokerPair, DLedgerGroup and RocketMqCluster are made of.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { RenderContext } from "../planning/context";
import { Installation } from "../planning/installation";
import { InstanceSpec } from "../planning/instanceFiles";
import { instanceClaim, instanceDeployScript, instanceRemoveCommand } from "../planning/instanceScripts";
import { RollPeers, rollPeers, rollScript, rollingOrder } from "../planning/rolling";
import { ClusterPlan, InstancePlan, findInstance } from "../planning/topology";
import { ArgChecks } from "./args";
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
    /** Per instance id: the spec its component rendered its files from (one pipeline: the same text the deploy runs). */
    specs: Record<string, pulumi.Output<InstanceSpec>>,
): command.remote.Command[] {
    const steps: command.remote.Command[] = [];
    let previous: pulumi.Resource[] = Object.values(services);
    for (const step of rollingOrder(plan)) {
        const id = step.inst.id;
        const cmd = rollStep(
            `${namePrefix}-${id}-roll${step.finish ? "-leader" : ""}`,
            hosts[step.inst.hostIndex],
            specs[id],
            step.finish,
            ctx.apply((c) => rollPeers(c, findInstance(c.plan, id))),
            { parent, dependsOn: [...previous, services[id]] },
        );
        steps.push(cmd);
        previous = [cmd];
    }
    return steps;
}

/** What joins a RollChain: the name servers, or a broker group (a BrokerPair or a DLedgerGroup). */
export type RollChainKind = "name servers" | "brokers";

/**
 * Restarts of components composed by hand (not through RocketMqCluster), one at a time across
 * the cluster. Give the same RollChain to every NameServerNode, BrokerPair and DLedgerGroup of a
 * cluster (their `rollChain` arg): each component's restart steps then wait for those of every
 * component that joined before it, so a change (a version, a heap) restarts one process at a time,
 * each gated as the component gates it: name servers in the order created, then each group in
 * turn (a pair's slave before its master; DLedger followers before the leader). Without a chain
 * each component rolls on its own and composed components restart at the same time.
 *
 * Create the name servers first: a NameServerNode joining after a broker group is refused (brokers
 * would restart against name servers about to restart).
 */
export class RollChain {
    /** The components that joined, in order, as "NameServerNode NAME", "BrokerPair NAME". */
    readonly members: string[] = [];
    /** Every restart step of the chain, in the order they run. */
    readonly steps: command.remote.Command[] = [];
    private firstBrokers?: string;

    /** Refusals of a component about to join, checked with its other args before any child exists. */
    problems(kind: RollChainKind, rollingRestart: boolean | undefined): { value: unknown; allowed: string }[] {
        const out: { value: unknown; allowed: string }[] = [];
        if (rollingRestart === false)
            out.push({
                value: "a RollChain",
                allowed: "no rollChain with rollingRestart false (the component has no restart steps to chain)",
            });
        if (kind === "name servers" && this.firstBrokers !== undefined)
            out.push({
                value: `a RollChain ${this.firstBrokers} joined already`,
                allowed: "name servers join before any broker group: create the NameServerNodes first",
            });
        return out;
    }

    /** What a joining component's first restart step waits for: the last step of the chain. */
    get last(): pulumi.Resource[] {
        return this.steps.length > 0 ? [this.steps[this.steps.length - 1]] : [];
    }

    /** Records a component's restart steps (already created after `last`, in their order). */
    join(component: string, kind: RollChainKind, steps: command.remote.Command[]): void {
        this.members.push(component);
        if (kind === "brokers" && this.firstBrokers === undefined) this.firstBrokers = component;
        this.steps.push(...steps);
    }
}

/** Checks a component's `rollChain` arg with its other args (before any child exists). */
export function checkRollChain(c: ArgChecks, chain: RollChain | undefined, kind: RollChainKind, rollingRestart: boolean | undefined): void {
    if (chain === undefined) return;
    if (!(chain instanceof RollChain)) {
        c.check(false, "rollChain", typeof chain, "a RollChain (new RollChain())");
        return;
    }
    for (const p of chain.problems(kind, rollingRestart)) c.check(false, "rollChain", p.value, p.allowed);
}
