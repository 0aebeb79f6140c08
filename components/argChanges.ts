// What a change of each component argument does to a running cluster: the components' side of the
// stack's key table (config/keys.ts `change`). A program built from the components has no record
// of its last deploy to refuse against at preview, so what the stack refuses at preview the host
// refuses at `up`, before the script changes anything (instance-deploy's and os-tuning's guards).
// tests/unit/argChanges.test.ts changes each argument on a deployed program under mocks and checks
// the policy; docs/api.md lists them.

/**
 * - rolling: the files of the instances it concerns change: they restart in their turn, one at a
 *   time, gated (rollingRestart; across components: rollChain);
 * - in-place: no instance's files change: nothing restarts;
 * - refused-on-host: the deploy refuses it on the host, naming the argument, the running value and
 *   the new one, before anything is written;
 * - refused-at-preview: the preview fails naming the argument, the deployed value and the new one
 *   (an instance's host: its InstancePlacement record);
 * - wiring: a Pulumi object or an order (a host, an install, dependsOn, a RollChain): no value of
 *   its own reaches a host.
 */
export type ArgChange = "rolling" | "in-place" | "refused-on-host" | "refused-at-preview" | "wiring";

export interface ArgChangeSpec {
    change: ArgChange;
    /** What happens, for docs/api.md. */
    effect: string;
}

const wiring = (effect: string): ArgChangeSpec => ({ change: "wiring", effect });
const rolling = (effect: string): ArgChangeSpec => ({ change: "rolling", effect });
const inPlace = (effect: string): ArgChangeSpec => ({ change: "in-place", effect });
const refused = (effect: string): ArgChangeSpec => ({ change: "refused-on-host", effect });
const refusedAtPreview = (effect: string): ArgChangeSpec => ({ change: "refused-at-preview", effect });

const PLACEMENT = "The machine. The instances on it record it: moving one to another machine is refused at preview (their `install`).";
const INSTANCE_PLACEMENT = refusedAtPreview(
    "Refused at preview (its InstancePlacement record): on another host it would start while it keeps running on the old one. Remove it in one up, add it on the new host in the next.",
);
const GUARD_PLACEMENT = wiring("Whether the placement record exists.");

