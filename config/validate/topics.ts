// rocketmq:topics and rocketmq:consumerGroups: the topics and consumer groups the stack owns.
// Names reach mqadmin command lines on a host, so they are held to RocketMQ's own character set
// minus `%` and `|` (RocketMQ uses `%` for its retry/DLQ topics): letters, digits, _ and -.
import { ConsumerGroupSpec, RocketMqVersion, TOPIC_MESSAGE_TYPES, TopicMessageType, TopicSpec } from "../schema";
import { versionFacts } from "../versions";
import { Reader, checkUnique } from "./reader";

/** RocketMQ's topic limit is 127 characters (TopicValidator), a group's 255 (the client's Validators). */
export const TOPIC_NAME = /^[A-Za-z0-9_-]{1,127}$/;
export const GROUP_NAME = /^[A-Za-z0-9_-]{1,255}$/;

/** Topics RocketMQ creates and uses itself (TopicValidator's system topics, 4.9.7 and 5.x). */
const SYSTEM_TOPICS = [
    "TBW102",
    "SCHEDULE_TOPIC_XXXX",
    "BenchmarkTest",
    "RMQ_SYS_TRANS_HALF_TOPIC",
    "RMQ_SYS_TRACE_TOPIC",
    "RMQ_SYS_TRANS_OP_HALF_TOPIC",
    "TRANS_CHECK_MAX_TIME_TOPIC",
    "SELF_TEST_TOPIC",
    "OFFSET_MOVED_EVENT",
    "CHECKPOINT_TOPIC",
];
/** Groups RocketMQ creates and uses itself (MixAll). */
const SYSTEM_GROUPS = [
    "DEFAULT_PRODUCER",
    "DEFAULT_CONSUMER",
    "TOOLS_CONSUMER",
    "SCHEDULE_CONSUMER",
    "FILTERSRV_CONSUMER",
    "__MONITOR_CONSUMER",
    "CLIENT_INNER_PRODUCER",
    "SELF_TEST_P_GROUP",
    "SELF_TEST_C_GROUP",
    "CID_ONS-HTTP-PROXY",
    "CID_ONSAPI_PERMISSION",
    "CID_ONSAPI_OWNER",
    "CID_ONSAPI_PULL",
];

export const TOPIC_FIELDS = ["name", "queues", "readQueues", "writeQueues", "perm", "messageType"] as const;
export const GROUP_FIELDS = ["name", "retryMaxTimes", "broadcast", "orderly"] as const;
const TOPIC_SHAPE = "{name, queues? (8), readQueues?, writeQueues?, perm? (rw|r|w), messageType? (5.x)}";
const GROUP_SHAPE = "{name, retryMaxTimes? (16), broadcast? (false), orderly? (false, 5.x)}";
const PERMS = { rw: 6, r: 4, w: 2 } as const;
export const MAX_QUEUES = 1024;

/** Names a topic may not take: RocketMQ's own, and those the brokers register for themselves. */
function reservedTopic(name: string, clusterName: string, brokerNames: string[]): string | undefined {
    if (SYSTEM_TOPICS.includes(name) || /^rmq_sys_/i.test(name)) return "a RocketMQ system topic";
    if (name === clusterName) return "the cluster's own topic (rocketmq:clusterName)";
    if (brokerNames.includes(name)) return "a broker's own topic (its brokerName)";
    return undefined;
}

function list(r: Reader, key: string, shape: string): Record<string, unknown>[] {
    const v = r.json(key) ?? [];
    if (!Array.isArray(v)) {
        r.c.add(key, v, `a list of ${shape}`);
        return [];
    }
    const out: Record<string, unknown>[] = [];
    v.forEach((item: unknown, i: number) => {
        if (typeof item !== "object" || item === null || Array.isArray(item)) r.c.add(`${key}[${i}]`, item, `an object ${shape}`);
        else out.push(item as Record<string, unknown>);
    });
    return out;
}

/** A JSON number or digits (optionally negative), within [min, max]; undefined when unset. */
function whole(r: Reader, key: string, v: unknown, min: number, max: number): number | undefined {
    if (v === undefined || v === null) return undefined;
    const n = typeof v === "number" ? v : typeof v === "string" && /^-?[0-9]+$/.test(v) ? Number(v) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) {
        r.c.add(key, v, `a whole number from ${min} to ${max}`);
        return undefined;
    }
    return n;
}

function flag(r: Reader, key: string, v: unknown): boolean | undefined {
    if (v === undefined || v === null) return undefined;
    if (v === true || v === "true") return true;
    if (v === false || v === "false") return false;
    r.c.add(key, v, "true or false");
    return undefined;
}

