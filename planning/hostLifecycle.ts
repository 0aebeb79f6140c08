// What keeps AWS machines and their data alive through a careless `pulumi up` or `destroy`: which
// image an instance boots from, and the resource options of instances, data volumes and their
// attachments. Pure: awsHosts.ts applies the result, the unit tests check it.

/** Image families `rocketmq:ami` may name; the newest matching image is looked up at creation. */
export const AMI_FAMILIES: Record<string, { owner: string; name: string; user: string }> = {
    "ubuntu-24.04": { owner: "099720720", name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*", user: "ubuntu" },
    "ubuntu-22.04": { owner: "099720720", name: "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*", user: "ubuntu" },
    al2023: { owner: "amazon", name: "al2023-ami-2023.*-x86_64", user: "ec2-user" },
};

export interface ImageChoice {
    /** A family: the newest image matching it is looked up (used only when an instance is created). */
    lookup?: { owner: string; name: string };
    /** An explicit `ami-...` id: exactly this image. */
    id?: string;
    /** SSH user of the image. */
    user: string;
}

export function imageChoice(ami: string): ImageChoice {
    const family = AMI_FAMILIES[ami];
    if (family) return { lookup: { owner: family.owner, name: family.name }, user: family.user };
    return { id: ami, user: "ubuntu" };
}

export interface HostLifecycleSettings {
    /** `rocketmq:ami`: a family or an `ami-...` id. */
    ami: string;
    /** `rocketmq:allowHostReplacement`: lifts the protection of instances and data volumes. */
    allowHostReplacement: boolean;
    /** `rocketmq:purgeDataOnDestroy`: delete the data volumes with the stack. */
    purgeDataOnDestroy: boolean;
}

export interface HostLifecycle {
    instance: { protect: boolean; ignoreChanges: string[] };
    dataVolume: { protect: boolean; retainOnDelete: boolean };
    /**
     * The attachment is detached before a new one is made (a volume attaches to one instance at a
     * time), and only once its instance is stopped: the brokers have shut down and the file system is
     * clean before the volume is detached, kept or deleted.
     */
    attachment: { deleteBeforeReplace: boolean; stopInstanceBeforeDetaching: boolean };
    /** Printed with every run while protected: how to allow what the engine refuses. */
    notice?: string;
}

export const PROTECTION_NOTICE =
    "instances and data volumes are protected: an update that would replace or delete one fails at preview. " +
    "To allow it: pulumi config set rocketmq:allowHostReplacement true, then pulumi up " +
    "(docs/aws.md: Replacing hosts, and what destroy keeps)";

export function hostLifecycle(s: HostLifecycleSettings): HostLifecycle {
    const protect = !s.allowHostReplacement;
    return {
        // A family is resolved when an instance is created and kept: a newer image in the family
        // changes nothing. An explicit id is what the user asked for: changing it is a replacement.
        instance: { protect, ignoreChanges: imageChoice(s.ami).lookup ? ["ami"] : [] },
        dataVolume: { protect, retainOnDelete: !s.purgeDataOnDestroy },
        attachment: { deleteBeforeReplace: true, stopInstanceBeforeDetaching: true },
        notice: protect ? PROTECTION_NOTICE : undefined,
    };
}
