// The rendering functions as the cluster applies them: from a RenderContext and an instance of its
// plan (or a host index) to the narrow inputs each one takes (components/cluster.ts does the same).
import * as B from "../../planning/brokerProperties";
import * as C from "../../planning/context";
import * as H from "../../planning/hostScripts";
import * as F from "../../planning/instanceFiles";
import * as S from "../../planning/instanceScripts";
import * as R from "../../planning/rolling";
import { InstancePlan } from "../../planning/topology";

export type { RenderContext } from "../../planning/context";
export { clusterCheckScript, expectedBrokers, smokeScript } from "../../planning/context";
export { instanceRemoveCommand } from "../../planning/instanceScripts";

type Ctx = C.RenderContext;
const tools = (ctx: Ctx) => ({ namesrvAddr: ctx.plan.namesrvAddr, clusterName: ctx.cfg.clusterName });

export const brokerView = (ctx: Ctx, i: InstancePlan) => B.brokerView(C.specOf(ctx, i));
export const renderBrokerProperties = (ctx: Ctx, i: InstancePlan) => B.renderBrokerProperties(C.specOf(ctx, i));
export const renderLauncher = (ctx: Ctx, i: InstancePlan) => F.renderLauncher(C.specOf(ctx, i));
export const instanceFiles = (ctx: Ctx, i: InstancePlan) => F.instanceFiles(C.specOf(ctx, i));
export const instanceDeployScript = (ctx: Ctx, i: InstancePlan) => S.instanceDeployScript(C.specOf(ctx, i));
export const instanceEnsureScript = (ctx: Ctx, t: { instance: InstancePlan } | { dashboard: true }) =>
    S.instanceEnsureScript(
        ctx.cfg,
        "instance" in t
            ? { spec: C.specOf(ctx, t.instance) }
            : { dashboard: { hostName: ctx.hosts[ctx.plan.dashboardHostIndex ?? 0].name, port: ctx.cfg.dashboard.port } },
    );
export const osTuningScript = (ctx: Ctx, hostIndex: number, dataDevice?: string) =>
    H.osTuningScript(ctx.cfg, ctx.hosts[hostIndex].name, C.hostsEntries(ctx), dataDevice);
export const installScript = (ctx: Ctx, hostIndex: number) => H.installScript(ctx.cfg, ctx.cfg, ctx.hosts[hostIndex].name, tools(ctx));
export const uninstallScript = (ctx: Ctx, hostIndex: number, purge: boolean) =>
    H.uninstallScript(ctx.cfg, ctx.hosts[hostIndex].name, purge);
export const hostTools = (ctx: Ctx) => H.hostTools(ctx.cfg, tools(ctx));
export const rollArgs = (ctx: Ctx, step: R.RollStep) => R.rollArgs(C.specOf(ctx, step.inst), step.finish, R.rollPeers(ctx, step.inst));
export const rollScript = (ctx: Ctx, step: R.RollStep) => R.rollScript(C.specOf(ctx, step.inst), step.finish, R.rollPeers(ctx, step.inst));
export const instanceRevision = (ctx: Ctx, i: InstancePlan) => R.instanceRevision(C.specOf(ctx, i));
