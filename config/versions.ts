// Everything the stack does differently per RocketMQ version, as data: one entry per supported
// version. planning/ and templates/ read these facts and never test the version string itself.
//
// Supporting a version = one entry here + config/brokerKeys/VERSION.json
// (`scripts/gen-broker-keys.sh VERSION`, which needs `scripts/rocketmq-dist.sh rocketmq VERSION`).
// SUPPORTED_VERSIONS (config/schema.ts) is the keys of this table, so nothing else lists versions.
//
// 5.5.1 (newest upstream release) is not here because it cannot be assembled or tested here: the
// Maven repository serves only its broker jar (namesrv, client, tools, proxy, auth answer 404), so
// rocketmq-dist.sh, gen-broker-keys.sh and the quickstart round trip all fail. Once its modules are
// served, it is the "5.5.0" entry copied under "5.5.1" with `dledgerCommitLog: "deprecated"`
// (5.5.1 logs a deprecation warning for enableDLegerCommitLog; upstream recommends Controller
// mode), plus its key file; and tests/e2e/lib.sh prepare_artifacts must build its dist.

/** RocketMQ reads its logging configuration from a different place per line. */
export type LoggingStyle =
    /** 4.9.x: $rocketmqHome/conf/logback_<role>.xml, or it exits; rocketmqHome is set in the properties. */
    | "rocketmqHome-conf"
    /** 5.x: the file named by -Drmq.logback.configurationFile (rmq.<role>.logback.xml). */
    | "system-property";

/**
 * Which access control the broker has: 4.9.x `aclEnable` + plain_acl.yml; 5.3.3+ ACL 2.0
 * (authenticationEnabled, authorizationEnabled, ...; plain_acl.yml is gone, RIP-77, although
 * BrokerConfig still has an aclEnable setter).
 */
export type AclModel = "acl1" | "acl2";

export interface VersionFacts {
    /** Directory and zip name: rocketmq-all-VERSION-bin-release(.zip), as the Apache archive names it. */
    distName: string;
    logging: LoggingStyle;
    /**
     * JVM options the name server and broker need on JDK 17 for this version (module access).
     * The dashboard has its own JVM and gets none of them.
     */
    jdkAccess: readonly string[];
    acl: AclModel;
    /** DLedger commit log: supported, or still working but deprecated upstream (5.5.1). */
    dledgerCommitLog: "supported" | "deprecated";
    /**
     * The on-disk format family of the broker store (commit log, consume queues, checkpoint,
     * metadata): a running cluster rolls between versions of one family only (config/versionChange.ts).
     */
    storeFormat: StoreFormat;
    /**
     * Topic attributes (mqadmin updateTopic -a, e.g. +message.type=FIFO) and a subscription group's
     * consumeMessageOrderly (updateSubGroup -o): 5.x; 4.9.7's tools have neither option.
     */
    topicAttributes: boolean;
    groupOrderly: boolean;
}

/**
 * 4.x: commit log message magic code V1 only, a 24-byte checkpoint. 5.x: adds message magic code
 * V2 (topics longer than 127 characters), the timer store, a longer checkpoint (5.3.3: 40 bytes,
 * 5.5.0: 48, each a prefix of the next). Checked in the released jars and apache/rocketmq tags.
 */
export type StoreFormat = "4.x" | "5.x";

/** Without these, JDK 17 cannot unmap files: every restart recovers abnormally, old files stay. */
export const JDK17_ACCESS = [
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
] as const;

/** 5.4+: the controller (and DLedger in the name server/broker) reflects into java.lang on JDK 17 (apache/rocketmq #10170, #10612). */
export const JAVA_LANG_OPENS = "--add-opens=java.base/java.lang=ALL-UNNAMED";

const dist = (version: string) => `rocketmq-all-${version}-bin-release`;

/** The order is the order users read (Pulumi.yaml, errors): the default first. */
export const VERSIONS = {
    "5.3.3": {
        distName: dist("5.3.3"),
        logging: "system-property",
        jdkAccess: JDK17_ACCESS,
        acl: "acl2",
        dledgerCommitLog: "supported",
        storeFormat: "5.x",
        topicAttributes: true,
        groupOrderly: true,
    },
    "5.5.0": {
        distName: dist("5.5.0"),
        logging: "system-property",
        jdkAccess: [...JDK17_ACCESS, JAVA_LANG_OPENS],
        acl: "acl2",
        dledgerCommitLog: "supported",
        storeFormat: "5.x",
        topicAttributes: true,
        groupOrderly: true,
    },
    // 4.9.7: the newest 4.x whose every module the Maven repository serves here (nothing of 4.9.8).
    "4.9.7": {
        distName: dist("4.9.7"),
        logging: "rocketmqHome-conf",
        jdkAccess: JDK17_ACCESS,
        acl: "acl1",
        dledgerCommitLog: "supported",
        storeFormat: "4.x",
        topicAttributes: false,
        groupOrderly: false,
    },
} as const satisfies Record<string, VersionFacts>;

export type RocketMqVersion = keyof typeof VERSIONS;

export function versionFacts(version: RocketMqVersion): VersionFacts {
    const facts: VersionFacts | undefined = VERSIONS[version];
    if (facts === undefined) throw new Error(`no version facts for RocketMQ ${version}`);
    return facts;
}
