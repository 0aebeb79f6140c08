// The cluster's render context once hosts exist (their addresses and the sizes read from them),
// and what each piece of the cluster is rendered from: an instance's spec, the checks.
import { ClusterConfig } from "../config/schema";
import { rocketmqRoot } from "./installation";
import { ResolvedHost } from "./instanceFiles";
import { withHostFacts } from "./sizing";
import { ClusterPlan, allBrokers } from "./topology";

export interface RenderContext {
    cfg: ClusterConfig;
    plan: ClusterPlan;
    hosts: ResolvedHost[];
}

export interface HostFacts {
    privateAddress: string;
    clientAddress: string;
    cpus: number;
    memoryMiB: number;
}

/**
 * The one plan, refined with what the hosts report (withHostFacts: sizes the config left open),
 * and the hosts' addresses: what every script of the cluster is rendered from.
 */
export function contextFromFacts(cfg: ClusterConfig, plan: ClusterPlan, facts: HostFacts[]): RenderContext {
    const sized = withHostFacts(cfg, plan, facts);
    return {
        cfg,
        plan: sized,
        hosts: facts.map((f, i) => ({
            name: plan.hosts[i].name,
            privateAddress: f.privateAddress,
            clientAddress: f.clientAddress,
            cpus: sized.hosts[i].cpus ?? f.cpus,
            memoryMiB: sized.hosts[i].memoryMiB ?? f.memoryMiB,
        })),
    };
}

/** Lines for rmq-cluster-check: "NAME BID ADDR", with BID "*" for DLedger members. */
export function expectedBrokers(ctx: RenderContext): string {
    return allBrokers(ctx.plan)
        .map((b) => `${b.brokerName} ${b.dledger ? "*" : b.brokerId} ${ctx.hosts[b.hostIndex].clientAddress}:${b.listenPort}`)
        .join("\n");
}

/** Health gate after all brokers: clusterList must show exactly the planned brokers. */
export function clusterCheckScript(ctx: RenderContext): string {
    const root = rocketmqRoot(ctx.cfg);
    return [
        "set -euo pipefail",
        "expected=$(mktemp)",
        "trap 'rm -f \"$expected\"' EXIT",
        "cat >\"$expected\" <<'RMQ_EOF'",
        expectedBrokers(ctx),
        "RMQ_EOF",
        `${root}/bin/rmq-cluster-check ${ctx.cfg.startTimeoutSeconds} "$expected"`,
        "",
    ].join("\n");
}

export function smokeScript(ctx: RenderContext): string {
    return `set -euo pipefail\n${rocketmqRoot(ctx.cfg)}/bin/rmq-smoke ${ctx.cfg.smokeMessages}\n`;
}

/** /etc/hosts entries of the cluster: every host's name on the cluster network. */
export function hostsEntries(ctx: RenderContext): { name: string; address: string }[] {
    return ctx.hosts.map((h) => ({ name: h.name, address: h.privateAddress }));
}
