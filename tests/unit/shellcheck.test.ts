// Every script the stack runs on a host, rendered for each topology and version, passes shellcheck.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RawConfig, validateConfig } from "../../config/validate";
import { dashboardDeployScript } from "../../planning/dashboard";
import {
    RenderContext,
    clusterCheckScript,
    hostTools,
    installScript,
    instanceDeployScript,
    instanceFiles,
    osTuningScript,
    osUntuneScript,
    smokeScript,
    uninstallScript,
} from "../../planning/render";
import { rollScript, rollingOrder } from "../../planning/rolling";
import { render } from "../../planning/templates";
import { allInstances, planCluster } from "../../planning/topology";
import { existingRaw } from "./fixtures";

function context(over: RawConfig): RenderContext {
    const cfg = validateConfig(existingRaw(over));
    return {
        cfg,
        plan: planCluster(cfg),
        hosts: [1, 2, 3].map((i) => ({ name: `worker${i}`, privateAddress: `10.0.0.${10 + i}`, cpus: 2 })),
    };
}

function scripts(ctx: RenderContext): Record<string, string> {
    const out: Record<string, string> = {
        "os-tuning.sh": osTuningScript(ctx, 0),
        "os-tuning-dev.sh": osTuningScript(ctx, 0, "nvme1n1"),
        "os-untune.sh": osUntuneScript(),
        "install.sh": installScript(ctx, 0),
        "uninstall.sh": uninstallScript(ctx, 0, true),
        "cluster-check.sh": clusterCheckScript(ctx),
        "smoke.sh": smokeScript(ctx),
        "dashboard-deploy.sh": dashboardDeployScript(ctx, "pw"),
        "mount-data.sh": render("host/mount-data.sh.mustache", {
            volumeId: "vol-0abc",
            volumeIdNoDash: "vol0abc",
            storeRoot: "/app/rocketmq",
        }),
    };
    for (const t of hostTools(ctx)) if (!t.name.endsWith(".java")) out[`tool-${t.name}`] = t.content;
    for (const inst of allInstances(ctx.plan)) {
        out[`deploy-${inst.id}.sh`] = instanceDeployScript(ctx, inst);
        const run = instanceFiles(ctx, inst).find((f) => f.name === "run.sh");
        out[`run-${inst.id}.sh`] = run!.content;
    }
    for (const step of rollingOrder(ctx.plan)) out[`roll-${step.inst.id}${step.finish ? "-leader" : ""}.sh`] = rollScript(ctx, step);
    return out;
}

const cases: [string, RawConfig][] = [
    ["2m-2s-async 5.3.3", {}],
    ["dledger 5.3.3", { topology: "dledger" }],
    [
        "2m-2s-sync 4.9.7 upload",
        { topology: "2m-2s-sync", version: "4.9.7", localArchive: "/x/rocketmq-all-4.9.7-bin-release.zip", javaArchive: "/x/jdk.tar.gz" },
    ],
];

describe("shellcheck on every rendered script", () => {
    const shellcheck = "shellcheck";
    beforeAll(() => {
        try {
            execFileSync(shellcheck, ["--version"]);
        } catch {
            throw new Error("shellcheck is not installed: apt-get install -y shellcheck (.ci/run does this)");
        }
    });
    test.each(cases)("%s", (_, over) => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rmq-sc-"));
        const files = Object.entries(scripts(context(over))).map(([name, text]) => {
            const f = path.join(dir, name);
            // Scripts fed through stdin have no shebang of their own: check them as bash.
            fs.writeFileSync(f, text.startsWith("#!") ? text : `#!/usr/bin/env bash\n${text}`);
            return f;
        });
        try {
            execFileSync(shellcheck, ["-s", "bash", "-S", "style", ...files], { encoding: "utf8" });
        } catch (e) {
            const err = e as { stdout?: string };
            throw new Error(`shellcheck found problems:\n${err.stdout ?? String(e)}`);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
