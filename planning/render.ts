// Rendering of every file and host script, from the plan and the hosts' resolved addresses.
// Pure functions of their inputs: same input, same text, so Pulumi sees no change on a rerun.
import { brokerKeys } from "../config/brokerKeys";
import { ClusterConfig } from "../config/schema";
import { rollSources } from "../config/versionChange";
import { versionFacts } from "../config/versions";
import { BROKER_AUTH_KEYS, brokerAuthFile } from "./auth";
import { jvmOptions } from "./jvm";
import { chomp, readJavaTool, render, shellQuote } from "./templates";
import { BrokerPlan, ClusterPlan, InstancePlan, NAMESRV_PORT, NameServerPlan, allBrokers } from "./topology";

/** What is known about a host once it exists: its addresses and, from the host, its size. */
export interface ResolvedHost {
    name: string;
    /** Cluster network: brokerIP2 (HA), DLedger peers, /etc/hosts. */
    privateAddress: string;
    /** What clients are told: brokerIP1, hence clusterList and every broker route. */
    clientAddress: string;
    cpus?: number;
    memoryMiB?: number;
}

export interface RenderContext {
    cfg: ClusterConfig;
    plan: ClusterPlan;
    hosts: ResolvedHost[];
}

export const SMOKE_TOPIC = "RMQ_PULUMI_SMOKE";
export const SMOKE_GROUP = "RMQ_PULUMI_SMOKE_GROUP";

export function rocketmqRoot(cfg: ClusterConfig): string {
    return `${cfg.appRoot}/rocketmq`;
}

export function distName(cfg: ClusterConfig): string {
    return versionFacts(cfg.version).distName;
}

export function instanceDir(cfg: ClusterConfig, id: string): string {
    return `${rocketmqRoot(cfg)}/instances/${id}`;
}

export function logDir(cfg: ClusterConfig, id: string): string {
    return `${rocketmqRoot(cfg)}/logs/${id}`;
}

function rocketmqHome(cfg: ClusterConfig): string {
    return `${rocketmqRoot(cfg)}/versions/${distName(cfg)}`;
}

/** 4.9.x: logging config in $rocketmqHome/conf, so rocketmqHome is the instance directory. */
const logsUnderRocketmqHome = (cfg: ClusterConfig): boolean => versionFacts(cfg.version).logging === "rocketmqHome-conf";

/** Where each version looks for its logging config: 4.9.x loads $rocketmqHome/conf/logback_*.xml. */
function logbackFile(cfg: ClusterConfig, inst: InstancePlan): { relPath: string; absPath: string } {
    const role = inst.kind === "namesrv" ? "namesrv" : "broker";
    const relPath = logsUnderRocketmqHome(cfg) ? `conf/logback_${role}.xml` : `rmq.${role}.logback.xml`;
    return { relPath, absPath: `${instanceDir(cfg, inst.id)}/${relPath}` };
}

export function renderLogback(cfg: ClusterConfig, inst: InstancePlan): string {
    return render("conf/logback.xml.mustache", {
        logDir: logDir(cfg, inst.id),
        id: inst.id,
        role: inst.kind === "namesrv" ? "namesrv" : "broker",
    });
}

/** Key names differ between versions (the guide's `maped...` is `mapped...` in newer releases). */
function keyName(cfg: ClusterConfig, preferred: string, legacy: string): string {
    const known = brokerKeys(cfg.version);
    return known.has(preferred) || !known.has(legacy) ? preferred : legacy;
}

