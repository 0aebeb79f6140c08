import * as command from "@pulumi/command";
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig } from "../config/schema";
import { formatSizeMiB } from "../config/sizes";
import { RenderContext, contextFromFacts } from "../planning/context";
import type { InstanceSpec } from "../planning/instanceFiles";
import { instanceDeployScript } from "../planning/instanceScripts";
import { rocketmqRoot } from "../planning/installation";
import { BrokerPlan, ClusterPlan, allInstances, findInstance } from "../planning/topology";
import { AuthCredentials, AuthUsers } from "./auth";
import { BrokerPair } from "./brokerPair";
import { ClusterChecks } from "./clusterChecks";
import { DLedgerGroup } from "./dledgerGroup";
import { Dashboard } from "./dashboard";
import { Host } from "./hosts/host";
import { InstanceRunning } from "./instanceRunning";
import { BrokerMemberArgs } from "./brokerMembers";
import { prepareHosts } from "./clusterHosts";
import { instancesRunning } from "./clusterRecovery";
import { rollingRestarts } from "./instanceService";
import { NameServerNode } from "./nameServerNode";

export interface RocketMqClusterArgs {
    /** Validated configuration. */
    config: ClusterConfig;
    /** Plan made from the configuration alone (decides which resources exist). */
    plan: ClusterPlan;
    /** Three hosts, in plan order. */
    hosts: Host[];
    /** Remove store directories on destroy (default false: data outlives the stack). */
    purgeDataOnDestroy?: boolean;
}

/**
 * The whole cluster on its hosts: OS tuning and install on every host in parallel, then the name
 * servers, then every broker in parallel (each gated by clusterList), then the dashboard and checks.
 * A change to a running cluster stages new files everywhere and restarts the changed instances one
 * at a time (rollingRestarts: name servers, replicas before masters, DLedger leader last).
 * Every instance also gets an InstanceRunning: `pulumi up --refresh` restarts the instances found
 * not running (name servers before brokers), and only those.
 */
export class RocketMqCluster extends pulumi.ComponentResource {
    readonly nameServers: NameServerNode[];
    readonly brokerGroups: (BrokerPair | DLedgerGroup)[];
    readonly dashboard?: Dashboard;
    readonly checks: ClusterChecks;
    /** rocketmq:authEnabled: the administrator and the hosts' credential files. */
    readonly auth?: AuthCredentials;
    /** rocketmq:authUsers, created once the cluster check passed. */
    readonly authUsers?: AuthUsers;
    readonly services: Record<string, command.remote.Command> = {};
    /** Per instance id: the spec its component rendered its files from; restarts, recovery and checks use these. */
    readonly specs: Record<string, pulumi.Output<InstanceSpec>> = {};
    readonly rollingRestarts: command.remote.Command[];
    /** Per instance id (and "dashboard"): its recovery resource. */
    readonly running: Record<string, InstanceRunning>;