export function topics(r: Reader, version: RocketMqVersion, clusterName: string, brokerNames: string[]): TopicSpec[] {
    const { c } = r;
    const facts = versionFacts(version);
    const out: TopicSpec[] = [];
    list(r, "topics", TOPIC_SHAPE).forEach((o, i) => {
        const k = `topics[${i}]`;
        for (const extra of Object.keys(o).filter((f) => !(TOPIC_FIELDS as readonly string[]).includes(f)))
            c.add(`${k}.${extra}`, o[extra], `one of the fields of ${TOPIC_SHAPE}`);
        const name = typeof o.name === "string" ? o.name : "";
        if (!TOPIC_NAME.test(name)) c.add(`${k}.name`, o.name, "a topic name: 1-127 letters, digits, _ and -");
        else {
            const reserved = reservedTopic(name, clusterName, brokerNames);
            if (reserved !== undefined) c.add(`${k}.name`, name, `not ${reserved}: choose another name`);
        }
        const queues = whole(r, `${k}.queues`, o.queues, 1, MAX_QUEUES) ?? 8;
        const readQueues = whole(r, `${k}.readQueues`, o.readQueues, 1, MAX_QUEUES) ?? queues;
        const writeQueues = whole(r, `${k}.writeQueues`, o.writeQueues, 1, MAX_QUEUES) ?? queues;
        if (writeQueues > readQueues)
            c.add(
                `${k}.writeQueues`,
                o.writeQueues ?? o.queues,
                `at most readQueues (${readQueues}): messages written to queues no consumer reads would never be consumed`,
            );
        let perm: 2 | 4 | 6 = 6;
        if (o.perm !== undefined && o.perm !== null) {
            if (typeof o.perm === "string" && o.perm in PERMS) perm = PERMS[o.perm as keyof typeof PERMS];
            else c.add(`${k}.perm`, o.perm, "rw (read and write), r (read only) or w (write only)");
        }
        let messageType: TopicMessageType | undefined;
        if (o.messageType !== undefined && o.messageType !== null) {
            if (!facts.topicAttributes)
                c.add(
                    `${k}.messageType`,
                    o.messageType,
                    `not available on RocketMQ ${version} (topic message types came with 5.x): remove it`,
                );
            else if (typeof o.messageType === "string" && (TOPIC_MESSAGE_TYPES as readonly string[]).includes(o.messageType))
                messageType = o.messageType as TopicMessageType;
            else c.add(`${k}.messageType`, o.messageType, `one of ${TOPIC_MESSAGE_TYPES.join(", ")}`);
        }
        // 5.x: NORMAL when unset, applied and checked like any other value (removing the field resets it).
        if (messageType === undefined && facts.topicAttributes) messageType = "NORMAL";
        out.push({ name, readQueues, writeQueues, perm, messageType });
    });
    checkUnique(
        c,
        "topics[].name",
        out.map((t) => t.name),
    );
    return out;
}

export function consumerGroups(r: Reader, version: RocketMqVersion): ConsumerGroupSpec[] {
    const { c } = r;
    const facts = versionFacts(version);
    const out: ConsumerGroupSpec[] = [];
    list(r, "consumerGroups", GROUP_SHAPE).forEach((o, i) => {
        const k = `consumerGroups[${i}]`;
        for (const extra of Object.keys(o).filter((f) => !(GROUP_FIELDS as readonly string[]).includes(f)))
            c.add(`${k}.${extra}`, o[extra], `one of the fields of ${GROUP_SHAPE}`);
        const name = typeof o.name === "string" ? o.name : "";
        if (!GROUP_NAME.test(name)) c.add(`${k}.name`, o.name, "a consumer group name: 1-255 letters, digits, _ and -");
        else if (SYSTEM_GROUPS.includes(name) || name.startsWith("CID_RMQ_SYS_"))
            c.add(`${k}.name`, name, "not a RocketMQ system group: choose another name");
        const retryMaxTimes = whole(r, `${k}.retryMaxTimes`, o.retryMaxTimes, 0, 64) ?? 16;
        const broadcast = flag(r, `${k}.broadcast`, o.broadcast) ?? false;
        let orderly = flag(r, `${k}.orderly`, o.orderly);
        if (orderly !== undefined && !facts.groupOrderly) {
            c.add(
                `${k}.orderly`,
                o.orderly,
                `not available on RocketMQ ${version} (a group's consumeMessageOrderly came with 5.x): remove it`,
            );
            orderly = undefined;
        }
        if (orderly === undefined && facts.groupOrderly) orderly = false;
        out.push({ name, retryMaxTimes, broadcast, orderly });
    });
    checkUnique(
        c,
        "consumerGroups[].name",
        out.map((g) => g.name),
    );
    return out;
}
