import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULTS } from "../config/defaults";
import { RocketMqVersion } from "../config/schema";
import { defaultDownloadUrl } from "../config/validate/artifacts";
import { PATH_ALLOWED, SHA512, USER, validAbsPath, validUrl } from "../config/validate/patterns";
import { GROUP_NAME } from "../config/validate/rules";
import { installScript, uninstallScript } from "../planning/hostScripts";
import { Installation, storeRootProblem, uploadPath } from "../planning/installation";
import { ResolvedHost } from "../planning/instanceFiles";
import { ArgChecks, checkResolved } from "./args";
import { hostCommand } from "./hostCommand";
import { Host } from "./hosts/host";

export interface RocketMqInstallArgs {
    /** The machine to install on (from ExistingHosts, AwsHosts, or a Host of your own). */
    host: Host;
    /** RocketMQ release: 5.5.0, 5.3.3 or 4.9.7. Default: 5.5.0. */
    version?: RocketMqVersion;
    /** sha512 of the release zip (128 hex digits). Required, downloaded or uploaded: every host verifies what root unpacks. */
    sha512?: string;
    /** Where hosts download the zip. Default: the Apache archive's URL of `version`. */
    downloadUrl?: string;
    /** A zip on the deploying machine, uploaded instead of downloaded (the guide's way). Default: none. */
    localArchive?: string;
    /** A JDK .tar.gz on the deploying machine, uploaded for hosts without Java 11+. Default: none (the host's package manager installs one). */
    javaArchive?: string;
    /** sha512 of `javaArchive` (128 hex digits). Required with it: hosts verify the JDK before unpacking it. Default: none. */
    javaSha512?: string;
    /** Root of everything RocketMQ on the host (RocketMQ lives in APP/rocketmq). Default: /app. */
    appRoot?: string;
    /** Unprivileged user the processes run as (created by OsTuning). Default: oper. */
    serviceUser?: string;
    /** Seconds an instance's start or restart may take before the deploy fails and prints its log. Default: 180. */
    startTimeoutSeconds?: number;
    /** Brokers run with ACL 2.0 and the host tools sign in (credentials: see RocketMqCluster). Default: false. */
    authEnabled?: boolean;
    /** Name servers (`host:port`) the host tools (mqadmin, rmq-*) are preset with. */
    nameServers: pulumi.Input<string>[];
    /** Cluster the host tools manage (brokerClusterName). Default: rocketmq-cluster. */
    clusterName?: string;
    /** Directory under which brokers keep their stores; only removed by destroy with `purgeDataOnDestroy`. Default: /app/rocketmq. */
    storeRoot?: string;
    /** Destroy removes the stores too. Default: false (data outlives the stack). */
    purgeDataOnDestroy?: boolean;
    /** Cores and memory used for sizing. Default: what the host reports (`host.facts`). */
    hostSize?: pulumi.Input<{ cpus: number; memoryMiB: number }>;
    /** Must finish first (OsTuning creates the user and directories). Default: none. */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * JDK, the verified RocketMQ release and the host tools on one host: what NameServerNode,
 * BrokerPair and DLedgerGroup run on. Releases are installed side by side (versions/NAME), so a
 * version change is a rolling upgrade; the tools use the `current` link.
 */
export class RocketMqInstall extends pulumi.ComponentResource {
    readonly host: Host;
    /** Release and layout every instance on this host shares. */
    readonly installation: Installation;
    /** The host as instances are rendered for it: addresses and size. */
    readonly resolvedHost: pulumi.Output<ResolvedHost>;
    readonly command: command.remote.Command;

