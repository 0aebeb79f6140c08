import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULTS } from "../config/defaults";
import { parseSizeMiB } from "../config/sizes";
import { InstanceSpec } from "../planning/instanceFiles";
import { NAMESRV_PORT, NameServerPlan } from "../planning/topology";
import { ArgChecks } from "./args";
import { placementOf } from "./instancePlacement";
import { RollChain, checkRollChain, instanceService, rollStep } from "./instanceService";
import { RocketMqInstall } from "./rocketmqInstall";

export interface NameServerNodeArgs {
    /** The RocketMqInstall of the host it runs on. */
    install: RocketMqInstall;
    /** Heap, e.g. 512m. Default: 512m. */
    heap?: string;
    /** Instance id (directory instances/ID, unit rocketmq-ID). Default: namesrv-HOSTNAME. */
    id?: string;
    /** A change restarts it (gated by its port answering). Default: true. RocketMqCluster sets false: it orders restarts across the cluster. */
    rollingRestart?: boolean;
    /**
     * The cluster's restart order, shared with the cluster's other components: its restart waits
     * for those of the components that joined before it (create name servers first). Default: none
     * (it restarts on its own, at the same time as other components).
     */
    rollChain?: RollChain;
    /** What it waits for before it starts. Default: none. */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
    /**
     * It records the host it was deployed on (an InstancePlacement), and a later program that puts
     * it on another host is refused at preview. Default: true. RocketMqCluster sets false: the stack
     * refuses host changes from its own record.
     */
    guardPlacement?: boolean;
}

/**
 * A name server on one host (port 9876); its deploy waits until the port answers. A change restarts
 * it, gated by the port; given a `rollChain`, only after the components that joined it before.
 */
export class NameServerNode extends pulumi.ComponentResource {
    readonly service: command.remote.Command;
    /** Its own restart step; undefined with rollingRestart false. */
    readonly rollingRestart?: command.remote.Command;
    /** `address:9876` as clients and brokers reach it (the host's client address). */
    readonly address: pulumi.Output<string>;
    /** What its files are rendered from (RocketMqCluster orders its restart and recovery by it). */
    readonly spec: pulumi.Output<InstanceSpec>;

    constructor(name: string, args: NameServerNodeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rocketmq:index:NameServerNode", name, {}, opts);
        const c = new ArgChecks(`NameServerNode ${name}`);
        const heapMiB = c.heap("heap", args.heap) ?? (parseSizeMiB(DEFAULTS.namesrvHeap) as number);
        const id = args.id ?? `namesrv-${args.install.host.name}`;
        c.name("id", id);
        checkRollChain(c, args.rollChain, "name servers", args.rollingRestart);
        c.done();

        const plan: NameServerPlan = { kind: "namesrv", id, hostIndex: 0, heapMiB, ports: [NAMESRV_PORT] };
        const { install } = args;
        const spec: pulumi.Output<InstanceSpec> = (this.spec = install.resolvedHost.apply((host) => ({
            installation: install.installation,
            host,
            instance: plan,
        })));
        this.service = instanceService(`${name}-service`, install.host, install.installation, plan, spec, false, {
            parent: this,
            dependsOn: [install.command, ...(args.dependsOn ?? [])],
        });
        placementOf(this, name, "install", id, install.host.name, args.guardPlacement, this.service);
        if (args.rollingRestart !== false) {
            this.rollingRestart = rollStep(
                `${name}-roll`,
                install.host,
                spec,
                false,
                {},
                {
                    parent: this,
                    dependsOn: [this.service, ...(args.rollChain?.last ?? [])],
                },
            );
            args.rollChain?.join(`NameServerNode ${name}`, "name servers", [this.rollingRestart]);
        }
        this.address = install.resolvedHost.apply((h) => `${h.clientAddress}:${NAMESRV_PORT}`);
        this.registerOutputs({ id, address: this.address });
    }
}
