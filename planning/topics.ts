// The scripts behind rocketmq:topics and rocketmq:consumerGroups: one short script per topic or
// group, calling the host tools rmq-topic / rmq-group (templates/host/bin/) on worker1. Each script
// names every value it applies, so a change to one topic changes exactly that topic's script, and
// `pulumi preview --diff` shows the old and the new values. Plain functions of the validated config.
import { ClusterConfig, ConsumerGroupSpec, TopicSpec } from "../config/schema";
import { rocketmqRoot } from "./installation";
import { shellQuote } from "./templates";
import { ClusterPlan } from "./topology";

const PERM_NAMES = { 6: "rw", 4: "r", 2: "w" } as const;

/** Broker groups (masters / the DLedger group) that must hold every topic and group. */
export function brokerGroupNames(plan: ClusterPlan): string[] {
    return plan.groups.map((g) => g.brokerName);
}

export function topicApplyScript(cfg: ClusterConfig, plan: ClusterPlan, t: TopicSpec): string {
    const brokers = brokerGroupNames(plan);
    const args = [
        cfg.clusterName,
        t.name,
        String(t.readQueues),
        String(t.writeQueues),
        String(t.perm),
        t.messageType ?? "-",
        String(cfg.allowQueueDecrease),
        ...brokers,
    ];
    return [
        `# topic ${t.name}: readQueues ${t.readQueues}, writeQueues ${t.writeQueues}, perm ${PERM_NAMES[t.perm]}` +
            `${t.messageType ? `, message.type ${t.messageType}` : ""}; on ${brokers.join(", ")} of ${cfg.clusterName}`,
        "set -euo pipefail",
        `${rocketmqRoot(cfg)}/bin/rmq-topic apply ${args.map(shellQuote).join(" ")}`,
        "",
    ].join("\n");
}

export function topicDeleteScript(cfg: ClusterConfig, t: TopicSpec): string {
    return [
        "set -euo pipefail",
        `${rocketmqRoot(cfg)}/bin/rmq-topic delete ${[cfg.clusterName, t.name].map(shellQuote).join(" ")}`,
        "",
    ].join("\n");
}

export function groupApplyScript(cfg: ClusterConfig, plan: ClusterPlan, g: ConsumerGroupSpec): string {
    const brokers = brokerGroupNames(plan);
    const orderly = g.orderly === undefined ? "-" : String(g.orderly);
    const args = [cfg.clusterName, g.name, String(g.retryMaxTimes), String(g.broadcast), orderly, ...brokers];
    return [
        `# consumer group ${g.name}: retryMaxTimes ${g.retryMaxTimes}, broadcast ${g.broadcast}` +
            `${g.orderly === undefined ? "" : `, orderly ${g.orderly}`}; on ${brokers.join(", ")} of ${cfg.clusterName}`,
        "set -euo pipefail",
        `${rocketmqRoot(cfg)}/bin/rmq-group apply ${args.map(shellQuote).join(" ")}`,
        "",
    ].join("\n");
}

export function groupDeleteScript(cfg: ClusterConfig, g: ConsumerGroupSpec): string {
    return [
        "set -euo pipefail",
        `${rocketmqRoot(cfg)}/bin/rmq-group delete ${[cfg.clusterName, g.name].map(shellQuote).join(" ")}`,
        "",
    ].join("\n");
}