/** Per argument interface, per argument. */
export const ARG_CHANGES = {
    OsTuningArgs: {
        host: wiring(PLACEMENT),
        serviceUser: refused("Refused on the host while run/ belongs to another user (the one the instances run as)."),
        serviceUserAuthorizedKeys: inPlace("authorized_keys rewritten."),
        appRoot: inPlace("Directories made at the new place; the instances refuse it (RocketMqInstall.appRoot)."),
        storeRoot: inPlace("The directory is made; brokers refuse a move of their store (storeRoot, storePathRootDir)."),
        sysctl: inPlace("Written and applied."),
        ioScheduler: inPlace("Applied to the data disk."),
        dataDevice: inPlace("Its IO scheduler is set."),
        hostsEntries: inPlace("The managed /etc/hosts block is rewritten."),
    },
    RocketMqInstallArgs: {
        host: wiring(PLACEMENT),
        version: rolling("Rolling upgrade or rollback within a store format family; across families refused on the host."),
        sha512: inPlace("The release is verified again."),
        downloadUrl: inPlace("Used for the next download."),
        localArchive: inPlace("Uploaded and verified."),
        javaArchive: inPlace("Uploaded, verified and unpacked."),
        javaSha512: inPlace("The JDK is verified again."),
        appRoot: refused("Refused on the host: every instance runs from under the deployed one."),
        serviceUser: refused("Refused on the host: the stores, logs and homes belong to the deployed user."),
        startTimeoutSeconds: inPlace("The next deploy or restart waits this long."),
        authEnabled: rolling("Every broker restarts in its turn with ACL 2.0 on (or off)."),
        nameServers: inPlace("The host tools' preset."),
        clusterName: inPlace("The cluster the host tools manage."),
        storeRoot: inPlace("What destroy purges with purgeDataOnDestroy."),
        purgeDataOnDestroy: inPlace("Read at destroy."),
        hostSize: rolling("Heaps and thread pools sized from it change: those instances restart in their turn."),
        dependsOn: wiring("Create order."),
    },
    NameServerNodeArgs: {
        install: INSTANCE_PLACEMENT,
        heap: rolling("The name server restarts in its turn."),
        id: refused("A new instance beside the running one: refused on the host (its port is taken)."),
        rollingRestart: wiring("Whether its restart steps exist."),
        rollChain: wiring("Its place in the cluster's restart order."),
        dependsOn: wiring("Create order."),
        guardPlacement: GUARD_PLACEMENT,
    },
    BrokerMemberArgs: {
        install: INSTANCE_PLACEMENT,
        id: refused("A new instance beside the running one: refused on the host (its ports and store are taken)."),
        heap: rolling("The member restarts in its turn."),
        listenPort: rolling("The member restarts in its turn on the new port (clients find it through the name servers)."),
        storePathRootDir: refused("Refused on the host: the broker would restart on an empty store."),
        properties: rolling("The member restarts in its turn (store paths refused on the host)."),
    },
    BrokerGroupArgs: {
        nameServers: rolling("Every member restarts in its turn."),
        clusterName: refused("Refused on the host: brokers register by cluster name."),
        storeRoot: refused("Refused on the host for members that keep their store under it."),
        properties: rolling("Every member restarts in its turn (store paths refused on the host)."),
        autoCreateTopicEnable: rolling("Every member restarts in its turn."),
        autoCreateSubscriptionGroup: rolling("Every member restarts in its turn."),
        purgeDataOnDestroy: inPlace("Read when a member is removed."),
        rollingRestart: wiring("Whether its restart steps exist."),
        rollChain: wiring("Its place in the cluster's restart order."),
        dependsOn: wiring("Create order."),
        guardPlacement: GUARD_PLACEMENT,
    },
    BrokerPairArgs: {
        brokerName: refused("Refused on the host: a group registers under its brokerName."),
        master: wiring("Its member arguments (BrokerMemberArgs)."),
        slave: wiring("Its member arguments (BrokerMemberArgs)."),
        replication: rolling("Both members restart in their turn with the new roles."),
    },
    DLedgerGroupArgs: {
        members: wiring("Their member arguments (BrokerMemberArgs)."),
        group: refused("Refused on the host: a group registers under its brokerName."),
        dledgerPort: rolling("The members restart in their turn, followers first."),
    },
} satisfies Record<string, Record<string, ArgChangeSpec>>;

const POLICY_TEXT: Record<ArgChange, string> = {
    rolling: "rolling",
    "in-place": "in place",
    "refused-on-host": "refused on the host",
    "refused-at-preview": "refused at preview",
    wiring: "wiring",
};

/** docs/api-changes.md: per component argument, what changing it on a running cluster does. */
export function argChangesDoc(): string {
    const out = [
        "# What changing a component argument does",
        "",
        "<!-- Generated from components/argChanges.ts; tests/unit/argChanges.test.ts checks it is current",
        "     (RMQ_WRITE_GENERATED=1 npx jest tests/unit/argChanges.test.ts rewrites it). -->",
        "",
        "A program built from the components has no record of its last deploy to refuse a change against at",
        "`pulumi preview`, as the stack does (docs/configuration.md): what the stack refuses at preview, the",
        "host refuses at `pulumi up`, before the script changes anything, naming the argument, the running",
        "value and the new one. **rolling**: the instances it concerns restart in their turn, one at a time,",
        "gated (across components: `rollChain`); **in place**: nothing restarts; **wiring**: a Pulumi object",
        "or an order, no value of its own reaches a host. [api.md](api.md) documents the arguments.",
    ];
    for (const [iface, args] of Object.entries(ARG_CHANGES)) {
        out.push("", `## \`${iface}\``, "", "| argument | change | what happens |", "|---|---|---|");
        for (const [arg, spec] of Object.entries(args) as [string, ArgChangeSpec][])
            out.push(`| \`${arg}\` | ${POLICY_TEXT[spec.change]} | ${spec.effect.replace(/\|/g, "\\|")} |`);
    }
    return `${out.join("\n")}\n`;
}
