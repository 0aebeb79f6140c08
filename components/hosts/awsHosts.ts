import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { AwsSettings } from "../../config/schema";
import { FirewallPlan } from "../../planning/firewall";
import { hostLifecycle, imageChoice } from "../../planning/hostLifecycle";
import { render } from "../../planning/templates";
import { Host, asRoot, parseFacts, waitForSsh } from "./host";

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

        const instances: aws.ec2.Instance[] = [];
        this.hosts = args.names.map((hostName, i) => {
            const subnet = subnets[i % subnets.length];
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
                { parent: this, ...life.instance },
            );
            instances.push(instance);
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
            const connection = pulumi.secret({
                host: instance.publicIp,
                user,
                privateKey: args.privateKey,
                dialErrorLimit: -1,
                perDialTimeout: 10,
            });
            const ready = waitForSsh(`${name}-${hostName}-ssh`, connection, { parent: this, dependsOn: [instance], deletedWith: instance });
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
                        }),
                    ),
                    addPreviousOutputInEnv: false,
                },
                { parent: this, dependsOn: [ready, attachment], deletedWith: instance },
            );
            return {
                name: hostName,
                address: instance.publicIp,
                privateAddress: instance.privateIp,
                // The public DNS name resolves to the private address inside the VPC, so the
                // cluster's own tools and VPC clients stay inside while outside clients get there.
                clientAddress: s.clientAddress === "public" ? instance.publicDns : instance.privateIp,
                connection,
                user,
                ready: mount,
                facts: pulumi.unsecret(ready.stdout).apply(parseFacts),
                machine: instance,
                dataDevice: mount.stdout.apply((out) => /device=(\S+)/.exec(out)?.[1] ?? ""),
                sshCommand: pulumi.interpolate`ssh ${user}@${instance.publicIp}`,
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
