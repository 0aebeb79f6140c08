import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { AwsSettings } from "../../config/schema";
import { FirewallPlan } from "../../planning/firewall";
import { hostLifecycle, imageChoice } from "../../planning/hostLifecycle";
import { render } from "../../planning/templates";
import { Host, asRoot, parseFacts, waitForSsh } from "./host";
import { PRINT_HOST_KEYS, hostKeyGate, pickHostKey } from "./hostKeys";

export interface AwsHostsArgs {
    /** Validated `aws` settings (instance type, AMI, CIDRs, public key, data volume size). */
    settings: AwsSettings;
    /** Host names, worker1..3. */
    names: string[];
    /** Ports to open, from planFirewall(). */
    firewall: FirewallPlan;
    /** Private half of `settings.sshPublicKey` (secret), for the deployer's SSH sessions. */
    privateKey: pulumi.Input<string>;
    /** Mount point of each host's data volume (the store root). */
    storeRoot: string;
    /** `rocketmq:purgeDataOnDestroy`: delete the data volumes on destroy (default: keep them). */
    purgeDataOnDestroy: boolean;
    /** Tags added to every resource. */
    tags?: Record<string, string>;
}

/**
 * Network, firewall, key pair and three instances with a gp3 data volume each. Instances and volumes
 * are protected unless `allowHostReplacement`; volumes outlive the stack unless `purgeDataOnDestroy`
 * (planning/hostLifecycle.ts decides).
 */
export class AwsHosts extends pulumi.ComponentResource {
    readonly hosts: Host[];
    readonly securityGroup: aws.ec2.SecurityGroup;
    /** Image each instance runs, by host name (kept from creation unless `ami` is an explicit id). */
    readonly images: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: AwsHostsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rocketmq:index:AwsHosts", name, {}, opts);
        const s = args.settings;
        const tags = { "rocketmq-pulumi": name, ...(args.tags ?? {}) };
        const p = { parent: this };

