// rocketmq-pulumi: three machines -> a verified Apache RocketMQ cluster.
// Reads and validates config (nothing is created when it is wrong), refuses a version change the
// stores cannot take and a change of where instances live (planning/layout.ts), before anything is
// created or touched, at preview too; obtains hosts (AWS or
// existing), deploys the cluster and returns what clients and operators need as stack outputs.
import * as pulumi from "@pulumi/pulumi";
import { readRawConfig } from "./config/load";
import { validateConfig } from "./config/validate";
import { checkVersionChange } from "./config/versionChange";
import { RocketMqCluster } from "./components/cluster";
import { TopicsAndGroups } from "./components/topicsAndGroups";
import { AwsHosts } from "./components/hosts/awsHosts";
import { ExistingHosts } from "./components/hosts/existingHosts";
import { Host } from "./components/hosts/host";
import { planFirewall } from "./planning/firewall";
import { Layout, checkLayoutChange, layoutOf } from "./planning/layout";
import { NAMESRV_PORT, allBrokers, hostNames, planCluster } from "./planning/topology";

/**
 * What the last `pulumi up` deployed: this stack's own `version`, `topology` and `layout` outputs,
 * read through a StackReference to itself (undefined before the first deploy). Known at preview.
 */
async function deployed(): Promise<{ version?: string; topology?: string; layout?: Partial<Layout> }> {
    const self = new pulumi.StackReference(`${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`);
    const [version, topology, layout] = await Promise.all(["version", "topology", "layout"].map((k) => self.getOutputDetails(k)));
    return {
        version: typeof version.value === "string" ? version.value : undefined,
        topology: typeof topology.value === "string" ? topology.value : undefined,
        layout: typeof layout.value === "object" && layout.value !== null ? (layout.value as Partial<Layout>) : undefined,
    };
}

export = async () => {
    const config = new pulumi.Config("rocketmq");
    const cfg = validateConfig(readRawConfig(config));
    const last = await deployed();
    // A version change is a rolling upgrade onto the existing stores: refuse one they cannot take.
    checkVersionChange(last.version, cfg.version);
    const plan = planCluster(cfg);
    // Where instances live and what they are called cannot change under a running cluster.
    checkLayoutChange(last.layout, last.topology, cfg, plan);
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

    // Topics and consumer groups as code, applied on worker1 once the cluster passed its checks.
    new TopicsAndGroups(stackName, {
        config: cfg,
        plan,
        host: hosts[0],
        dependsOn: [cluster.checks.smoke ?? cluster.checks.health],
    });

    const addressOf = (i: number) => hosts[i].address;
    const topology = cfg.topology;
    const version = cfg.version;
    // What clients use: the hosts' client addresses (the ones the brokers advertise).
    const namesrvAddr = pulumi.all(hosts.map((h) => h.clientAddress)).apply((a) => a.map((x) => `${x}:${NAMESRV_PORT}`).join(";"));
    const brokers = pulumi
        .all(allBrokers(plan).map((b) => pulumi.all([addressOf(b.hostIndex), hosts[b.hostIndex].clientAddress])))
        .apply((addrs) => {
            const out: Record<string, Record<string, string>> = {};
            allBrokers(plan).forEach((b, i) => {
                const role = b.dledger ? `dledger-${b.dledger.selfId}` : b.brokerId === 0 ? "master" : "slave";
                (out[b.brokerName] ??= {})[role] = `${hosts[b.hostIndex].name} ${addrs[i][1]}:${b.listenPort}`;
            });
            return out;
        });
    // A console on loopback (rocketmq:dashboardListen, prod's default) is reached through a tunnel.
    const dashboardUrl =
        plan.dashboardHostIndex === undefined
            ? undefined
            : cfg.dashboard.listen === "all"
              ? pulumi.interpolate`http://${addressOf(plan.dashboardHostIndex)}:${cfg.dashboard.port}`
              : pulumi.interpolate`http://127.0.0.1:${cfg.dashboard.port} through an SSH tunnel: ${hosts[plan.dashboardHostIndex].sshCommand} -N -L ${cfg.dashboard.port}:127.0.0.1:${cfg.dashboard.port}`;
    const dashboardAdminPassword = cluster.dashboard?.adminPassword;
    // rocketmq:authEnabled: the RocketMQ administrator (rmq-admin) and each rocketmq:authUsers password.
    const authAdminPassword = cluster.auth?.adminPassword;
    const authUserPasswords = cluster.authUsers?.passwords;
    const ssh = pulumi.all(hosts.map((h) => h.sshCommand)).apply((cmds) => Object.fromEntries(hosts.map((h, i) => [h.name, cmds[i]])));
    const clusterHealth = cluster.checks.health.stdout;
    /** aws mode: the image each host runs (kept from its creation; see docs/aws.md, "Replacing hosts"). */
    const hostImages = awsHosts?.images;
    /** What the next preview checks a change against (planning/layout.ts). */
    const layout = layoutOf(cfg, plan);

    // Outputs that do not apply to this stack (no dashboard, authentication off, existing hosts) are
    // left out: exported as undefined, each would print a warning on every run.
    return withoutUndefined({
        topology,
        version,
        namesrvAddr,
        brokers,
        dashboardUrl,
        dashboardAdminPassword,
        authAdminPassword,
        authUserPasswords,
        ssh,
        clusterHealth,
        hostImages,
        layout,
    });
};

function withoutUndefined<T extends Record<string, unknown>>(o: T): Partial<T> {
    return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
