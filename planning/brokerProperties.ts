// broker.properties of one broker: the guide's values (corrected where the guide is wrong), the
// cluster's and the host's addresses, the version's quirks, and the user's overrides last.
import { BROKER_AUTH_KEYS, brokerAuthFile } from "./auth";
import { instanceDir, logsUnderRocketmqHome } from "./installation";
import type { BrokerCluster, InstanceSpec } from "./instanceFiles";
import { describe } from "./instances";
import { render } from "./templates";
import type { BrokerPlan } from "./topology";

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

function brokerOf(spec: InstanceSpec): { b: BrokerPlan; cluster: BrokerCluster } {
    if (spec.instance.kind !== "broker" || spec.cluster === undefined)
        throw new Error(`${spec.instance.id} is not a broker with a cluster`);
    return { b: spec.instance, cluster: spec.cluster };
}

/** The broker's properties as a view for the template: the guide's values, corrected, plus overrides. */
export function brokerView(spec: InstanceSpec): Record<string, unknown> {
    const { b, cluster } = brokerOf(spec);
    const { installation: inst, host } = spec;
    const root = b.storePathRootDir;
    const ov = b.overrides;
    const pick = (key: string, def: string | number | boolean): string => ov[key] ?? String(def);
    const extra = Object.entries(ov)
        .filter(([k]) => !TEMPLATED.includes(k))
        .map(([key, value]) => ({ key, value }));
    return {
        id: b.id,
        description: describe(b),
        version: inst.version,
        brokerClusterName: pick("brokerClusterName", cluster.clusterName),
        brokerName: b.brokerName,
        brokerId: b.brokerId,
        namesrvAddr: pick("namesrvAddr", cluster.namesrvAddr),
        brokerIP1: pick("brokerIP1", host.clientAddress),
        brokerIP2: pick("brokerIP2", host.privateAddress),
        listenPort: b.listenPort,
        defaultTopicQueueNums: pick("defaultTopicQueueNums", 4),
        autoCreateTopicEnable: pick("autoCreateTopicEnable", cluster.autoCreateTopicEnable),
        autoCreateSubscriptionGroup: pick("autoCreateSubscriptionGroup", cluster.autoCreateSubscriptionGroup),
        deleteWhen: pick("deleteWhen", "04"),
        fileReservedTime: pick("fileReservedTime", 120),
        mappedFileSizeCommitLog: pick("mappedFileSizeCommitLog", 1073741824),
        // The guide means 300000 entries per file; the setting is bytes, 20 per entry.
        mappedFileSizeConsumeQueue: pick("mappedFileSizeConsumeQueue", 300000 * 20),
        diskMaxUsedSpaceRatio: pick("diskMaxUsedSpaceRatio", 88),
        // Upstream's default, 4 MiB (the guide's 65536 rejects every message or batch over 64 KiB).
        maxMessageSize: pick("maxMessageSize", 4194304),
        storePathRootDir: root,
        storePathCommitLog: pick("storePathCommitLog", `${root}/commitlog`),
        brokerRole: b.role,
        flushDiskType: b.flushDiskType,
        sendMessageThreadPoolNums: pick("sendMessageThreadPoolNums", host.cpus ?? 4),
        dledger: b.dledger !== undefined,
        dLegerGroup: b.dledger?.group,
        dLegerPeers: b.dledger?.peers,
        dLegerSelfId: b.dledger?.selfId,
        auth: inst.auth.enabled ? { authFile: brokerAuthFile(inst) } : undefined,
        authKeys: inst.auth.enabled ? BROKER_AUTH_KEYS : [],
        hasExtra: extra.length > 0,
        extra,
    };
}

export function renderBrokerProperties(spec: InstanceSpec): string {
    let text = render("conf/broker.properties.mustache", brokerView(spec));
    // 4.9.x loads logback_broker.xml from rocketmqHome/conf: point it at the instance directory.
    if (logsUnderRocketmqHome(spec.installation))
        text += `\n# 4.9.x reads its logging config from rocketmqHome/conf.\nrocketmqHome=${instanceDir(spec.installation, spec.instance.id)}\n`;
    return text;
}
