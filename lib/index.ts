// The package's public API (`import { BrokerPair, ... } from "rocketmq-pulumi"`): the components,
// their args, the Host they run on, their argument error and the defaults they apply. The stack
// program (index.ts, the package's `main`) is not part of it: it reads Pulumi config and calls these.

// Hosts: machines you already have, or three EC2 instances; or any `Host` of your own.
export { ExistingHosts } from "../components/hosts/existingHosts";
export type { ExistingHost, ExistingHostsArgs } from "../components/hosts/existingHosts";
export { AwsHosts } from "../components/hosts/awsHosts";
export type { AwsHostsArgs } from "../components/hosts/awsHosts";
export type { Host } from "../components/hosts/host";

// Per host: OS preparation, then the RocketMQ release and host tools.
export { OsTuning } from "../components/osTuning";
export type { OsTuningArgs } from "../components/osTuning";
export type { HostsEntry } from "../planning/hostScripts";
export { RocketMqInstall } from "../components/rocketmqInstall";
export type { RocketMqInstallArgs } from "../components/rocketmqInstall";
export type { Installation } from "../planning/installation";

// RocketMQ processes on an install.
export { NameServerNode } from "../components/nameServerNode";
export type { NameServerNodeArgs } from "../components/nameServerNode";
export { BrokerPair } from "../components/brokerPair";
export type { BrokerPairArgs } from "../components/brokerPair";
export { DLedgerGroup } from "../components/dledgerGroup";
export type { DLedgerGroupArgs } from "../components/dledgerGroup";
export type { BrokerGroupArgs, BrokerMemberArgs } from "../components/brokerMembers";
// Composed components restart one at a time across the cluster when they share a RollChain.
export { RollChain } from "../components/instanceService";

// The whole cluster from a validated stack configuration and its plan (what index.ts does).
export { RocketMqCluster } from "../components/cluster";
export type { RocketMqClusterArgs } from "../components/cluster";
export type { AwsSettings, ClusterConfig, Topology } from "../config/schema";
export type { ClusterPlan } from "../planning/topology";
export type { FirewallPlan } from "../planning/firewall";
// What RocketMqCluster takes is made from plain settings (the keys of Pulumi.yaml, without the
// `rocketmq:` prefix) the way index.ts makes it: validateConfig, then planCluster.
export { validateConfig } from "../config/validate";
export type { RawConfig } from "../config/validate";
export { ConfigError } from "../config/errors";
export { planCluster } from "../planning/topology";

// Errors, defaults, versions.
export { ComponentArgsError } from "../components/args";
export type { ArgProblem } from "../components/args";
export { DEFAULTS, DEFAULT_SYSCTL } from "../config/defaults";
export { DEFAULT_VERSION, SUPPORTED_VERSIONS } from "../config/schema";
export type { RocketMqVersion } from "../config/schema";
export { NAMESRV_PORT } from "../planning/topology";