    constructor(name: string, args: RocketMqInstallArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rocketmq:index:RocketMqInstall", name, {}, opts);
        const version = args.version ?? DEFAULTS.version;
        const url = args.downloadUrl ?? defaultDownloadUrl(version);
        const appRoot = args.appRoot ?? DEFAULTS.appRoot;
        const serviceUser = args.serviceUser ?? DEFAULTS.serviceUser;
        const storeRoot = args.storeRoot ?? DEFAULTS.storeRoot;
        const startTimeoutSeconds = args.startTimeoutSeconds ?? DEFAULTS.startTimeoutSeconds;
        const clusterName = args.clusterName ?? DEFAULTS.clusterName;
        const c = new ArgChecks(`RocketMqInstall ${name}`);
        c.version("version", version);
        c.check(args.sha512 === undefined || SHA512.test(args.sha512), "sha512", args.sha512, "128 hex digits");
        c.check(args.sha512 !== undefined, "sha512", args.sha512, "required (with localArchive too): hosts verify what root unpacks");
        c.check(args.javaSha512 === undefined || SHA512.test(args.javaSha512), "javaSha512", args.javaSha512, "128 hex digits");
        c.check(
            (args.javaArchive === undefined) === (args.javaSha512 === undefined),
            "javaSha512",
            args.javaSha512,
            "given exactly when javaArchive is: hosts verify the JDK before root unpacks it",
        );
        c.check(validUrl(url), "downloadUrl", url, "an http(s) URL without shell characters");
        for (const [k, v] of [
            ["appRoot", appRoot],
            ["storeRoot", storeRoot],
        ] as const)
            c.check(validAbsPath(v), k, v, PATH_ALLOWED);
        const storeProblem = validAbsPath(storeRoot) && validAbsPath(appRoot) ? storeRootProblem({ appRoot }, storeRoot) : undefined;
        c.check(storeProblem === undefined, "storeRoot", storeRoot, storeProblem ?? "");
        c.check(USER.test(serviceUser) && serviceUser !== "root", "serviceUser", serviceUser, "an unprivileged Unix user name (not root)");
        c.check(
            Number.isInteger(startTimeoutSeconds) && startTimeoutSeconds >= 10 && startTimeoutSeconds <= 3600,
            "startTimeoutSeconds",
            startTimeoutSeconds,
            "whole seconds from 10 to 3600",
        );
        c.rule("clusterName", clusterName, GROUP_NAME);
        c.check(args.nameServers.length > 0, "nameServers", args.nameServers, "at least one host:port");
        args.nameServers.forEach((ns, i) => typeof ns === "string" && c.nameServer(`nameServers[${i}]`, ns));
        // Any Host will do, so its name (in /etc/hosts, paths and scripts) is checked here too.
        c.name("host.name", args.host.name);
        c.done();

        this.host = args.host;
        this.installation = { version, appRoot, serviceUser, startTimeoutSeconds, auth: { enabled: args.authEnabled ?? false } };
        const size = args.hostSize ?? args.host.facts;
        this.resolvedHost = pulumi
            .all([args.host.privateAddress, args.host.clientAddress, size])
            .apply(([privateAddress, clientAddress, s]) => ({
                name: args.host.name,
                privateAddress,
                clientAddress,
                cpus: s.cpus,
                memoryMiB: s.memoryMiB,
            }));

        const source = {
            distribution: {
                source: args.localArchive ? ("upload" as const) : ("download" as const),
                url,
                sha512: args.sha512,
                localArchive: args.localArchive,
            },
            javaArchive: args.javaArchive,
            javaSha512: args.javaSha512,
        };
        const copies = [args.localArchive, args.javaArchive]
            .filter((f): f is string => f !== undefined)
            .map(
                (file, i) =>
                    new command.remote.CopyToRemote(
                        `${name}-upload-${i}`,
                        { connection: args.host.connection, source: new pulumi.asset.FileAsset(file), remotePath: uploadPath(file) },
                        // After OsTuning (in dependsOn), which makes the upload directory.
                        { parent: this, dependsOn: [args.host.ready, ...(args.dependsOn ?? [])], deletedWith: args.host.machine },
                    ),
            );
        const script = pulumi.all(args.nameServers).apply((ns) => {
            checkResolved(`RocketMqInstall ${name}`, (r) => ns.forEach((v, i) => r.nameServer(`nameServers[${i}]`, v)));
            return installScript(this.installation, source, args.host.name, { namesrvAddr: ns.join(";"), clusterName });
        });
        this.command = hostCommand(
            `${name}-apply`,
            args.host,
            {
                script,
                remove: uninstallScript({ appRoot, storeRoot }, args.host.name, args.purgeDataOnDestroy ?? false),
                claim: { key: "install" },
            },
            { parent: this, dependsOn: [...(args.dependsOn ?? []), ...copies] },
        );
        this.registerOutputs({ stdout: this.command.stdout });
    }
}
