// Drives the stack's own rendered host scripts over SSH in the order the Pulumi program wires
// them (RocketMqCluster): per host OS tuning then install, in parallel; name servers; brokers
// one at a time; dashboard; health; smoke. The Pulumi engine decides WHICH commands run (only
// those whose inputs changed); this driver runs the commands whose inputs a test says changed.
import { RawConfig, validateConfig } from "../../config/validate";
import { ClusterConfig } from "../../config/schema";
import { FACTS_COMMAND, parseFacts } from "../../components/hosts/host";
import { contextFromFacts } from "../../planning/context";
import { dashboardDeployScript } from "../../planning/dashboard";
import {
    RenderContext,
    clusterCheckScript,
    installScript,
    instanceDeployScript,
    instanceRemoveCommand,
    osTuningScript,
    osUntuneScript,
    rocketmqRoot,
    smokeScript,
    uninstallScript,
} from "../../planning/render";
import { ClusterPlan, allBrokers, allInstances, findInstance, hostNames, planCluster } from "../../planning/topology";
import { runOk } from "./ssh";

export class HostDeployer {
    readonly cfg: ClusterConfig;
    readonly plan: ClusterPlan;
    ctx?: RenderContext;

    constructor(
        raw: RawConfig,
        readonly ips: string[],
        readonly key: string,
        readonly dashboardPassword = "",
    ) {
        this.cfg = validateConfig(raw);
        this.plan = planCluster(this.cfg);
    }

    sh(hostIndex: number, what: string, script: string, timeoutMs?: number): Promise<string> {
        return runOk(this.key, this.ips[hostIndex], what, "bash -s", script, timeoutMs);
    }

    /** What the stack's first command per host does: wait for SSH, read cores and memory. */
    async readFacts(): Promise<RenderContext> {
        const facts = await Promise.all(
            this.ips.map(async (ip, i) => ({ privateAddress: ip, ...parseFacts(await this.sh(i, "facts", FACTS_COMMAND)) })),
        );
        this.ctx = contextFromFacts(this.cfg, hostNames(this.cfg), facts);
        return this.ctx;
    }

    /** Every command's input, by resource: the engine reruns exactly those that differ. */
    commandInputs(ctx: RenderContext): Record<string, string> {
        const out: Record<string, string> = {};
        ctx.plan.hosts.forEach((h, i) => {
            out[`${h.name}-os`] = osTuningScript(ctx, i);
            out[`${h.name}-install`] = installScript(ctx, i);
        });
        for (const inst of allInstances(ctx.plan)) out[inst.id] = instanceDeployScript(ctx, inst);
        if (ctx.plan.dashboardHostIndex !== undefined) out.dashboard = dashboardDeployScript(ctx, this.dashboardPassword);
        return out;
    }

    async deployAll(): Promise<void> {
        const ctx = this.ctx ?? (await this.readFacts());
        await Promise.all(
            ctx.plan.hosts.map(async (h, i) => {
                await this.sh(i, `${h.name} os tuning`, osTuningScript(ctx, i));
                await this.sh(i, `${h.name} install`, installScript(ctx, i));
            }),
        );
        await Promise.all(ctx.plan.nameServers.map((n) => this.deployInstance(n.id)));
        for (const b of allBrokers(ctx.plan)) await this.deployInstance(b.id);
        if (ctx.plan.dashboardHostIndex !== undefined)
            await this.sh(ctx.plan.dashboardHostIndex, "dashboard", dashboardDeployScript(ctx, this.dashboardPassword));
        await this.checks();
    }

    async deployInstance(id: string): Promise<string> {
        const ctx = this.ctx!;
        const inst = findInstance(ctx.plan, id);
        return this.sh(inst.hostIndex, `deploy ${id}`, instanceDeployScript(ctx, inst));
    }

    async checks(): Promise<string> {
        const ctx = this.ctx!;
        const health = await this.sh(0, "cluster health", clusterCheckScript(ctx));
        const smoke = ctx.cfg.smokeMessages > 0 ? await this.sh(0, "smoke", smokeScript(ctx)) : "";
        return health + smoke;
    }

    /** What `pulumi destroy` runs, in reverse dependency order. */
    async removeAll(purge: boolean): Promise<void> {
        const ctx = this.ctx!;
        const root = rocketmqRoot(ctx.cfg);
        if (ctx.plan.dashboardHostIndex !== undefined)
            await this.sh(ctx.plan.dashboardHostIndex, "remove dashboard", `${root}/bin/rmq-service remove dashboard\n`);
        for (const b of [...allBrokers(ctx.plan)].reverse())
            await this.sh(b.hostIndex, `remove ${b.id}`, instanceRemoveCommand(ctx.cfg, b, purge));
        await Promise.all(
            ctx.plan.nameServers.map((n) => this.sh(n.hostIndex, `remove ${n.id}`, instanceRemoveCommand(ctx.cfg, n, purge))),
        );
        await Promise.all(
            ctx.plan.hosts.map(async (_, i) => {
                await this.sh(i, "uninstall", uninstallScript(ctx, i, purge));
                await this.sh(i, "os untune", osUntuneScript());
            }),
        );
    }
}
