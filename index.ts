// rocketmq-pulumi: three machines -> a verified Apache RocketMQ cluster.
// Reads and validates config (nothing is created when it is wrong), obtains hosts (AWS or
// existing), deploys the cluster and exports what clients and operators need.
import * as pulumi from "@pulumi/pulumi";
import { readRawConfig } from "./config/load";
import { validateConfig } from "./config/validate";
import { RocketMqCluster } from "./components/cluster";
import { AwsHosts } from "./components/hosts/awsHosts";
import { ExistingHosts } from "./components/hosts/existingHosts";
import { Host } from "./components/hosts/host";
import { planFirewall } from "./planning/firewall";
import { NAMESRV_PORT, allBrokers, hostNames, planCluster } from "./planning/topology";

const config = new pulumi.Config("rocketmq");
const cfg = validateConfig(readRawConfig(config));
const plan = planCluster(cfg);
const stackName = `rmq-${pulumi.getStack()}`;
const privateKey = config.requireSecret("sshPrivateKey");

let hosts: Host[];
let awsHosts: AwsHosts | undefined;
if (cfg.hostMode === "aws") {
    awsHosts = new AwsHosts(stackName, {
        settings: cfg.aws!,
        names: hostNames(cfg),
        firewall: planFirewall(cfg, plan),
        privateKey,
        storeRoot: cfg.storeRoot,
        purgeDataOnDestroy: cfg.purgeDataOnDestroy,
        tags: { stack: pulumi.getStack() },
    });
    hosts = awsHosts.hosts;
} else {
    hosts = new ExistingHosts(stackName, { hosts: cfg.existingHosts, privateKey }).hosts;
}

const cluster = new RocketMqCluster(stackName, {
    config: cfg,
    plan,
    hosts,
    purgeDataOnDestroy: cfg.purgeDataOnDestroy,
});

const addressOf = (i: number) => hosts[i].address;
export const topology = cfg.topology;
export const version = cfg.version;
/** What clients use: the hosts' client addresses (the ones the brokers advertise). */
export const namesrvAddr = pulumi.all(hosts.map((h) => h.clientAddress)).apply((a) => a.map((x) => `${x}:${NAMESRV_PORT}`).join(";"));
export const brokers = pulumi
    .all(allBrokers(plan).map((b) => pulumi.all([addressOf(b.hostIndex), hosts[b.hostIndex].clientAddress])))
    .apply((addrs) => {
        const out: Record<string, Record<string, string>> = {};
        allBrokers(plan).forEach((b, i) => {
            const role = b.dledger ? `dledger-${b.dledger.selfId}` : b.brokerId === 0 ? "master" : "slave";
            (out[b.brokerName] ??= {})[role] = `${hosts[b.hostIndex].name} ${addrs[i][1]}:${b.listenPort}`;
        });
        return out;
    });
export const dashboardUrl =
    plan.dashboardHostIndex !== undefined
        ? pulumi.interpolate`http://${addressOf(plan.dashboardHostIndex)}:${cfg.dashboard.port}`
        : undefined;
export const dashboardAdminPassword = cluster.dashboard?.adminPassword;
/** rocketmq:authEnabled: the RocketMQ administrator (rmq-admin) and each rocketmq:authUsers password. */
export const authAdminPassword = cluster.auth?.adminPassword;
export const authUserPasswords = cluster.authUsers?.passwords;
export const ssh = pulumi.all(hosts.map((h) => h.sshCommand)).apply((cmds) => Object.fromEntries(hosts.map((h, i) => [h.name, cmds[i]])));
export const clusterHealth = cluster.checks.health.stdout;
/** aws mode: the image each host runs (kept from its creation; see README "Replacing hosts"). */
export const hostImages = awsHosts?.images;
