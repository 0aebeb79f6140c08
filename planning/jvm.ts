// JVM options per role. Rendered into each instance's launcher instead of editing upstream's
// runserver.sh/runbroker.sh, so the same options work for 4.9.x and 5.x on JDK 11+. What differs
// per version (the JDK 17 module access flags) comes from config/versions.ts, never from here.
import { formatSizeMiB } from "../config/sizes";
export { JAVA_LANG_OPENS, JDK17_ACCESS } from "../config/versions";

/** The guide's G1 settings (section 9.1), kept from runbroker.sh. */
export const G1 = [
    "-XX:+UseG1GC",
    "-XX:G1HeapRegionSize=16m",
    "-XX:G1ReservePercent=25",
    "-XX:InitiatingHeapOccupancyPercent=30",
    "-XX:SoftRefLRUPolicyMSPerMB=0",
];

export interface JvmInput {
    role: "namesrv" | "broker" | "dashboard";
    heapMiB: number;
    logDir: string;
    /** Where RocketMQ writes its own files (~/logs, ~/store defaults): the instance directory. */
    userHome: string;
    logbackFile?: string;
    /** The version's JDK 17 access flags (versionFacts(v).jdkAccess); [] for the dashboard. */
    access: readonly string[];
}

export function jvmOptions(j: JvmInput): string[] {
    const heap = formatSizeMiB(j.heapMiB);
    const opts = ["-server", `-Xms${heap}`, `-Xmx${heap}`];
    if (j.role === "namesrv") opts.push("-XX:MetaspaceSize=128m", "-XX:MaxMetaspaceSize=320m");
    opts.push(...G1);
    // Unified GC logging: the JDK 9+ form of the guide's -Xloggc with 5 files of 30 MB.
    opts.push(`-Xlog:gc*:file=${j.logDir}/gc.log:time,uptime,level,tags:filecount=5,filesize=30M`);
    opts.push("-XX:-OmitStackTraceInFastThrow", "-XX:+HeapDumpOnOutOfMemoryError", `-XX:HeapDumpPath=${j.logDir}`);
    if (j.role === "broker") opts.push(`-XX:MaxDirectMemorySize=${heap}`, "-XX:-UseLargePages");
    opts.push(...j.access);
    opts.push(`-Duser.home=${j.userHome}`);
    // 5.x reads this property; 4.9.x ignores it and loads $rocketmqHome/conf/logback_<role>.xml.
    if (j.logbackFile) opts.push(`-Drmq.logback.configurationFile=${j.logbackFile}`);
    return opts;
}