// Keys the template writes itself; an override of one of these replaces the templated value
// (validation refuses overrides of the ones the stack manages: config/validate/brokerProperties.ts).
const TEMPLATED = [
    "brokerClusterName",
    "brokerName",
    "brokerId",
    "namesrvAddr",
    "brokerIP1",
    "brokerIP2",
    "listenPort",
    "defaultTopicQueueNums",
    "autoCreateTopicEnable",
    "autoCreateSubscriptionGroup",
    "deleteWhen",
    "fileReservedTime",
    "mappedFileSizeCommitLog",
    "mappedFileSizeConsumeQueue",
    "diskMaxUsedSpaceRatio",
    "maxMessageSize",
    "storePathRootDir",
    "storePathCommitLog",
    "brokerRole",
    "flushDiskType",
    "sendMessageThreadPoolNums",
    "dLegerGroup",
    "dLegerPeers",
    "dLegerSelfId",
    "rocketmqHome",
];

/** The broker's properties as a view for the template: the guide's values, corrected, plus overrides. */
export function brokerView(ctx: RenderContext, b: BrokerPlan): Record<string, unknown> {
    const { cfg, plan } = ctx;
    const host = ctx.hosts[b.hostIndex];
    const known = brokerKeys(cfg.version);
    const root = b.storePathRootDir;
    const ov = b.overrides;
    const pick = (key: string, def: string | number | boolean): string => ov[key] ?? String(def);
    // The guide lists these paths, but only some versions read them; render only what is read.
    const storeSubPaths = [
        ["storePathConsumeQueue", `${root}/consumequeue`],
        ["storePathIndex", `${root}/index`],
        ["storeCheckpoint", `${root}/checkpoint`],
        ["abortFile", `${root}/abort`],
    ]
        .filter(([k]) => known.has(k) && ov[k] === undefined)
        .map(([key, value]) => ({ key, value }));
    const extra = Object.entries(ov)
        .filter(([k]) => !TEMPLATED.includes(k))
        .map(([key, value]) => ({ key, value }));
    return {
        id: b.id,
        description: describe(b),
        version: cfg.version,
        brokerClusterName: pick("brokerClusterName", cfg.clusterName),
        brokerName: b.brokerName,
        brokerId: b.brokerId,
        namesrvAddr: pick("namesrvAddr", plan.namesrvAddr),
        brokerIP1: pick("brokerIP1", host.clientAddress),
        brokerIP2: pick("brokerIP2", host.privateAddress),
        listenPort: b.listenPort,
        defaultTopicQueueNums: pick("defaultTopicQueueNums", 4),
        autoCreateTopicEnable: pick("autoCreateTopicEnable", cfg.autoCreateTopicEnable),
        autoCreateSubscriptionGroup: pick("autoCreateSubscriptionGroup", cfg.autoCreateSubscriptionGroup),
        deleteWhen: pick("deleteWhen", "04"),
        fileReservedTime: pick("fileReservedTime", 120),
        mappedFileSizeCommitLogKey: keyName(cfg, "mappedFileSizeCommitLog", "mapedFileSizeCommitLog"),
        mappedFileSizeCommitLog: pick("mappedFileSizeCommitLog", 1073741824),
        mappedFileSizeConsumeQueueKey: keyName(cfg, "mappedFileSizeConsumeQueue", "mapedFileSizeConsumeQueue"),
        // The guide means 300000 entries per file; the setting is bytes, 20 per entry.
        mappedFileSizeConsumeQueue: pick("mappedFileSizeConsumeQueue", 300000 * 20),
        diskMaxUsedSpaceRatio: pick("diskMaxUsedSpaceRatio", 88),
        maxMessageSize: pick("maxMessageSize", 65536),
        storePathRootDir: root,
        storePathCommitLog: pick("storePathCommitLog", `${root}/commitlog`),
        storeSubPaths,
        brokerRole: b.role,
        flushDiskType: b.flushDiskType,
        sendMessageThreadPoolNums: pick("sendMessageThreadPoolNums", host.cpus ?? 4),
        dledger: b.dledger !== undefined,
        dLegerGroup: b.dledger?.group,
        dLegerPeers: b.dledger?.peers,
        dLegerSelfId: b.dledger?.selfId,
        auth: cfg.auth.enabled ? { authFile: brokerAuthFile(cfg) } : undefined,
        authKeys: cfg.auth.enabled ? BROKER_AUTH_KEYS : [],
        hasExtra: extra.length > 0,
        extra,
    };
}