    constructor(name: string, args: RocketMqClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rocketmq:index:RocketMqCluster", name, {}, opts);
        const { config: cfg, plan, hosts } = args;
        const purge = args.purgeDataOnDestroy ?? false;
        const ctx = renderContext(cfg, plan, hosts);
        // Auto heaps: from the one refined plan.
        const heapOf = (id: string) => ctx.apply((c) => formatSizeMiB(findInstance(c.plan, id).heapMiB));
        const nameServers = plan.namesrvAddr.split(";");

        const installs = prepareHosts(this, name, cfg, hosts, ctx, nameServers, purge);

        this.nameServers = plan.nameServers.map((ns) => {
            const node = new NameServerNode(
                `${name}-${ns.id}`,
                {
                    install: installs[ns.hostIndex],
                    id: ns.id,
                    heap: formatSizeMiB(ns.heapMiB),
                    rollingRestart: false,
                    // The stack refuses host changes from its layout output.
                    guardPlacement: false,
                },
                { parent: this },
            );
            this.services[ns.id] = node.service;
            this.specs[ns.id] = node.spec;
            return node;
        });

        if (cfg.auth.enabled)
            this.auth = new AuthCredentials(
                `${name}-auth`,
                { cfg, hosts, ctx, dependsOn: installs.map((i) => i.command) },
                { parent: this },
            );
        const brokerDeps: pulumi.Resource[] = [
            ...this.nameServers.map((n) => n.service),
            ...installs.map((i) => i.command),
            ...(this.auth?.hostFiles ?? []),
        ];
        const member = (b: BrokerPlan): BrokerMemberArgs => ({
            install: installs[b.hostIndex],
            id: b.id,
            heap: heapOf(b.id),
            listenPort: b.listenPort,
            storePathRootDir: b.storePathRootDir,
            properties: b.overrides,
        });
        const common = {
            nameServers,
            clusterName: cfg.clusterName,
            storeRoot: cfg.storeRoot,
            autoCreateTopicEnable: cfg.autoCreateTopicEnable,
            autoCreateSubscriptionGroup: cfg.autoCreateSubscriptionGroup,
            purgeDataOnDestroy: purge,
            // Restarts are ordered across the whole cluster below.
            rollingRestart: false,
            guardPlacement: false,
            dependsOn: brokerDeps,
        };
        this.brokerGroups = plan.groups.map((group) => {
            const component =
                group.kind === "dledger"
                    ? new DLedgerGroup(
                          `${name}-dledger`,
                          {
                              ...common,
                              group: group.brokerName,
                              members: group.members.map(member),
                              dledgerPort: group.members[0].dledger?.port,
                          },
                          { parent: this },
                      )
                    : new BrokerPair(
                          `${name}-${group.brokerName}`,
                          {
                              ...common,
                              brokerName: group.brokerName,
                              master: member(group.members[0]),
                              slave: group.members[1] ? member(group.members[1]) : undefined,
                              replication: group.members[0].role === "SYNC_MASTER" ? "sync" : "async",
                          },
                          { parent: this },
                      );
            component.services.forEach((svc, i) => (this.services[group.members[i].id] = svc));
            component.specs.forEach((spec, i) => (this.specs[group.members[i].id] = spec));
            return component;
        });
        this.rollingRestarts = rollingRestarts(this, name, plan, hosts, ctx, this.services, this.specs);

        if (plan.dashboardHostIndex !== undefined) {
            this.dashboard = new Dashboard(
                `${name}-dashboard`,
                {
                    host: hosts[plan.dashboardHostIndex],
                    ctx,
                    brokerAdminPassword: this.auth?.adminPassword,
                    localJar: cfg.dashboard.localJar,
                    remove: `${rocketmqRoot(cfg)}/bin/rmq-service remove dashboard`,
                    // rmq-service remove drops the claim itself, as for the instances.
                    claim: { key: "instance-dashboard", serviceRemove: { deployed: `${rocketmqRoot(cfg)}/instances/dashboard` } },
                    dependsOn: [...this.nameServers.map((n) => n.service), installs[plan.dashboardHostIndex].command],
                },
                { parent: this },
            );
        }

        this.running = instancesRunning(this, name, args, ctx, this.services, this.rollingRestarts, this.dashboard?.service, this.specs);

        const revision = pulumi
            .all(allInstances(plan).map((inst) => this.specs[inst.id]))
            .apply((specs) => digest(specs.map((spec) => instanceDeployScript(spec))));
        this.checks = new ClusterChecks(
            `${name}-checks`,
            {
                host: hosts[0],
                ctx,
                smokeMessages: cfg.smokeMessages,
                brokers: [...Object.values(this.services), ...this.rollingRestarts],
                revision,
            },
            { parent: this },
        );
        if (this.auth && cfg.auth.users.length > 0)
            this.authUsers = new AuthUsers(
                `${name}-users`,
                { users: cfg.auth.users, cfg, host: hosts[0], ctx, dependsOn: [this.checks.health, ...this.auth.hostFiles] },
                { parent: this },
            );
        this.registerOutputs({});
    }
}

/** The plan refined with the hosts' addresses and real sizes, once known (see contextFromFacts). */
function renderContext(cfg: ClusterConfig, plan: ClusterPlan, hosts: Host[]): pulumi.Output<RenderContext> {
    return pulumi.all(hosts.map((h) => pulumi.all([h.privateAddress, h.clientAddress, h.facts]))).apply((resolved) =>
        contextFromFacts(
            cfg,
            plan,
            resolved.map(([privateAddress, clientAddress, f]) => ({ privateAddress, clientAddress, ...f })),
        ),
    );
}

function digest(parts: string[]): string {
    return crypto.createHash("sha256").update(parts.join("\0")).digest("hex").slice(0, 16);
}
