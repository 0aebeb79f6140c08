// Per-host scripts: OS preparation (user, directories, kernel and limits settings, /etc/hosts, the
// data disk), the RocketMQ install with the host tools, and the uninstall. Pure functions.
import { refusedHow } from "../config/keys";
import { DistributionSettings } from "../config/schema";
import { rollSources } from "../config/versionChange";
import { Installation, distName, rocketmqRoot, uploadPath } from "./installation";
import { InstanceFile } from "./instanceFiles";
import { chomp, quotable, readJavaTool, render } from "./templates";

export const SMOKE_TOPIC = "RMQ_PULUMI_SMOKE";
export const SMOKE_GROUP = "RMQ_PULUMI_SMOKE_GROUP";

/** What OsTuning prepares on a host. `ClusterConfig` is one (same field names). */
export interface OsSettings {
    serviceUser: string;
    /** Public keys allowed to log in as the service user (none by default: root or sudo only). */
    serviceUserAuthorizedKeys: string[];
    appRoot: string;
    storeRoot: string;
    /** sysctl.d entries. */
    sysctl: Record<string, string>;
    /** IO scheduler of the data disk. */
    ioScheduler: string;
    /** Block device mounted at storeRoot, if any. */
    dataDevice?: string;
}

/** An /etc/hosts line: the cluster's names resolve to the cluster network. */
export interface HostsEntry {
    name: string;
    address: string;
}

/** `dataDevice`: the data volume found on the host (aws), else the settings' dataDevice. */
export function osTuningScript(os: OsSettings, hostName: string, hostsEntries: HostsEntry[], dataDevice?: string): string {
    return render("host/os-tuning.sh.mustache", {
        hostName,
        serviceUser: os.serviceUser,
        serviceUserRefused: quotable(refusedHow("serviceUser")),
        authorizedKeys: os.serviceUserAuthorizedKeys,
        appRoot: os.appRoot,
        rocketmqRoot: rocketmqRoot(os),
        storeRoot: os.storeRoot,
        sysctlConf: chomp(
            render("conf/sysctl.conf.mustache", { entries: Object.entries(os.sysctl).map(([key, value]) => ({ key, value })) }),
        ),
        limitsConf: chomp(render("conf/limits.conf.mustache", { serviceUser: os.serviceUser })),
        dataDevice: dataDevice || os.dataDevice,
        ioScheduler: os.ioScheduler,
        hostsBlock: chomp(render("conf/hosts.mustache", { hosts: hostsEntries })),
    });
}

export function osUntuneScript(): string {
    return render("host/os-untune.sh.mustache", {});
}

/** What the host tools are preset with: the cluster they talk to. */
export interface ToolSettings {
    /** `host:port;host:port`, as mqadmin's -n takes it. */
    namesrvAddr: string;
    clusterName: string;
}

/** Tools every host gets; the smoke client is our own single-file Java program. */
export function hostTools(inst: Pick<Installation, "appRoot" | "serviceUser">, t: ToolSettings): InstanceFile[] {
    const view = {
        rocketmqRoot: rocketmqRoot(inst),
        serviceUser: inst.serviceUser,
        namesrvAddr: t.namesrvAddr,
        clusterName: t.clusterName,
        smokeTopic: SMOKE_TOPIC,
        smokeGroup: SMOKE_GROUP,
    };
    const tools = [
        "rmq-claim",
        "rmq-service",
        "rmq-supervise",
        "rmq-wait",
        "rmq-roll",
        "rmq-cluster-check",
        "rmq-smoke",
        "rmq-probe",
        "mqadmin",
        "rmq-topic",
        "rmq-group",
        "rmq-auth",
        "rmq-user-dir",
    ].map((name) => ({
        name,
        content: render(`host/bin/${name}.mustache`, view),
        mode: "0755",
    }));
    // Sourced by rmq-wait and rmq-roll, not run.
    tools.push({ name: "rmq-watch.sh", content: render("host/bin/rmq-watch.sh.mustache", view), mode: "0644" });
    tools.push({ name: "RmqSmoke.java", content: readJavaTool("RmqSmoke.java"), mode: "0644" });
    tools.push({ name: "RmqAuth.java", content: readJavaTool("RmqAuth.java"), mode: "0644" });
    return tools;
}

/** Where the release comes from. `ClusterConfig` is one (same field names). */
export interface ReleaseSource {
    distribution: DistributionSettings;
    /** A JDK archive (.tar.gz) uploaded when the host has no Java >= 11. */
    javaArchive?: string;
    /** Its sha512, checked on root's copy before it is unpacked (required with javaArchive). */
    javaSha512?: string;
}

export function installScript(inst: Installation, source: ReleaseSource, hostName: string, tools: ToolSettings): string {
    const d = source.distribution;
    // Validation refuses these first (naming the key); a host never unpacks what it did not verify.
    if (!d.sha512) throw new Error(`installScript: no sha512 for the RocketMQ release (${d.source}): every host verifies what it unpacks`);
    if (source.javaArchive && !source.javaSha512) throw new Error("installScript: javaArchive without javaSha512");
    return render("host/install.sh.mustache", {
        hostName,
        version: inst.version,
        rollSources: rollSources(inst.version),
        appRoot: inst.appRoot,
        rocketmqRoot: rocketmqRoot(inst),
        distName: distName(inst),
        sha512: d.sha512,
        download: d.source === "download" ? { url: d.url } : undefined,
        upload: d.source === "upload" ? { uploadPath: uploadPath(d.localArchive as string) } : undefined,
        javaUpload: source.javaArchive ? uploadPath(source.javaArchive) : undefined,
        javaSha512: source.javaSha512,
        tools: hostTools(inst, tools).map((t) => ({ ...t, content: chomp(t.content) })),
    });
}

export function uninstallScript(layout: { appRoot: string; storeRoot: string }, hostName: string, purge: boolean): string {
    return render("host/uninstall.sh.mustache", {
        hostName,
        rocketmqRoot: rocketmqRoot(layout),
        storeRoot: layout.storeRoot,
        purge,
    });
}
