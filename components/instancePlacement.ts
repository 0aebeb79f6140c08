// Which host an instance of a program built from the components was deployed on. A component whose
// `install` (its host) changes would otherwise update its deploy command on the new host, which
// starts the instance there while the old one keeps running on its old host: the same broker name
// and id twice. The command provider updates on a connection change (it does not replace), and a
// program has no record of its last deploy, so this resource keeps one: its provider's check sees the
// host recorded by the last deploy and refuses another at preview, before any resource changes.
// RocketMqCluster needs none: the stack refuses host and placement changes from its layout output.
import * as pulumi from "@pulumi/pulumi";

export interface PlacementInputs {
    /** The component argument that places it, for the message (e.g. `master.install`). */
    argument: string;
    /** The instance id. */
    instance: string;
    /** The host's name (a replaced machine keeps its name: allowed). */
    hostName: string;
}

/** Why moving INSTANCE from one host to another is refused, and the way to do it. */
export function placementRefusal(was: PlacementInputs, now: PlacementInputs): string | undefined {
    if (was.hostName === undefined || was.hostName === now.hostName) return undefined;
    return (
        `${now.argument}: ${now.instance} runs on ${was.hostName}, the program now puts it on ${now.hostName}: refused. ` +
        `An update would start it on ${now.hostName} while it keeps running on ${was.hostName} (the same broker twice), ` +
        `and its store stays behind. Keep it on ${was.hostName}; to move it, remove the member in one up (its store stays ` +
        `unless purgeDataOnDestroy), then add it on the new host in the next (a slave syncs again from its master; a master ` +
        `starts empty)`
    );
}

export const placementProvider: pulumi.dynamic.ResourceProvider = {
    async check(olds: PlacementInputs, news: PlacementInputs) {
        const why = olds && placementRefusal(olds, news);
        return why ? { inputs: news, failures: [{ property: "hostName", reason: why }] } : { inputs: news };
    },
    async create(inputs: PlacementInputs) {
        return { id: `${inputs.hostName}/${inputs.instance}`, outs: inputs };
    },
    async diff(_id: string, olds: PlacementInputs, news: PlacementInputs) {
        return { changes: JSON.stringify(olds) !== JSON.stringify(news) };
    },
    async update(_id: string, _olds: PlacementInputs, news: PlacementInputs) {
        return { outs: news };
    },
    async delete() {
        // A record only: the instance's deploy command removes the instance.
    },
};

/** The host an instance was deployed on, as the last `pulumi up` recorded it. */
export class InstancePlacement extends pulumi.dynamic.Resource {
    constructor(name: string, args: PlacementInputs, opts?: pulumi.CustomResourceOptions) {
        super(placementProvider, name, { ...args }, opts, "rocketmq", "InstancePlacement");
    }
}

/**
 * The placement record of one instance (none with guardPlacement false). Written after its deploy
 * succeeded: a deploy that fails (say a rename the host refuses) leaves the record as it was.
 */
export function placementOf(
    parent: pulumi.Resource,
    name: string,
    argument: string,
    instance: string,
    hostName: string,
    guard: boolean | undefined,
    deploy: pulumi.Resource,
): InstancePlacement[] {
    return guard === false
        ? []
        : [new InstancePlacement(`${name}-placement`, { argument, instance, hostName }, { parent, dependsOn: [deploy] })];
}
