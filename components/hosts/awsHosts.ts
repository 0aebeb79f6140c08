import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { AwsSettings } from "../../config/schema";
import { FirewallPlan } from "../../planning/firewall";
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
    /** Tags added to every resource. */
    tags?: Record<string, string>;
}

const AMIS: Record<string, { owner: string; name: string; user: string }> = {
    "ubuntu-24.04": { owner: "099720720", name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*", user: "ubuntu" },
    "ubuntu-22.04": { owner: "099720720", name: "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*", user: "ubuntu" },
    al2023: { owner: "amazon", name: "al2023-ami-2023.*-x86_64", user: "ec2-user" },
};

/** Network, firewall, key pair and three instances with a gp3 data volume each. */
export class AwsHosts extends pulumi.ComponentResource {
    readonly hosts: Host[];
    readonly securityGroup: aws.ec2.SecurityGroup;

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
        const amiSpec = AMIS[s.ami];
        const amiId = amiSpec
            ? aws.ec2.getAmiOutput({ mostRecent: true, owners: [amiSpec.owner], filters: [{ name: "name", values: [amiSpec.name] }] }, p).id
            : pulumi.output(s.ami);
        const user = amiSpec?.user ?? "ubuntu";

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
                p,
            );
            const volume = new aws.ebs.Volume(
                `${name}-${hostName}-data`,
                { availabilityZone: instance.availabilityZone, size: s.dataVolumeGiB, type: "gp3", encrypted: true, tags },
                p,
            );
            const attachment = new aws.ec2.VolumeAttachment(
                `${name}-${hostName}-data-attach`,
                { deviceName: "/dev/sdf", volumeId: volume.id, instanceId: instance.id },
                p,
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
                connection,
                user,
                ready: mount,
                facts: pulumi.unsecret(ready.stdout).apply(parseFacts),
                machine: instance,
                dataDevice: mount.stdout.apply((out) => /device=(\S+)/.exec(out)?.[1] ?? ""),
                sshCommand: pulumi.interpolate`ssh ${user}@${instance.publicIp}`,
            };
        });
        this.registerOutputs({ hosts: this.hosts.map((h) => h.address), securityGroupId: sg.id });
    }
}

/** The i-th /24 of the VPC range (the VPC is /24 or larger, checked by validation). */
export function subnetCidr(vpcCidr: string, prefix: number, i: number): string {
    const [a, b, c] = vpcCidr.split("/")[0].split(".").map(Number);
    if (prefix === 24) return i === 0 ? `${a}.${b}.${c}.0/25` : `${a}.${b}.${c}.128/25`;
    return `${a}.${b}.${c + i}.0/24`;
}