        const vpc = new aws.ec2.Vpc(`${name}-vpc`, { cidrBlock: s.vpcCidr, enableDnsHostnames: true, enableDnsSupport: true, tags }, p);
        const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags }, p);
        const routes = new aws.ec2.RouteTable(
            `${name}-rt`,
            { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }], tags },
            p,
        );
        const azs = aws.getAvailabilityZonesOutput({ state: "available" }, p);
        const prefix = Number(s.vpcCidr.split("/")[1]);
        // Two subnets in two zones: /24s at the start of the VPC range.
        const subnets = [0, 1].map((i) => {
            const subnet = new aws.ec2.Subnet(
                `${name}-subnet-${i}`,
                {
                    vpcId: vpc.id,
                    cidrBlock: subnetCidr(s.vpcCidr, prefix, i),
                    availabilityZone: azs.names[i],
                    mapPublicIpOnLaunch: true,
                    tags,
                },
                p,
            );
            new aws.ec2.RouteTableAssociation(`${name}-rta-${i}`, { subnetId: subnet.id, routeTableId: routes.id }, p);
            return subnet;
        });

        this.securityGroup = new aws.ec2.SecurityGroup(`${name}-sg`, { vpcId: vpc.id, description: "RocketMQ cluster", tags }, p);
        const sg = this.securityGroup;
        for (const port of args.firewall.clusterPorts)
            new aws.vpc.SecurityGroupIngressRule(
                `${name}-cluster-${port}`,
                { securityGroupId: sg.id, referencedSecurityGroupId: sg.id, ipProtocol: "tcp", fromPort: port, toPort: port, tags },
                p,
            );
        // SSH (the deployer) apart from clients. The alias keeps rules made when port 22 was a client port.
        s.sshAllowedCidrs.forEach((cidr, ci) => {
            new aws.vpc.SecurityGroupIngressRule(
                `${name}-ssh-${ci}`,
                {
                    securityGroupId: sg.id,
                    cidrIpv4: cidr,
                    ipProtocol: "tcp",
                    fromPort: args.firewall.sshPort,
                    toPort: args.firewall.sshPort,
                    tags,
                },
                { parent: this, aliases: [{ name: `${name}-client-${ci}-${args.firewall.sshPort}` }] },
            );
        });
        s.allowedCidrs.forEach((cidr, ci) => {
            for (const port of args.firewall.clientPorts)
                new aws.vpc.SecurityGroupIngressRule(
                    `${name}-client-${ci}-${port}`,
                    { securityGroupId: sg.id, cidrIpv4: cidr, ipProtocol: "tcp", fromPort: port, toPort: port, tags },
                    p,
                );
        });
        new aws.vpc.SecurityGroupEgressRule(`${name}-egress`, { securityGroupId: sg.id, cidrIpv4: "0.0.0.0/0", ipProtocol: "-1", tags }, p);

        const key = new aws.ec2.KeyPair(`${name}-key`, { publicKey: s.sshPublicKey, tags }, p);
        const image = imageChoice(s.ami);
        const amiId = image.lookup
            ? aws.ec2.getAmiOutput(
                  { mostRecent: true, owners: [image.lookup.owner], filters: [{ name: "name", values: [image.lookup.name] }] },
                  p,
              ).id
            : pulumi.output(image.id!);
        const user = image.user;
        const life = hostLifecycle({
            ami: s.ami,
            allowHostReplacement: s.allowHostReplacement,
            purgeDataOnDestroy: args.purgeDataOnDestroy,
        });
        if (life.notice) pulumi.log.info(life.notice, this);
        pulumi.log.info(
            `brokers advertise ${s.clientAddress} addresses to clients (${s.clientAddressReason}); set rocketmq:clientAddress to choose`,
            this,
        );

        // One host after the other: an instance waits for the previous host's `settled` step, so a
        // change that stops and starts instances (instanceType) takes down one host at a time, and
        // the next only once the previous one's RocketMQ units are back (host-settled.sh).
        const instances: aws.ec2.Instance[] = [];
        const machinesSoFar: { settled: command.remote.Command }[] = [];
        const machines = args.names.map((hostName, i) => {
            const subnet = subnets[i % subnets.length];
            const previous = i === 0 ? [] : [machinesSoFar[i - 1].settled];
            const instance = new aws.ec2.Instance(
                `${name}-${hostName}`,
                {
                    ami: amiId,
                    instanceType: s.instanceType,
                    subnetId: subnet.id,
                    vpcSecurityGroupIds: [sg.id],
                    keyName: key.keyName,
                    rootBlockDevice: { volumeType: "gp3", volumeSize: 20, encrypted: true },
                    metadataOptions: { httpTokens: "required" },
                    tags: { ...tags, Name: `${name}-${hostName}` },
                },
                { parent: this, ...life.instance, dependsOn: previous },
            );
            instances.push(instance);
            // A stable public address: a stop and start (a new instance type) or a replaced instance
            // keeps it, so namesrvAddr, the clients' bootstrap list and every SSH target stay put.
            const eip = new aws.ec2.Eip(
                `${name}-${hostName}-eip`,
                { domain: "vpc", instance: instance.id, tags: { ...tags, Name: `${name}-${hostName}` } },
                { parent: this, protect: life.instance.protect },
            );
            // The zone comes from the subnet, not the instance: a replaced instance keeps its volume.
            const volume = new aws.ebs.Volume(
                `${name}-${hostName}-data`,
                { availabilityZone: subnet.availabilityZone, size: s.dataVolumeGiB, type: "gp3", encrypted: true, tags },
                { parent: this, ...life.dataVolume },
            );
            // Deletion runs dependents first: every command on the host depends on the mount below,
            // which depends on this attachment, so the brokers are removed (or skipped, when their
            // instance goes too) before the volume is detached; detaching stops the instance first, so
            // the brokers are down and the file system is clean when the volume is kept or deleted.
            const attachment = new aws.ec2.VolumeAttachment(
                `${name}-${hostName}-data-attach`,
                {
                    deviceName: "/dev/sdf",
                    volumeId: volume.id,
                    instanceId: instance.id,
                    stopInstanceBeforeDetaching: life.attachment.stopInstanceBeforeDetaching,
                },
                { parent: this, deleteBeforeReplace: life.attachment.deleteBeforeReplace },
            );
            // First contact, before the host's key is known: only what the login user can read runs
            // (facts, the public host keys); no root script, no secret.
            const firstContact = pulumi.secret(
                pulumi.all([eip.publicIp, args.privateKey]).apply(([host, privateKey]) => ({
                    host,
                    user,
                    privateKey,
                    dialErrorLimit: -1,
                    perDialTimeout: 10,
                })),
            );
            const ready = waitForSsh(`${name}-${hostName}-ssh`, firstContact, {
                parent: this,
                dependsOn: [instance, eip],
                deletedWith: instance,
            });
            // Learned once per instance and pinned: kept in this command's state, read again only
            // when the instance is replaced (a new machine, a new key). EC2's console output has the
            // keys too (cloud-init prints them), but no provider call reads it: compare by hand with
            // `aws ec2 get-console-output` if first contact matters to you (docs/existing-hosts.md, Host keys).
            const learned = new command.remote.Command(
                `${name}-${hostName}-hostkey`,
                { connection: firstContact, create: PRINT_HOST_KEYS, triggers: [instance.id], addPreviousOutputInEnv: false },
                { parent: this, dependsOn: [ready], deletedWith: instance, customTimeouts: { create: "10m" } },
            );
            const hostKey = learned.stdout.apply((out) => pickHostKey(hostName, out));
            const own = (gate: pulumi.Output<true>) =>
                pulumi.secret(
                    pulumi.all([gate, eip.publicIp, args.privateKey, hostKey]).apply(([, host, privateKey, pin]) => ({
                        host,
                        user,
                        privateKey,
                        dialErrorLimit: -1,
                        perDialTimeout: 10,
                        hostKey: pin,
                    })),
                );
            const target = {
                name: hostName,
                host: eip.publicIp,
                port: 22,
                hostKey,
                setting: `the ${name}-${hostName}-hostkey command's state`,
            };
            // This host alone: what the one-at-a-time chain may wait for (the whole set's gate
            // below waits for every host's key, so the chain cannot use it).
            const ownConnection = own(hostKeyGate([target]));
            const settled = new command.remote.Command(
                `${name}-${hostName}-settled`,
                {
                    connection: ownConnection,
                    // Nothing on create (a new host has nothing to wait for); on update, the wait.
                    update: asRoot(user),
                    stdin: render("host/host-settled.sh.mustache", {
                        hostName,
                        instanceType: s.instanceType,
                        settleSeconds: 35,
                        timeoutSeconds: 900,
                    }),
                    addPreviousOutputInEnv: false,
                },
                { parent: this, dependsOn: [instance, learned], deletedWith: instance, customTimeouts: { update: "20m" } },
            );
            const m = { hostName, instance, eip, volume, attachment, ready, target, own, settled };
            machinesSoFar.push(m);
            return m;
        });
        // Every host's commands wait for the check of all hosts' keys: one mismatch, nothing runs anywhere.
        const gate = hostKeyGate(machines.map((m) => m.target));
        this.hosts = machines.map(({ hostName, instance, eip, volume, attachment, ready, own }) => {
            const connection = own(gate);
            const mount = new command.remote.Command(
                `${name}-${hostName}-mount-data`,
                {
                    connection,
                    create: asRoot(user),
                    stdin: volume.id.apply((id) =>
                        render("host/mount-data.sh.mustache", {
                            volumeId: id,
                            volumeIdNoDash: id.replace("-", ""),
                            storeRoot: args.storeRoot,
                            sizeGiB: s.dataVolumeGiB,
                        }),
                    ),
                    addPreviousOutputInEnv: false,
                },
                { parent: this, dependsOn: [ready, attachment], deletedWith: instance },
            );
            return {
                name: hostName,
                address: eip.publicIp,
                privateAddress: instance.privateIp,
                // The public DNS name resolves to the private address inside the VPC, so the
                // cluster's own tools and VPC clients stay inside while outside clients get there.
                clientAddress: s.clientAddress === "public" ? eip.publicDns : instance.privateIp,
                connection,
                user,
                ready: mount,
                facts: pulumi.unsecret(ready.stdout).apply(parseFacts),
                machine: instance,
                dataDevice: mount.stdout.apply((out) => /device=(\S+)/.exec(out)?.[1] ?? ""),
                sshCommand: pulumi.interpolate`ssh ${user}@${eip.publicIp}`,
            };
        });
        this.images = pulumi
            .all(instances.map((i) => i.ami))
            .apply((amis) => Object.fromEntries(args.names.map((hostName, i) => [hostName, amis[i]])));
        this.registerOutputs({ hosts: this.hosts.map((h) => h.address), securityGroupId: sg.id, images: this.images });
    }
}

/** The i-th /24 of the VPC range (the VPC is /24 or larger, checked by validation). */
export function subnetCidr(vpcCidr: string, prefix: number, i: number): string {
    const [a, b, c] = vpcCidr.split("/")[0].split(".").map(Number);
    if (prefix === 24) return i === 0 ? `${a}.${b}.${c}.0/25` : `${a}.${b}.${c}.128/25`;
    return `${a}.${b}.${c + i}.0/24`;
}
