import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig } from "../config/schema";
import { groupApplyScript, groupDeleteScript, topicApplyScript, topicDeleteScript } from "../planning/topics";
import { ClusterPlan } from "../planning/topology";
import { claimKeyOf, claimsReconcileScript } from "../planning/claims";
import { hostCommand } from "./hostCommand";
import { Host } from "./hosts/host";

export interface TopicsAndGroupsArgs {
    config: ClusterConfig;
    plan: ClusterPlan;
    /** Where mqadmin runs (worker1: a name server host with every name server preset). */
    host: Host;
    /** The cluster checks: topics and groups are applied only to a cluster that passed them. */
    dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * rocketmq:topics and rocketmq:consumerGroups, one resource each (`NAME-topic-TOPIC`,
 * `NAME-group-GROUP`), so a preview names exactly the topic or group that changes. Each runs its
 * script (rmq-topic / rmq-group apply: mqadmin, then a read-back) on create and whenever its values
 * change. A topic or group removed from config is deleted on the cluster only when
 * deleteRemovedTopics / deleteRemovedGroups was true at the last `pulumi up` that kept it; otherwise
 * it carries retainOnDelete, the engine runs nothing and preview says `delete[retain]`.
 */
export class TopicsAndGroups extends pulumi.ComponentResource {
    readonly topics: Record<string, command.remote.Command> = {};
    readonly groups: Record<string, command.remote.Command> = {};
    /** Forgets the claims of topics and groups no longer declared; only while some are. */
    readonly claims?: command.remote.Command;

    constructor(name: string, args: TopicsAndGroupsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rocketmq:index:TopicsAndGroups", name, {}, opts);
        const { config: cfg, plan, host } = args;
        for (const t of cfg.topics) {
            this.topics[t.name] = hostCommand(
                `${name}-topic-${t.name}`,
                host,
                // Claimed: up --replace creates the new resource first, and the old one's delete (opted
                // in) must not delete the topic its replacement has just applied.
                { script: topicApplyScript(cfg, plan, t), remove: topicDeleteScript(cfg, t), claim: { key: claimKeyOf("topic", t.name) } },
                { parent: this, dependsOn: args.dependsOn, retainOnDelete: !cfg.deleteRemovedTopics },
            );
        }
        for (const g of cfg.consumerGroups) {
            this.groups[g.name] = hostCommand(
                `${name}-group-${g.name}`,
                host,
                { script: groupApplyScript(cfg, plan, g), remove: groupDeleteScript(cfg, g), claim: { key: claimKeyOf("group", g.name) } },
                { parent: this, dependsOn: args.dependsOn, retainOnDelete: !cfg.deleteRemovedGroups },
            );
        }
        // The claims of topics and groups no longer declared are forgotten (see claimsReconcileScript):
        // only while some are declared, so that a stack without any has no resource more; the
        // delete, when the last ones go, forgets them all.
        if (cfg.topics.length + cfg.consumerGroups.length > 0) {
            const keep = [
                ...cfg.topics.map((t) => claimKeyOf("topic", t.name)),
                ...cfg.consumerGroups.map((g) => claimKeyOf("group", g.name)),
            ];
            this.claims = hostCommand(
                `${name}-claims`,
                host,
                {
                    script: claimsReconcileScript(["topic", "group"], keep.sort()),
                    remove: claimsReconcileScript(["topic", "group"], []),
                    // Claimed itself: an up --replace of it must not forget the declared ones' claims.
                    claim: { key: "reconcile-topics-groups" },
                },
                { parent: this, dependsOn: args.dependsOn },
            );
        }
        this.registerOutputs({});
    }
}
