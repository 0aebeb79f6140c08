// The files of one RocketMQ process: its properties, logging config, launcher and systemd unit,
// rendered from an InstanceSpec alone (the installation, the host, the planned instance and, for a
// broker, the cluster it joins). Pure: same spec, same text, so a rerun changes nothing.
import { versionFacts } from "../config/versions";
import { brokerAuthFile } from "./auth";
import { renderBrokerProperties } from "./brokerProperties";
import { Installation, instanceDir, logDir, logbackFile, logsUnderRocketmqHome, rocketmqHome, rocketmqRoot } from "./installation";
import { describe } from "./instances";
import { jvmOptions } from "./jvm";
import { render } from "./templates";
import { InstancePlan, NAMESRV_PORT } from "./topology";

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

/** The cluster a broker joins: settings every broker of it shares. */
export interface BrokerCluster {
    /** brokerClusterName. */
    clusterName: string;
    /** Name servers as the broker dials them, `host:port;host:port`. */
    namesrvAddr: string;
    autoCreateTopicEnable: boolean;
    autoCreateSubscriptionGroup: boolean;
}

/** Everything one instance's files depend on. */
export interface InstanceSpec {
    installation: Installation;
    host: ResolvedHost;
    instance: InstancePlan;
    /** Brokers only. */
    cluster?: BrokerCluster;
}

/** rocketmq:authEnabled: a broker runs on its properties plus the host's auth secrets, joined at start. */
function brokerAuthPrelude(spec: InstanceSpec): { prelude: string[]; configFile?: string } {
    const { installation: inst, instance } = spec;
    if (instance.kind !== "broker" || !inst.auth.enabled) return { prelude: [] };
    const dir = instanceDir(inst, instance.id);
    const runtime = `${dir}/home/broker-runtime.properties`;
    return {
        prelude: [
            "# rocketmq:authEnabled: the secret settings come from the host's auth file, never from the stack's diffs.",
            `(umask 077 && cat ${dir}/broker.properties ${brokerAuthFile(inst)} >${runtime})`,
        ],
        configFile: runtime,
    };
}

export function renderNamesrvProperties(spec: InstanceSpec): string {
    const { installation: inst, instance: n } = spec;
    return render("conf/namesrv.properties.mustache", {
        id: n.id,
        version: inst.version,
        hostName: spec.host.name,
        listenPort: NAMESRV_PORT,
        rocketmqHome: logsUnderRocketmqHome(inst) ? instanceDir(inst, n.id) : rocketmqHome(inst),
        kvConfigPath: `${instanceDir(inst, n.id)}/home/kvConfig.json`,
    });
}

export function renderLogback(inst: Pick<Installation, "appRoot">, instance: InstancePlan): string {
    return render("conf/logback.xml.mustache", {
        logDir: logDir(inst, instance.id),
        id: instance.id,
        role: instance.kind === "namesrv" ? "namesrv" : "broker",
    });
}

export { describe };

export function renderLauncher(spec: InstanceSpec): string {
    const { installation: inst, instance } = spec;
    const dir = instanceDir(inst, instance.id);
    const isBroker = instance.kind === "broker";
    const auth = brokerAuthPrelude(spec);
    return render("conf/launcher.sh.mustache", {
        prelude: auth.prelude,
        id: instance.id,
        rocketmqRoot: rocketmqRoot(inst),
        rocketmqHome: rocketmqHome(inst),
        instanceDir: dir,
        logDir: logDir(inst, instance.id),
        jvmOptions: [
            ...jvmOptions({
                role: instance.kind,
                heapMiB: instance.heapMiB,
                logDir: logDir(inst, instance.id),
                userHome: `${dir}/home`,
                logbackFile: logbackFile(inst, instance).absPath,
                access: versionFacts(inst.version).jdkAccess,
            }),
            '-cp "$ROCKETMQ_HOME/conf:$ROCKETMQ_HOME/lib/*"',
        ],
        mainClass: isBroker ? "org.apache.rocketmq.broker.BrokerStartup" : "org.apache.rocketmq.namesrv.NamesrvStartup",
        args: ["-c", auth.configFile ?? `${dir}/${isBroker ? "broker" : "namesrv"}.properties`],
    });
}

export function renderUnit(inst: Pick<Installation, "appRoot" | "serviceUser">, id: string, description: string): string {
    return render("conf/rocketmq.service.mustache", {
        id,
        description,
        serviceUser: inst.serviceUser,
        instanceDir: instanceDir(inst, id),
        logDir: logDir(inst, id),
    });
}

export interface InstanceFile {
    name: string;
    content: string;
    mode: string;
}

export function instanceFiles(spec: InstanceSpec): InstanceFile[] {
    const { installation: inst, instance } = spec;
    const files: InstanceFile[] =
        instance.kind === "broker"
            ? [{ name: "broker.properties", content: renderBrokerProperties(spec), mode: "0644" }]
            : [{ name: "namesrv.properties", content: renderNamesrvProperties(spec), mode: "0644" }];
    files.push(
        { name: logbackFile(inst, instance).relPath, content: renderLogback(inst, instance), mode: "0644" },
        { name: "run.sh", content: renderLauncher(spec), mode: "0755" },
        { name: `rocketmq-${instance.id}.service`, content: renderUnit(inst, instance.id, describe(instance)), mode: "0644" },
    );
    return files;
}
