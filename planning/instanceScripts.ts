// Host scripts of one RocketMQ process: deploy (write its files, start it alone, wait until it is
// healthy), ensure (recovery: probe, and start it again if it is down) and remove.
import { BROKER_NAME_REFUSED, INSTANCE_CLASH_REFUSED, STORE_PATH_REFUSED, refusedHow } from "../config/keys";
import { versionMove } from "../config/versionChange";
import { RocketMqVersion, VERSIONS, versionFacts } from "../config/versions";
import { STORE_PATH_KEYS } from "../config/validate/brokerProperties";
import { HostClaim } from "./claims";
import { Installation, instanceDir, rocketmqRoot } from "./installation";
import { InstanceSpec, describe, instanceFiles } from "./instanceFiles";
import { chomp, oneLine, quotable, render, shellQuote } from "./templates";
import { storePathDefault, storePaths } from "./storePaths";
import { BrokerPlan, InstancePlan, NAMESRV_PORT } from "./topology";

/** The TCP port that answers once the instance is up. */
export function servicePort(inst: InstancePlan): number {
    return inst.kind === "broker" ? inst.listenPort : NAMESRV_PORT;
}

/** What rmq-wait checks after the port: a broker's name, BID ("*" in a DLedger group) and address. */
export function registrationOf(spec: InstanceSpec): { brokerName: string; brokerId: string | number; address: string } | undefined {
    const inst = spec.instance;
    if (inst.kind !== "broker") return undefined;
    return {
        brokerName: inst.brokerName,
        brokerId: inst.dledger ? '"*"' : inst.brokerId,
        address: `${spec.host.clientAddress}:${inst.listenPort}`,
    };
}

/** "KEY SUFFIX PATH" per store path: where the broker will store, and where RocketMQ puts it by default. */
function storeGuard(b: BrokerPlan, cluster: InstanceSpec["cluster"]) {
    const paths = storePaths(b);
    return {
        paths: STORE_PATH_KEYS.map((k) => `${k} ${storePathDefault(k) || "-"} ${paths[k]}`).join("\n"),
        refused: STORE_PATH_REFUSED,
        names: [
            {
                key: "brokerClusterName",
                value: b.overrides.brokerClusterName ?? cluster?.clusterName,
                why: oneLine(refusedHow("clusterName")),
            },
            { key: "brokerName", value: b.brokerName, why: BROKER_NAME_REFUSED },
        ],
    };
}

/**
 * What an instance's deploy compares with the live one before anything is written: where it runs
 * from (appRoot), who runs it (serviceUser) and its release's store format family (version). The
 * stack refuses these at preview; a program of components reaches the host with them.
 */
function fixedGuard(inst: Pick<Installation, "appRoot" | "serviceUser" | "version">, id: string) {
    const to = inst.version;
    return {
        instanceDir: instanceDir(inst, id),
        appRoot: inst.appRoot,
        serviceUser: inst.serviceUser,
        version: to,
        appRootRefused: quotable(refusedHow("appRoot")),
        serviceUserRefused: quotable(refusedHow("serviceUser")),
        // Each release a running instance may be on, and why it cannot move to this one (none: it can).
        versions: (Object.keys(VERSIONS) as RocketMqVersion[]).map((from) => ({
            dist: versionFacts(from).distName,
            from,
            why: quotable(versionMove(from, to).why),
        })),
    };
}

/** The ports an instance binds (a broker: listenPort-2, listenPort, listenPort+1 for HA). */
function boundPorts(inst: InstancePlan): number[] {
    return inst.kind === "broker" ? [inst.listenPort - 2, inst.listenPort, inst.listenPort + 1] : [NAMESRV_PORT];
}

/** What the deploy checks against the host's other instances: ports, and a broker's store paths. */
function clashGuard(inst: InstancePlan): { ports: string; store?: { keys: string; paths: string }; refused: string } {
    return {
        ports: boundPorts(inst).join(" "),
        store:
            inst.kind === "broker"
                ? {
                      keys: STORE_PATH_KEYS.map((k) => `${k} ${storePathDefault(k) || "-"}`).join("\n"),
                      paths: Object.values(storePaths(inst)).join("\n"),
                  }
                : undefined,
        refused: quotable(INSTANCE_CLASH_REFUSED),
    };
}

/** The script that writes an instance's files, restarts it alone and waits until it is healthy. */
export function instanceDeployScript(spec: InstanceSpec): string {
    const { installation: inst, instance } = spec;
    const files = instanceFiles(spec);
    const subDirs = [...new Set(files.filter((f) => f.name.includes("/")).map((f) => f.name.slice(0, f.name.lastIndexOf("/"))))];
    return render("host/instance-deploy.sh.mustache", {
        id: instance.id,
        description: describe(instance),
        hostName: spec.host.name,
        rocketmqRoot: rocketmqRoot(inst),
        serviceUser: inst.serviceUser,
        dataDirs: instance.kind === "broker" ? [instance.storePathRootDir] : [],
        storeGuard: instance.kind === "broker" ? storeGuard(instance, spec.cluster) : undefined,
        clashGuard: clashGuard(instance),
        fixedGuard: fixedGuard(inst, instance.id),
        files: files.map((f) => ({ ...f, content: chomp(f.content) })),
        subDirs,
        startTimeoutSeconds: inst.startTimeoutSeconds,
        port: servicePort(instance),
        registration: registrationOf(spec),
    });
}

/** What recovery waits for: an instance (its registration too, for a broker) or the dashboard. */
export type EnsureTarget = { spec: InstanceSpec } | { dashboard: { hostName: string; port: number } };

/**
 * probe|ensure script of one instance (InstanceRunning): probe reports whether it runs (and will
 * start at boot); ensure starts it when it does not and waits for it like its deploy does.
 */
export function instanceEnsureScript(inst: Pick<Installation, "appRoot" | "startTimeoutSeconds">, target: EnsureTarget): string {
    const spec = "spec" in target ? target.spec : undefined;
    return render("host/instance-ensure.sh.mustache", {
        id: spec ? spec.instance.id : "dashboard",
        hostName: spec ? spec.host.name : (target as { dashboard: { hostName: string } }).dashboard.hostName,
        rocketmqRoot: rocketmqRoot(inst),
        startTimeoutSeconds: inst.startTimeoutSeconds,
        port: spec ? servicePort(spec.instance) : (target as { dashboard: { port: number } }).dashboard.port,
        registration: spec ? registrationOf(spec) : undefined,
    });
}

/** Stops and removes one instance; with purge its store goes too. Runs on delete/replace. */
export function instanceRemoveCommand(inst: Pick<Installation, "appRoot">, instance: InstancePlan, purge: boolean): string {
    const purgeArgs = purge && instance.kind === "broker" ? ` --purge ${shellQuote(instance.storePathRootDir)}` : "";
    return `${rocketmqRoot(inst)}/bin/rmq-service remove ${instance.id}${purgeArgs}`;
}

/**
 * What an instance's deploy command claims: rmq-service remove drops the claim, so a delete
 * recorded before claims existed (the same command) respects them too.
 */
export function instanceClaim(inst: Pick<Installation, "appRoot">, instance: InstancePlan): HostClaim {
    return { key: `instance-${instance.id}`, serviceRemove: { deployed: `${rocketmqRoot(inst)}/instances/${instance.id}` } };
}
