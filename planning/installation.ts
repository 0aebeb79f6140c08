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

export const UPLOAD_DIR = "/tmp";

export function uploadPath(file: string): string {
    return `${UPLOAD_DIR}/${file.split("/").pop()}`;
}
