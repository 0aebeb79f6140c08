// The rendering functions as the cluster applies them: from a RenderContext and an instance of its
// plan (or a host index) to the narrow inputs each one takes (components/cluster.ts does the same).
import * as B from "../../planning/brokerProperties";
import * as C from "../../planning/context";
import * as H from "../../planning/hostScripts";
import * as F from "../../planning/instanceFiles";
import * as S from "../../planning/instanceScripts";
import * as R from "../../planning/rolling";
import { BrokerCluster, InstanceSpec } from "../../planning/instanceFiles";
import { InstancePlan, allBrokers } from "../../planning/topology";

export type { RenderContext } from "../../planning/context";
export { clusterCheckScript, expectedBrokers, smokeScript } from "../../planning/context";
export { instanceRemoveCommand } from "../../planning/instanceScripts";

type Ctx = C.RenderContext;

// What the components render an instance's files from, rebuilt from the plan for the unit tests
// (the program takes each from its component: RocketMqCluster.specs). tests/unit/pipeline.test.ts
// checks that the two agree for every instance.
/** The cluster every broker of this stack joins. */
export function brokerCluster(ctx: Ctx): BrokerCluster {
    const { cfg, plan } = ctx;
    return {
        clusterName: cfg.clusterName,
        namesrvAddr: plan.namesrvAddr,
        autoCreateTopicEnable: cfg.autoCreateTopicEnable,
        autoCreateSubscriptionGroup: cfg.autoCreateSubscriptionGroup,
    };
}

/** One instance of the plan, with what its files are rendered from (looked up by id in this plan). */
export function specOf(ctx: Ctx, inst: InstancePlan | string): InstanceSpec {
    const id = typeof inst === "string" ? inst : inst.id;
    const instance = [...ctx.plan.nameServers, ...allBrokers(ctx.plan)].find((i) => i.id === id);
    if (!instance) throw new Error(`instance ${id} is not in the plan`);
    return {
        installation: ctx.cfg,
        host: ctx.hosts[instance.hostIndex],
        instance,
        cluster: instance.kind === "broker" ? brokerCluster(ctx) : undefined,
    };
}

const tools = (ctx: Ctx) => ({ namesrvAddr: ctx.plan.namesrvAddr, clusterName: ctx.cfg.clusterName });

export const brokerView = (ctx: Ctx, i: InstancePlan) => B.brokerView(specOf(ctx, i));
export const renderBrokerProperties = (ctx: Ctx, i: InstancePlan) => B.renderBrokerProperties(specOf(ctx, i));
export const renderLauncher = (ctx: Ctx, i: InstancePlan) => F.renderLauncher(specOf(ctx, i));
export const instanceFiles = (ctx: Ctx, i: InstancePlan) => F.instanceFiles(specOf(ctx, i));
export const instanceDeployScript = (ctx: Ctx, i: InstancePlan) => S.instanceDeployScript(specOf(ctx, i));
export const instanceEnsureScript = (ctx: Ctx, t: { instance: InstancePlan } | { dashboard: true }) =>
    S.instanceEnsureScript(
        ctx.cfg,
        "instance" in t
            ? { spec: specOf(ctx, t.instance) }
            : { dashboard: { hostName: ctx.hosts[ctx.plan.dashboardHostIndex ?? 0].name, port: ctx.cfg.dashboard.port } },
    );
export const osTuningScript = (ctx: Ctx, hostIndex: number, dataDevice?: string) =>
    H.osTuningScript(ctx.cfg, ctx.hosts[hostIndex].name, C.hostsEntries(ctx), dataDevice);
export const installScript = (ctx: Ctx, hostIndex: number) => H.installScript(ctx.cfg, ctx.cfg, ctx.hosts[hostIndex].name, tools(ctx));
export const uninstallScript = (ctx: Ctx, hostIndex: number, purge: boolean) =>
    H.uninstallScript(ctx.cfg, ctx.hosts[hostIndex].name, purge);
export const hostTools = (ctx: Ctx) => H.hostTools(ctx.cfg, tools(ctx));
export const rollArgs = (ctx: Ctx, step: R.RollStep) => R.rollArgs(specOf(ctx, step.inst), step.finish, R.rollPeers(ctx, step.inst));
export const rollScript = (ctx: Ctx, step: R.RollStep) => R.rollScript(specOf(ctx, step.inst), step.finish, R.rollPeers(ctx, step.inst));
export const instanceRevision = (ctx: Ctx, i: InstancePlan) => R.instanceRevision(specOf(ctx, i));
