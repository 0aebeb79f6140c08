import * as pulumi from "@pulumi/pulumi";
import { ExistingHostSpec } from "../../config/schema";
import { Host, parseFacts, waitForSsh } from "./host";

export interface ExistingHostsArgs {
    /** Hosts as validated from `rocketmq:hosts`. */
    hosts: ExistingHostSpec[];
    /** SSH private key (OpenSSH or PEM) for every host, from `rocketmq:sshPrivateKey` (secret). */
    privateKey: pulumi.Input<string>;
}

/** Machines that already exist (the guide's three VMs, or the local test hosts). */
export class ExistingHosts extends pulumi.ComponentResource {
    readonly hosts: Host[];

    constructor(name: string, args: ExistingHostsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rocketmq:index:ExistingHosts", name, {}, opts);
        this.hosts = args.hosts.map((h) => {
            const connection = pulumi.secret({
                host: h.host,
                port: h.port,
                user: h.user,
                privateKey: args.privateKey,
                // Dial until the host answers; the command's timeout bounds the wait.
                dialErrorLimit: -1,
                perDialTimeout: 10,
            });
            const ready = waitForSsh(`${name}-${h.name}-ssh`, connection, { parent: this });
            return {
                name: h.name,
                address: pulumi.output(h.host),
                privateAddress: pulumi.output(h.privateAddress),
                clientAddress: pulumi.output(h.clientAddress),
                connection,
                user: h.user,
                ready,
                facts: pulumi.unsecret(ready.stdout).apply(parseFacts),
                sshCommand: pulumi.output(`ssh -p ${h.port} ${h.user}@${h.host}`),
            };
        });
        this.registerOutputs({ hosts: this.hosts.map((h) => h.address) });
    }
}
