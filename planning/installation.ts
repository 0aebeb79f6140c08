// Where things live on a host, from the few settings an installation has. Every instance, tool and
// script of one host derives its paths from here, so a component needs only an Installation.
import { RocketMqVersion, versionFacts } from "../config/versions";
import { InstancePlan } from "./topology";

/**
 * What every RocketMQ process and tool on a host shares: the release and the layout it lives in.
 * `ClusterConfig` is one (same field names), so the stack passes its config as it is.
 */
export interface Installation {
    /** RocketMQ release, a key of config/versions.ts. */
    version: RocketMqVersion;
    /** Root of everything RocketMQ on the host (the guide's /app); RocketMQ lives in APP/rocketmq. */
    appRoot: string;
    /** Unprivileged user the processes run as. */
    serviceUser: string;
    /** Seconds a start may take before a deploy or restart fails and prints the instance log. */
    startTimeoutSeconds: number;
    /** ACL 2.0 on the brokers (their launchers join the host's secret file; the tools sign in). */
    auth: { enabled: boolean };
}

export function rocketmqRoot(i: Pick<Installation, "appRoot">): string {
    return `${i.appRoot}/rocketmq`;
}

export function distName(i: Pick<Installation, "version">): string {
    return versionFacts(i.version).distName;
}

export function instanceDir(i: Pick<Installation, "appRoot">, id: string): string {
    return `${rocketmqRoot(i)}/instances/${id}`;
}

export function logDir(i: Pick<Installation, "appRoot">, id: string): string {
    return `${rocketmqRoot(i)}/logs/${id}`;
}

/** The release an instance runs: named in its launcher, never through the `current` link. */
export function rocketmqHome(i: Pick<Installation, "appRoot" | "version">): string {
    return `${rocketmqRoot(i)}/versions/${distName(i)}`;
}

/** 4.9.x: logging config in $rocketmqHome/conf, so rocketmqHome is the instance directory. */
export function logsUnderRocketmqHome(i: Pick<Installation, "version">): boolean {
    return versionFacts(i.version).logging === "rocketmqHome-conf";
}

/** Where each version looks for its logging config: 4.9.x loads $rocketmqHome/conf/logback_*.xml. */
export function logbackFile(i: Pick<Installation, "appRoot" | "version">, inst: InstancePlan): { relPath: string; absPath: string } {
    const role = inst.kind === "namesrv" ? "namesrv" : "broker";
    const relPath = logsUnderRocketmqHome(i) ? `conf/logback_${role}.xml` : `rmq.${role}.logback.xml`;
    return { relPath, absPath: `${instanceDir(i, inst.id)}/${relPath}` };
}

/**
 * Where uploads (localArchive, javaArchive, dashboardLocalJar) land: a directory only root and the
 * deploying account can write (OsTuning makes it), never /tmp, where any local user could put a
 * file or a symbolic link first. Root copies each upload out of it and checks its sha512 on the copy.
 */
export const UPLOAD_DIR = "/var/lib/rocketmq-pulumi/uploads";

/** user.home of the JVM tools root runs (mqadmin, rmq-smoke, rmq-auth): root's own, 0700. */
export function rootToolsHome(i: Pick<Installation, "appRoot">): string {
    return `${rocketmqRoot(i)}/tools-home`;
}

/**
 * What root reads or runs under the install root: these stay root's and writable by root alone,
 * so no directory of the service user (stores, logs, run) may be one of them or lie inside one.
 */
export function rootOnlyPaths(i: Pick<Installation, "appRoot">): string[] {
    const r = rocketmqRoot(i);
    return ["bin", "versions", "current", "java.env", "instances", "downloads", "auth", "tools-home", "supervise"]
        .map((p) => `${r}/${p}`)
        .concat(`${i.appRoot}/jdk`);
}

/** The store directories brokers make under storeRoot by default (BrokerPair, DLedgerGroup, the stack). */
export const STORE_DIRS = ["store", "storeSlave"];

/**
 * Why storeRoot cannot hold the service user's stores without handing it something root runs, or
 * undefined when it can. The stores (storeRoot/store, storeRoot/storeSlave) become the service
 * user's: none may be or hold appRoot, nor lie in a directory root runs from (rootOnlyPaths).
 */
export function storeRootProblem(i: Pick<Installation, "appRoot">, storeRoot: string): string | undefined {
    const inside = (d: string, parent: string) => d === parent || d.startsWith(`${parent === "/" ? "" : parent}/`);
    const clash = rootOnlyPaths(i).find((p) => inside(storeRoot, p));
    if (clash !== undefined)
        return `not ${clash} or inside it: root runs what is there, and the brokers' stores under storeRoot belong to the service user`;
    const holder = STORE_DIRS.map((s) => `${storeRoot}/${s}`).find((s) => inside(i.appRoot, s));
    if (holder !== undefined)
        return `a directory whose store directories (${STORE_DIRS.join(", ")}) do not hold appRoot ${i.appRoot}: ${holder} belongs to the service user, and root runs programs from appRoot`;
    return undefined;
}

export function uploadPath(file: string): string {
    return `${UPLOAD_DIR}/${file.split("/").pop()}`;
}
