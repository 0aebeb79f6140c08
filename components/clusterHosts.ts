// Every host of the cluster prepared: OS tuning, then the RocketMQ install, each host in parallel.
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig } from "../config/schema";
import { RenderContext, hostsEntries } from "../planning/context";
import { Host } from "./hosts/host";
import { OsTuning } from "./osTuning";
import { RocketMqInstall } from "./rocketmqInstall";

/** One OsTuning and one RocketMqInstall per host, sized from the refined plan in `ctx`. */
export function prepareHosts(
    parent: pulumi.Resource,
    name: string,
    cfg: ClusterConfig,
    hosts: Host[],
    ctx: pulumi.Output<RenderContext>,
    nameServers: string[],
    purge: boolean,
): RocketMqInstall[] {
    // The real sizes (config, or read from the host): from the one refined plan.
    const sizeOf = (i: number) => ctx.apply((c) => ({ cpus: c.hosts[i].cpus ?? 0, memoryMiB: c.hosts[i].memoryMiB ?? 0 }));
    return hosts.map((host, i) => {
        const os = new OsTuning(
            `${name}-${host.name}-os`,
            {
                host,
                serviceUser: cfg.serviceUser,
                serviceUserAuthorizedKeys: cfg.serviceUserAuthorizedKeys,
                appRoot: cfg.appRoot,
                storeRoot: cfg.storeRoot,
                sysctl: cfg.sysctl,
                ioScheduler: cfg.ioScheduler,
                dataDevice: cfg.dataDevice,
                hostsEntries: ctx.apply(hostsEntries),
            },
            { parent },
        );
        return new RocketMqInstall(
            `${name}-${host.name}-install`,
            {
                host,
                version: cfg.version,
                sha512: cfg.distribution.sha512,
                downloadUrl: cfg.distribution.url,
                localArchive: cfg.distribution.localArchive,
                javaArchive: cfg.javaArchive,
                javaSha512: cfg.javaSha512,
                appRoot: cfg.appRoot,
                serviceUser: cfg.serviceUser,
                startTimeoutSeconds: cfg.startTimeoutSeconds,
                authEnabled: cfg.auth.enabled,
                nameServers,
                clusterName: cfg.clusterName,
                storeRoot: cfg.storeRoot,
                purgeDataOnDestroy: purge,
                hostSize: sizeOf(i),
                dependsOn: [os.command],
            },
            { parent },
        );
    });
}
