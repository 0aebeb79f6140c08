// The management console (guide section 8): rocketmq-dashboard with login required.
import { parseSizeMiB } from "../config/sizes";
import { AUTH_ADMIN_USER } from "./auth";
import { jvmOptions } from "./jvm";
import type { RenderContext } from "./context";
import { instanceDir, logDir, rocketmqRoot, uploadPath } from "./installation";
import { renderUnit } from "./instanceFiles";
import { chomp, render } from "./templates";

/**
 * `brokerAdminPassword`: with rocketmq:authEnabled, the console signs its requests to the brokers
 * as the stack's administrator (RocketMQ's rmq-admin, not the console's own login).
 */
export function dashboardDeployScript(ctx: RenderContext, adminPassword: string, brokerAdminPassword?: string): string {
    const { cfg, plan } = ctx;
    const d = cfg.dashboard;
    const dir = instanceDir(cfg, "dashboard");
    const hostIndex = plan.dashboardHostIndex ?? 0;
    const jar = `${rocketmqRoot(cfg)}/downloads/rocketmq-dashboard-${d.version}.jar`;
    const launcher = render("conf/launcher.sh.mustache", {
        id: "dashboard",
        rocketmqRoot: rocketmqRoot(cfg),
        rocketmqHome: `${rocketmqRoot(cfg)}/current`,
        instanceDir: dir,
        logDir: logDir(cfg, "dashboard"),
        jvmOptions: jvmOptions({
            role: "dashboard",
            heapMiB: parseSizeMiB(d.heap) ?? 256,
            logDir: logDir(cfg, "dashboard"),
            userHome: `${dir}/data`,
            access: [],
        }),
        mainClass: `-jar ${jar}`,
        args: [`--spring.config.additional-location=file:${dir}/application.properties`, `--logging.file.path=${logDir(cfg, "dashboard")}`],
    });
    return render("host/dashboard-deploy.sh.mustache", {
        version: d.version,
        hostName: ctx.hosts[hostIndex].name,
        rocketmqRoot: rocketmqRoot(cfg),
        serviceUser: cfg.serviceUser,
        sha512: d.sha512 ?? '""',
        download: d.localJar ? undefined : { url: d.url },
        upload: d.localJar ? { uploadPath: uploadPath(d.localJar) } : undefined,
        applicationProperties: chomp(
            render("conf/dashboard.properties.mustache", {
                version: d.version,
                port: d.port,
                address: d.listen === "loopback" ? "127.0.0.1" : "0.0.0.0",
                namesrvAddr: plan.namesrvAddr,
                dataDir: `${dir}/data`,
                brokerAuth:
                    ctx.cfg.auth.enabled && brokerAdminPassword !== undefined
                        ? { accessKey: AUTH_ADMIN_USER, secretKey: brokerAdminPassword }
                        : undefined,
            }),
        ),
        adminPassword,
        // With broker credentials in it, application.properties is for the service user only.
        propertiesMode: ctx.cfg.auth.enabled ? "0640" : "0644",
        launcher: chomp(launcher),
        unit: chomp(renderUnit(cfg, "dashboard", `dashboard ${d.version}`)),
        startTimeoutSeconds: cfg.startTimeoutSeconds,
        port: d.port,
    });
}