/** rocketmq:authEnabled: a broker runs on its properties plus the host's auth secrets, joined at start. */
function brokerAuthPrelude(ctx: RenderContext, inst: InstancePlan): { prelude: string[]; configFile?: string } {
    if (inst.kind !== "broker" || !ctx.cfg.auth.enabled) return { prelude: [] };
    const dir = instanceDir(ctx.cfg, inst.id);
    const runtime = `${dir}/home/broker-runtime.properties`;
    return {
        prelude: [
            "# rocketmq:authEnabled: the secret settings come from the host's auth file, never from the stack's diffs.",
            `(umask 077 && cat ${dir}/broker.properties ${brokerAuthFile(ctx.cfg)} >${runtime})`,
        ],
        configFile: runtime,
    };
}

export function renderBrokerProperties(ctx: RenderContext, b: BrokerPlan): string {
    let text = render("conf/broker.properties.mustache", brokerView(ctx, b));
    // 4.9.x loads logback_broker.xml from rocketmqHome/conf: point it at the instance directory.
    if (logsUnderRocketmqHome(ctx.cfg))
        text += `\n# 4.9.x reads its logging config from rocketmqHome/conf.\nrocketmqHome=${instanceDir(ctx.cfg, b.id)}\n`;
    return text;
}

export function renderNamesrvProperties(ctx: RenderContext, n: NameServerPlan): string {
    return render("conf/namesrv.properties.mustache", {
        id: n.id,
        version: ctx.cfg.version,
        hostName: ctx.hosts[n.hostIndex].name,
        listenPort: NAMESRV_PORT,
        rocketmqHome: logsUnderRocketmqHome(ctx.cfg) ? instanceDir(ctx.cfg, n.id) : rocketmqHome(ctx.cfg),
        kvConfigPath: `${instanceDir(ctx.cfg, n.id)}/home/kvConfig.json`,
    });
}

export function describe(inst: InstancePlan): string {
    if (inst.kind === "namesrv") return "name server";
    if (inst.dledger) return `DLedger node ${inst.dledger.selfId} of ${inst.brokerName}`;
    return inst.brokerId === 0 ? `${inst.brokerName} master (${inst.role})` : `${inst.brokerName} slave`;
}

export function renderLauncher(ctx: RenderContext, inst: InstancePlan): string {
    const { cfg } = ctx;
    const dir = instanceDir(cfg, inst.id);
    const isBroker = inst.kind === "broker";
    const auth = brokerAuthPrelude(ctx, inst);
    return render("conf/launcher.sh.mustache", {
        prelude: auth.prelude,
        id: inst.id,
        rocketmqRoot: rocketmqRoot(cfg),
        rocketmqHome: rocketmqHome(cfg),
        instanceDir: dir,
        jvmOptions: [
            ...jvmOptions({
                role: inst.kind,
                heapMiB: inst.heapMiB,
                logDir: logDir(cfg, inst.id),
                userHome: `${dir}/home`,
                logbackFile: logbackFile(cfg, inst).absPath,
                access: versionFacts(cfg.version).jdkAccess,
            }),
            '-cp "$ROCKETMQ_HOME/conf:$ROCKETMQ_HOME/lib/*"',
        ],
        mainClass: isBroker ? "org.apache.rocketmq.broker.BrokerStartup" : "org.apache.rocketmq.namesrv.NamesrvStartup",
        args: ["-c", auth.configFile ?? `${dir}/${isBroker ? "broker" : "namesrv"}.properties`],
    });
}

export function renderUnit(ctx: RenderContext, id: string, description: string): string {
    const { cfg } = ctx;
    return render("conf/rocketmq.service.mustache", {
        id,
        description,
        serviceUser: cfg.serviceUser,
        instanceDir: instanceDir(cfg, id),
        logDir: logDir(cfg, id),
    });
}

export interface InstanceFile {
    name: string;
    content: string;
    mode: string;
}

