// What a running cluster cannot change in place: where its instances live and what they are called.
// `pulumi up` records this as the stack output `layout`; the next preview compares the new plan with
// it (through a StackReference to the stack itself, like the version guard) and refuses, before any
// resource exists, a change that would roll brokers onto empty stores, make new members collide with
// the old ones' stores, or re-own data under another user. Pure: the program passes the recorded
// value in.
import { ConfigError, ConfigProblem } from "../config/errors";
import { STORE_PATH_REFUSED, refusedHow } from "../config/keys";
import { ClusterConfig } from "../config/schema";
import { storePaths } from "./storePaths";
import { ClusterPlan, allBrokers } from "./topology";

/** The recorded layout (stack output `layout`). Plain JSON; new fields must be optional when read. */
export interface Layout {
    hostMode: string;
    topology: string;
    hosts: string[];
    appRoot: string;
    storeRoot: string;
    serviceUser: string;
    clusterName: string;
    /** null when not set: a recorded null still guards against setting one later. */
    dataDevice: string | null;
    vpcCidr: string | null;
    instanceType: string | null;
    sshPublicKey: string | null;
    /** Broker id -> its host's name and every store path it uses. */
    brokers: Record<string, { host: string; paths: Record<string, string> }>;
}

export function layoutOf(cfg: ClusterConfig, plan: ClusterPlan): Layout {
    const brokers: Layout["brokers"] = {};
    for (const b of allBrokers(plan)) brokers[b.id] = { host: plan.hosts[b.hostIndex].name, paths: storePaths(b) };
    return {
        hostMode: cfg.hostMode,
        topology: cfg.topology,
        hosts: plan.hosts.map((h) => h.name),
        appRoot: cfg.appRoot,
        storeRoot: cfg.storeRoot,
        serviceUser: cfg.serviceUser,
        clusterName: cfg.clusterName,
        dataDevice: cfg.dataDevice ?? null,
        vpcCidr: cfg.aws?.vpcCidr ?? null,
        instanceType: cfg.aws?.instanceType ?? null,
        sshPublicKey: cfg.aws?.sshPublicKey ?? null,
        brokers,
    };
}

const show = (v: unknown): string => (v === undefined || v === null ? "(not set)" : Array.isArray(v) ? v.join(",") : String(v));

/** Where a broker's store path comes from in the config: the key a user would change. */
function storeKeyOf(cfg: ClusterConfig, brokerId: string, pathKey: string): string {
    if (cfg.instances[brokerId]?.properties?.[pathKey] !== undefined) return `instances.${brokerId}.properties.${pathKey}`;
    if (cfg.brokerProperties[pathKey] !== undefined) return `brokerProperties.${pathKey}`;
    return pathKey === "storePathRootDir" || cfg.instances[brokerId]?.properties?.storePathRootDir === undefined
        ? "storeRoot"
        : `instances.${brokerId}.properties.storePathRootDir`;
}

/**
 * The changes a running cluster cannot take: each names the key, the deployed value, the new value
 * and the way to do it. `deployed` is the last `up`'s `layout` output (undefined: none yet);
 * `deployedTopology` its `topology` output, which stacks recorded before `layout` existed.
 */
export function layoutChangeProblems(
    deployed: Partial<Layout> | undefined,
    deployedTopology: string | undefined,
    cfg: ClusterConfig,
    plan: ClusterPlan,
): ConfigProblem[] {
    const now = layoutOf(cfg, plan);
    const problems: ConfigProblem[] = [];
    const refuse = (key: string, was: unknown, is: unknown, how: string) =>
        problems.push({
            key,
            value: show(is),
            allowed: `the running cluster's ${show(was)} (recorded by the last \`pulumi up\`): changing it is refused, ${how}`,
        });
    const topology = deployed?.topology ?? deployedTopology;
    if (topology !== undefined && topology !== now.topology) refuse("topology", topology, now.topology, refusedHow("topology"));
    if (deployed === undefined) return problems;
    const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
    for (const key of [
        "hostMode",
        "appRoot",
        "serviceUser",
        "clusterName",
        "dataDevice",
        "vpcCidr",
        "instanceType",
        "sshPublicKey",
    ] as const)
        if (key in deployed && !same(deployed[key], now[key])) refuse(key, deployed[key], now[key], refusedHow(key));
    if (deployed.hosts !== undefined && !same(deployed.hosts, now.hosts)) refuse("hosts", deployed.hosts, now.hosts, refusedHow("hosts"));
    const storeKeys = new Set<string>();
    for (const [id, was] of Object.entries(deployed.brokers ?? {})) {
        const is = now.brokers[id];
        if (is === undefined) continue; // a topology change, refused above
        for (const [pathKey, value] of Object.entries(was.paths ?? {})) {
            if (is.paths[pathKey] === undefined || is.paths[pathKey] === value) continue;
            const key = storeKeyOf(cfg, id, pathKey);
            if (storeKeys.has(key)) continue; // one root moved every path under it: said once
            storeKeys.add(key);
            if (key === "storeRoot") refuse("storeRoot", deployed.storeRoot, now.storeRoot, refusedHow("storeRoot"));
            else {
                // A moved root is shown as the root, not as each path under it.
                const k = key.endsWith(".storePathRootDir") ? "storePathRootDir" : pathKey;
                refuse(key, `${id} ${k}=${was.paths[k]}`, `${id} ${k}=${is.paths[k]}`, STORE_PATH_REFUSED);
            }
        }
    }
    // A storeRoot the brokers do not use (every broker overrides its root) still holds the mount.
    if (deployed.storeRoot !== undefined && deployed.storeRoot !== now.storeRoot && !storeKeys.has("storeRoot"))
        refuse("storeRoot", deployed.storeRoot, now.storeRoot, refusedHow("storeRoot"));
    return problems;
}

/** Throws a ConfigError (reported like Pulumi's own config errors) when a change is refused. */
export function checkLayoutChange(
    deployed: Partial<Layout> | undefined,
    deployedTopology: string | undefined,
    cfg: ClusterConfig,
    plan: ClusterPlan,
): void {
    const problems = layoutChangeProblems(deployed, deployedTopology, cfg, plan);
    if (problems.length > 0) throw new ConfigError(problems);
}
