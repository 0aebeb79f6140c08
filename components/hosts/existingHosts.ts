import * as pulumi from "@pulumi/pulumi";
import { ADDRESS_ALLOWED, USER, validAddress } from "../../config/validate/patterns";
import { TCP_PORT } from "../../config/validate/rules";
import { ArgChecks } from "../args";
import { Host, parseFacts, waitForSsh } from "./host";
import { hostKeyGate, normalizeHostKey } from "./hostKeys";

/** One machine you already have, reached over SSH. */
export interface ExistingHost {
    /** Short name (lower-case letters, digits and -): the /etc/hosts entry, name-server ids (namesrv-NAME) and child resource names use it. */
    name: string;
    /** Address (IPv4 or DNS name) the deployer's SSH dials. */
    host: string;
    /** SSH port. Default: 22. */
    port?: number;
    /** SSH user: root, or a user with password-less sudo. Default: root. */
    user?: string;
    /** Address the hosts use among themselves (HA replication via brokerIP2, DLedger peers, /etc/hosts). Default: `host`. */
    privateAddress?: string;
    /** Address brokers tell clients (brokerIP1) and name-server addresses list. Default: `privateAddress`. */
    clientAddress?: string;
    /**
     * The host's SSH public host key, a line as `ssh-keyscan` prints it or as in
     * /etc/ssh/ssh_host_ed25519_key.pub (`ssh-ed25519 AAAA... [comment]`). Every connection verifies
     * it, and `pulumi up` stops before running anything on any host when a host offers another.
     * Default: not verified (a warning says so; the stack requires it when environment is prod).
     */
    hostKey?: string;
}

export interface ExistingHostsArgs {
    /** The machines, each with its own name. */
    hosts: ExistingHost[];
    /** SSH private key (OpenSSH or PEM) for every host; pass a secret (the stack: `rocketmq:sshPrivateKey`). */
    privateKey: pulumi.Input<string>;
}

/** Machines that already exist (the guide's three VMs, or the local test hosts). */
export class ExistingHosts extends pulumi.ComponentResource {
    readonly hosts: Host[];

    constructor(name: string, args: ExistingHostsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rocketmq:index:ExistingHosts", name, {}, opts);
        const c = new ArgChecks(`ExistingHosts ${name}`);
        c.check(args.hosts.length > 0, "hosts", args.hosts, "at least one host");
        const specs = args.hosts.map((h, i) => {
            const port = h.port ?? 22;
            const user = h.user ?? "root";
            const privateAddress = h.privateAddress ?? h.host;
            const clientAddress = h.clientAddress ?? privateAddress;
            const k = `hosts[${i}]`;
            c.name(`${k}.name`, h.name);
            c.check(validAddress(h.host), `${k}.host`, h.host, ADDRESS_ALLOWED);
            c.rule(`${k}.port`, port, TCP_PORT);
            c.check(USER.test(user), `${k}.user`, h.user, "a Unix user name");
            // Unset, they are `host`, checked above.
            if (h.privateAddress !== undefined)
                c.check(validAddress(h.privateAddress), `${k}.privateAddress`, h.privateAddress, ADDRESS_ALLOWED);
            if (h.clientAddress !== undefined)
                c.check(validAddress(h.clientAddress), `${k}.clientAddress`, h.clientAddress, ADDRESS_ALLOWED);
            if (h.hostKey !== undefined)
                c.check(
                    normalizeHostKey(h.hostKey) !== undefined,
                    `${k}.hostKey`,
                    h.hostKey,
                    "an SSH public key line: TYPE BASE64 [comment]",
                );
            const hostKey = h.hostKey === undefined ? undefined : normalizeHostKey(h.hostKey);
            return { name: h.name, host: h.host, port, user, privateAddress, clientAddress, hostKey };
        });
        const names = specs.map((h) => h.name);
        c.check(new Set(names).size === names.length, "hosts", names, "hosts with different names");
        c.done();

        for (const h of specs.filter((s) => s.hostKey === undefined))
            pulumi.log.warn(
                `${h.name} (${h.host}): no hostKey, so its SSH host key is not verified (docs/existing-hosts.md, Host keys)`,
                this,
            );
        // Every host's connection waits for the check of all hosts: one mismatch, nothing runs anywhere.
        const gate = hostKeyGate(
            specs.map((h, i) => ({ name: h.name, host: h.host, port: h.port, hostKey: h.hostKey, setting: `hosts[${i}].hostKey` })),
        );
        this.hosts = specs.map((h) => {
            const connection = pulumi.secret(
                pulumi.all([gate, args.privateKey]).apply(([, privateKey]) => ({
                    host: h.host,
                    port: h.port,
                    user: h.user,
                    privateKey,
                    // Dial until the host answers; the command's timeout bounds the wait.
                    dialErrorLimit: -1,
                    perDialTimeout: 10,
                    // Unset (not undefined): a host without a pin keeps the connection it had.
                    ...(h.hostKey === undefined ? {} : { hostKey: h.hostKey }),
                })),
            );
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