export function instanceFiles(ctx: RenderContext, inst: InstancePlan): InstanceFile[] {
    const files: InstanceFile[] =
        inst.kind === "broker"
            ? [{ name: "broker.properties", content: renderBrokerProperties(ctx, inst), mode: "0644" }]
            : [{ name: "namesrv.properties", content: renderNamesrvProperties(ctx, inst), mode: "0644" }];
    files.push(
        { name: logbackFile(ctx.cfg, inst).relPath, content: renderLogback(ctx.cfg, inst), mode: "0644" },
        { name: "run.sh", content: renderLauncher(ctx, inst), mode: "0755" },
        { name: `rocketmq-${inst.id}.service`, content: renderUnit(ctx, inst.id, describe(inst)), mode: "0644" },
    );
    return files;
}

/** The script that writes an instance's files, restarts it alone and waits until it is healthy. */
export function instanceDeployScript(ctx: RenderContext, inst: InstancePlan): string {
    const { cfg } = ctx;
    const host = ctx.hosts[inst.hostIndex];
    const files = instanceFiles(ctx, inst);
    const subDirs = [...new Set(files.filter((f) => f.name.includes("/")).map((f) => f.name.slice(0, f.name.lastIndexOf("/"))))];
    const registration = registrationOf(ctx, inst);
    return render("host/instance-deploy.sh.mustache", {
        id: inst.id,
        description: describe(inst),
        hostName: host.name,
        rocketmqRoot: rocketmqRoot(cfg),
        serviceUser: cfg.serviceUser,
        dataDirs: inst.kind === "broker" ? [inst.storePathRootDir] : [],
        files: files.map((f) => ({ ...f, content: chomp(f.content) })),
        subDirs,
        startTimeoutSeconds: cfg.startTimeoutSeconds,
        port: inst.kind === "broker" ? inst.listenPort : NAMESRV_PORT,
        registration,
    });
}

/** What rmq-wait checks after the port: a broker's name, BID ("*" in a DLedger group) and address. */
function registrationOf(
    ctx: RenderContext,
    inst: InstancePlan,
): { brokerName: string; brokerId: string | number; address: string } | undefined {
    if (inst.kind !== "broker") return undefined;
    return {
        brokerName: inst.brokerName,
        brokerId: inst.dledger ? '"*"' : inst.brokerId,
        address: `${ctx.hosts[inst.hostIndex].clientAddress}:${inst.listenPort}`,
    };
}

/** What recovery waits for: an instance (its registration too, for a broker) or the dashboard. */
export type EnsureTarget = { instance: InstancePlan } | { dashboard: true };

/**
 * probe|ensure script of one instance (InstanceRunning): probe reports whether it runs (and will
 * start at boot); ensure starts it when it does not and waits for it like its deploy does.
 */
export function instanceEnsureScript(ctx: RenderContext, target: EnsureTarget): string {
    const { cfg } = ctx;
    const inst = "instance" in target ? target.instance : undefined;
    const hostIndex = inst ? inst.hostIndex : (ctx.plan.dashboardHostIndex ?? 0);
    return render("host/instance-ensure.sh.mustache", {
        id: inst ? inst.id : "dashboard",
        hostName: ctx.hosts[hostIndex].name,
        rocketmqRoot: rocketmqRoot(cfg),
        startTimeoutSeconds: cfg.startTimeoutSeconds,
        port: inst ? (inst.kind === "broker" ? inst.listenPort : NAMESRV_PORT) : cfg.dashboard.port,
        registration: inst ? registrationOf(ctx, inst) : undefined,
    });
}

/** Stops and removes one instance; with purge its store goes too. Runs on delete/replace. */
export function instanceRemoveCommand(cfg: ClusterConfig, inst: InstancePlan, purge: boolean): string {
    const purgeArgs = purge && inst.kind === "broker" ? ` --purge ${shellQuote(inst.storePathRootDir)}` : "";
    return `${rocketmqRoot(cfg)}/bin/rmq-service remove ${inst.id}${purgeArgs}`;
}

