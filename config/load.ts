// Reads the stack's `rocketmq:*` config into the plain record validateConfig() checks.
import * as pulumi from "@pulumi/pulumi";
import { RawConfig } from "./validate";

/** Every non-secret key the program reads; Pulumi.yaml declares each (a unit test checks it). */
export const CONFIG_KEYS = [
    "environment",
    "hostMode",
    "hosts",
    "topology",
    "version",
    "clusterName",
    "downloadUrl",
    "sha512",
    "localArchive",
    "javaArchive",
    "javaSha512",
    "appRoot",
    "storeRoot",
    "serviceUser",
    "serviceUserAuthorizedKeys",
    "namesrvHeap",
    "brokerHeap",
    "brokerProperties",
    "instances",
    "autoCreateTopicEnable",
    "autoCreateSubscriptionGroup",
    "sysctl",
    "ioScheduler",
    "dataDevice",
    "dashboardEnabled",
    "dashboardVersion",
    "dashboardPort",
    "dashboardUrl",
    "dashboardSha512",
    "dashboardLocalJar",
    "dashboardHeap",
    "smokeMessages",
    "startTimeoutSeconds",
    "purgeDataOnDestroy",
    "instanceType",
    "ami",
    "allowedCidrs",
    "sshAllowedCidrs",
    "allowHostReplacement",
    "sshPublicKey",
    "dataVolumeGiB",
    "vpcCidr",
    "topics",
    "consumerGroups",
    "deleteRemovedTopics",
    "deleteRemovedGroups",
    "allowQueueDecrease",
    "authEnabled",
    "authUsers",
    "clientAddress",
] as const;

export function readRawConfig(config: pulumi.Config): RawConfig {
    const raw: RawConfig = {};
    for (const key of CONFIG_KEYS) {
        const v = config.get(key);
        if (v !== undefined) raw[key] = v;
    }
    return raw;
}
