// Every script and command text the stack runs on a host, rendered from a validated config the way
// the program does it (contextFromFacts), for the shell checks in shellcheck.test and hostile.test.
import { validateConfig } from "../../config/validate";
import { RawConfig } from "../../config/validate";
import { hostAuthRemoveCommand, hostAuthScript, userApplyScript, userDeleteCommand } from "../../planning/auth";
import { contextFromFacts } from "../../planning/context";
import { dashboardDeployScript } from "../../planning/dashboard";
import {
    RenderContext,
    clusterCheckScript,
    hostTools,
    installScript,
    instanceDeployScript,
    instanceEnsureScript,
    instanceFiles,
    instanceRemoveCommand,
    osTuningScript,
    rollScript,
    smokeScript,
    uninstallScript,
} from "./render";
import { osUntuneScript } from "../../planning/hostScripts";
import { rollingOrder } from "../../planning/rolling";
import { render } from "../../planning/templates";
import { groupApplyScript, groupDeleteScript, topicApplyScript, topicDeleteScript } from "../../planning/topics";
import { allInstances, hostNames, planCluster } from "../../planning/topology";

/** Validated config -> render context, with the cluster addresses the config gives (aws: 10.20.0.x). */
export function contextOf(raw: RawConfig): RenderContext {
    const cfg = validateConfig(raw);
    const names = hostNames(cfg);
    return contextFromFacts(
        cfg,
        planCluster(cfg),
        names.map((_, i) => ({
            privateAddress: cfg.existingHosts[i]?.privateAddress ?? `10.20.0.${11 + i}`,
            clientAddress: cfg.existingHosts[i]?.clientAddress ?? `10.20.0.${11 + i}`,
            cpus: 2,
            memoryMiB: 8192,
        })),
    );
}

/** File name -> script text. Scripts fed through stdin have no shebang of their own. */
export function renderedScripts(ctx: RenderContext): Record<string, string> {
    const out: Record<string, string> = {
        "os-tuning.sh": osTuningScript(ctx, 0),
        "os-tuning-dev.sh": osTuningScript(ctx, 0, "nvme1n1"),
        "os-untune.sh": osUntuneScript(),
        "install.sh": installScript(ctx, 0),
        "uninstall.sh": uninstallScript(ctx, 0, true),
        "cluster-check.sh": clusterCheckScript(ctx),
        "smoke.sh": smokeScript(ctx),
        "dashboard-deploy.sh": dashboardDeployScript(ctx, "pw"),
        "dashboard-ensure.sh": instanceEnsureScript(ctx, { dashboard: true }),
        "mount-data.sh": render("host/mount-data.sh.mustache", {
            volumeId: "vol-0abc",
            volumeIdNoDash: "vol0abc",
            storeRoot: ctx.cfg.storeRoot,
            sizeGiB: 50,
        }),
        "host-settled.sh": render("host/host-settled.sh.mustache", {
            hostName: "worker2",
            instanceType: "t3.large",
            settleSeconds: 35,
            timeoutSeconds: 900,
        }),
    };
    if (ctx.cfg.auth.enabled) {
        const secrets = { adminPassword: "AdminPw0123456789", innerPassword: "InnerPw0123456789" };
        out["auth-files.sh"] = hostAuthScript(ctx, 0, secrets);
        out["auth-remove.sh"] = `${hostAuthRemoveCommand(ctx.cfg)}\n`;
        out["dashboard-deploy-auth.sh"] = dashboardDeployScript(ctx, "pw", secrets.adminPassword);
        for (const u of ctx.cfg.auth.users) {
            out[`auth-user-${u.name}.sh`] = userApplyScript(ctx, u, "UserPw0123456789");
            out[`auth-user-${u.name}-delete.sh`] = `${userDeleteCommand(ctx.cfg, u.name)}\n`;
        }
    }
    for (const t of hostTools(ctx)) if (!t.name.endsWith(".java")) out[`tool-${t.name}`] = t.content;
    for (const inst of allInstances(ctx.plan)) {
        out[`deploy-${inst.id}.sh`] = instanceDeployScript(ctx, inst);
        out[`ensure-${inst.id}.sh`] = instanceEnsureScript(ctx, { instance: inst });
        out[`remove-${inst.id}.sh`] = `${instanceRemoveCommand(ctx.cfg, inst, true)}\n`;
        const run = instanceFiles(ctx, inst).find((f) => f.name === "run.sh");
        out[`run-${inst.id}.sh`] = run!.content;
    }
    for (const t of ctx.cfg.topics) {
        out[`topic-${t.name}.sh`] = topicApplyScript(ctx.cfg, ctx.plan, t);
        out[`topic-${t.name}-delete.sh`] = topicDeleteScript(ctx.cfg, t);
    }
    for (const g of ctx.cfg.consumerGroups) {
        out[`group-${g.name}.sh`] = groupApplyScript(ctx.cfg, ctx.plan, g);
        out[`group-${g.name}-delete.sh`] = groupDeleteScript(ctx.cfg, g);
    }
    for (const step of rollingOrder(ctx.plan)) out[`roll-${step.inst.id}${step.finish ? "-leader" : ""}.sh`] = rollScript(ctx, step);
    return out;
}

/** The text with a bash shebang, so shellcheck checks stdin-fed scripts as bash too. */
export function asBashFile(text: string): string {
    return text.startsWith("#!") ? text : `#!/usr/bin/env bash\n${text}`;
}

/**
 * Lines of `script` the shell reads as code: everything but the bodies of quoted heredocs
 * (`<<'EOF'` ... `EOF`), whose text bash passes on without expanding anything.
 */
export function shellCodeLines(script: string): string[] {
    const code: string[] = [];
    let end: string | undefined;
    for (const line of script.split("\n")) {
        if (end !== undefined) {
            if (line === end) end = undefined;
            continue;
        }
        code.push(line);
        end = /<<-?'([A-Za-z_][A-Za-z0-9_]*)'/.exec(line)?.[1];
    }
    return code;
}