/** `dataDevice`: the data volume found on the host (aws), else rocketmq:dataDevice. */
export function osTuningScript(ctx: RenderContext, hostIndex: number, dataDevice?: string): string {
    const { cfg } = ctx;
    return render("host/os-tuning.sh.mustache", {
        hostName: ctx.hosts[hostIndex].name,
        serviceUser: cfg.serviceUser,
        authorizedKeys: cfg.serviceUserAuthorizedKeys,
        appRoot: cfg.appRoot,
        rocketmqRoot: rocketmqRoot(cfg),
        storeRoot: cfg.storeRoot,
        sysctlConf: chomp(
            render("conf/sysctl.conf.mustache", { entries: Object.entries(cfg.sysctl).map(([key, value]) => ({ key, value })) }),
        ),
        limitsConf: chomp(render("conf/limits.conf.mustache", { serviceUser: cfg.serviceUser })),
        dataDevice: dataDevice || cfg.dataDevice,
        ioScheduler: cfg.ioScheduler,
        hostsBlock: chomp(render("conf/hosts.mustache", { hosts: ctx.hosts.map((h) => ({ name: h.name, address: h.privateAddress })) })),
    });
}

export function osUntuneScript(): string {
    return render("host/os-untune.sh.mustache", {});
}

export const UPLOAD_DIR = "/tmp";

export function uploadPath(file: string): string {
    return `${UPLOAD_DIR}/${file.split("/").pop()}`;
}

/** Tools every host gets; the smoke client is our own single-file Java program. */
export function hostTools(ctx: RenderContext): InstanceFile[] {
    const { cfg, plan } = ctx;
    const view = {
        rocketmqRoot: rocketmqRoot(cfg),
        serviceUser: cfg.serviceUser,
        namesrvAddr: plan.namesrvAddr,
        clusterName: cfg.clusterName,
        smokeTopic: SMOKE_TOPIC,
        smokeGroup: SMOKE_GROUP,
    };
    const tools = [
        "rmq-service",
        "rmq-supervise",
        "rmq-wait",
        "rmq-roll",
        "rmq-cluster-check",
        "rmq-smoke",
        "mqadmin",
        "rmq-topic",
        "rmq-group",
        "rmq-auth",
    ].map((name) => ({
        name,
        content: render(`host/bin/${name}.mustache`, view),
        mode: "0755",
    }));
    tools.push({ name: "RmqSmoke.java", content: readJavaTool("RmqSmoke.java"), mode: "0644" });
    tools.push({ name: "RmqAuth.java", content: readJavaTool("RmqAuth.java"), mode: "0644" });
    return tools;
}

export function installScript(ctx: RenderContext, hostIndex: number): string {
    const { cfg } = ctx;
    const d = cfg.distribution;
    return render("host/install.sh.mustache", {
        hostName: ctx.hosts[hostIndex].name,
        version: cfg.version,
        rollSources: rollSources(cfg.version),
        appRoot: cfg.appRoot,
        rocketmqRoot: rocketmqRoot(cfg),
        distName: distName(cfg),
        sha512: d.sha512 ?? '""',
        download: d.source === "download" ? { url: d.url } : undefined,
        upload: d.source === "upload" ? { uploadPath: uploadPath(d.localArchive as string) } : undefined,
        javaUpload: cfg.javaArchive ? uploadPath(cfg.javaArchive) : undefined,
        tools: hostTools(ctx).map((t) => ({ ...t, content: chomp(t.content) })),
    });
}

export function uninstallScript(ctx: RenderContext, hostIndex: number, purge: boolean): string {
    return render("host/uninstall.sh.mustache", {
        hostName: ctx.hosts[hostIndex].name,
        rocketmqRoot: rocketmqRoot(ctx.cfg),
        storeRoot: ctx.cfg.storeRoot,
        purge,
    });
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
