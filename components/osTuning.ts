import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULTS, DEFAULT_SYSCTL } from "../config/defaults";
import {
    ADDRESS_ALLOWED,
    DEVICE,
    PATH_ALLOWED,
    SYSCTL_KEY,
    SYSCTL_VALUE,
    USER,
    validAbsPath,
    validAddress,
    validPublicKey,
} from "../config/validate/patterns";
import { HostsEntry, osTuningScript, osUntuneScript } from "../planning/hostScripts";
import { ArgChecks, checkResolved } from "./args";
import { hostCommand } from "./hostCommand";
import { Host } from "./hosts/host";

export interface OsTuningArgs {
    /** Host to prepare. */
    host: Host;
    /** Unprivileged user RocketMQ runs as; created if missing. Default: oper. */
    serviceUser?: string;
    /** Public keys allowed to log in as the service user. Default: none (root or sudo only). */
    serviceUserAuthorizedKeys?: string[];
    /** Root of everything RocketMQ (APP/rocketmq is created, owned by the service user). Default: /app. */
    appRoot?: string;
    /** Directory under which brokers keep their stores (the data disk is mounted here). Default: /app/rocketmq. */
    storeRoot?: string;
    /** Kernel settings written to /etc/sysctl.d (applied where /proc/sys is writable). Default: upstream's os.sh values with vm.swappiness=10; entries given here are added or replace those. */
    sysctl?: Record<string, string>;
    /** IO scheduler of the data disk. Default: mq-deadline. */
    ioScheduler?: string;
    /** Block device (e.g. nvme1n1) formatted if blank and mounted at storeRoot. Default: `host.dataDevice` if the host has one, else none. */
    dataDevice?: string;
    /** /etc/hosts lines to keep (the cluster's names, which broker and DLedger settings use). Default: none. */
    hostsEntries?: pulumi.Input<HostsEntry[]>;
}

/** Per-host OS preparation (guide sections 2, 3 and 9.3), persisted and idempotent. */
export class OsTuning extends pulumi.ComponentResource {
    readonly command: command.remote.Command;

    constructor(name: string, args: OsTuningArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rocketmq:index:OsTuning", name, {}, opts);
        const settings = {
            serviceUser: args.serviceUser ?? DEFAULTS.serviceUser,
            serviceUserAuthorizedKeys: args.serviceUserAuthorizedKeys ?? [],
            appRoot: args.appRoot ?? DEFAULTS.appRoot,
            storeRoot: args.storeRoot ?? DEFAULTS.storeRoot,
            sysctl: { ...DEFAULT_SYSCTL, ...(args.sysctl ?? {}) },
            ioScheduler: args.ioScheduler ?? DEFAULTS.ioScheduler,
            dataDevice: args.dataDevice,
        };
        const c = new ArgChecks(`OsTuning ${name}`);
        c.check(
            USER.test(settings.serviceUser) && settings.serviceUser !== "root",
            "serviceUser",
            settings.serviceUser,
            "an unprivileged Unix user name (not root)",
        );
        for (const k of settings.serviceUserAuthorizedKeys)
            c.check(validPublicKey(k), "serviceUserAuthorizedKeys", k, "an OpenSSH public key line");
        c.check(validAbsPath(settings.appRoot), "appRoot", settings.appRoot, PATH_ALLOWED);
        c.check(validAbsPath(settings.storeRoot), "storeRoot", settings.storeRoot, PATH_ALLOWED);
        for (const [k, v] of Object.entries(settings.sysctl))
            c.check(
                SYSCTL_KEY.test(k) && SYSCTL_VALUE.test(v),
                `sysctl.${k}`,
                v,
                "a kernel parameter name like vm.swappiness and a plain value",
            );
        c.check(
            /^[a-z-]+$/.test(settings.ioScheduler),
            "ioScheduler",
            settings.ioScheduler,
            "a scheduler name such as mq-deadline or none",
        );
        c.check(
            settings.dataDevice === undefined || DEVICE.test(settings.dataDevice),
            "dataDevice",
            settings.dataDevice,
            "a block device name such as nvme1n1 or sdb",
        );
        c.name("host.name", args.host.name);
        c.done();

        const script = pulumi.all([args.hostsEntries ?? [], args.host.dataDevice ?? ""]).apply(([entries, dev]) => {
            // Written into /etc/hosts by a root script: checked once known.
            checkResolved(`OsTuning ${name}`, (r) =>
                entries.forEach((e, i) => {
                    r.name(`hostsEntries[${i}].name`, e.name);
                    r.check(validAddress(e.address), `hostsEntries[${i}].address`, e.address, ADDRESS_ALLOWED);
                }),
            );
            return osTuningScript(settings, args.host.name, entries, dev);
        });
        this.command = hostCommand(
            `${name}-apply`,
            args.host,
            { script, remove: osUntuneScript(), claim: { key: "os-tuning" } },
            { parent: this },
        );
        // What the script could not do (kernel settings on a host whose /proc/sys is read-only)
        // must reach the user as a warning, not only as text in a command's output.
        this.command.stderr.apply((stderr) => {
            for (const line of (stderr ?? "").split("\n")) {
                if (line.startsWith("WARNING: ")) pulumi.log.warn(`${args.host.name}: ${line.slice("WARNING: ".length)}`, this);
            }
        });
        this.registerOutputs({ stdout: this.command.stdout });
    }
}
