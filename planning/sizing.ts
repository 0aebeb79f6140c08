// Sizes in the plan: host memory and cores known at preview (config, or the EC2 type's), heaps
// sized from them (`brokerHeap: auto`) and checked to fit. Host facts read at deploy time refine the
// same plan (withHostFacts): the instances, ports and paths never change with sizes.
import { ConfigError, ConfigProblem } from "../config/errors";
import { ClusterConfig } from "../config/schema";
import { EC2_MEMORY_MIB, formatSizeMiB, parseSizeMiB } from "../config/sizes";
import { storePaths, overlaps } from "./storePaths";
import { allBrokers, allInstances } from "./instances";
import type { BrokerPlan, ClusterPlan } from "./topology";

/** Host memory and cores known at preview: from the host list, or the EC2 type table. */
export function knownHostSize(cfg: ClusterConfig, index: number): { memoryMiB?: number; cpus?: number } {
    if (cfg.hostMode === "existing") {
        const h = cfg.existingHosts[index];
        return { memoryMiB: h?.memoryMiB, cpus: h?.cpus };
    }
    return EC2_MEMORY_MIB[cfg.aws?.instanceType ?? ""] ?? {};
}

/** A broker's JVM takes its heap twice: the heap, and direct memory of the same size (planning/jvm.ts). */
export const BROKER_MEMORY_PER_HEAP = 2;

/** Memory an instance's JVM may take: a broker's heap and direct memory, a name server's heap. */
export function jvmMemoryMiB(inst: { kind: string; heapMiB: number }): number {
    return inst.kind === "broker" ? inst.heapMiB * BROKER_MEMORY_PER_HEAP : inst.heapMiB;
}

export function heapFor(cfg: ClusterConfig, id: string, fallback: string): number {
    return parseSizeMiB(cfg.instances[id]?.heap ?? fallback) ?? 512;
}

/**
 * The plan with what existing hosts report for the sizes it did not know (a size in the config wins):
 * auto heaps sized again and every host's heaps checked to fit, before any instance is touched.
 */
export function withHostFacts(cfg: ClusterConfig, plan: ClusterPlan, facts: { cpus: number; memoryMiB: number }[]): ClusterPlan {
    // A copy: heaps are resized in place by sizeAutoHeaps.
    const sized: ClusterPlan = {
        ...plan,
        hosts: plan.hosts.map((h) => ({ ...h })),
        nameServers: plan.nameServers.map((n) => ({ ...n })),
        groups: plan.groups.map((g) => ({ ...g, members: g.members.map((m) => ({ ...m })) })),
    };
    // aws: the instance type's table entry or nothing (heaps of an unlisted type stay at the
    // placeholder; reading them from the host would resize running brokers of existing stacks).
    if (cfg.hostMode === "existing")
        sized.hosts.forEach((h, i) => {
            h.memoryMiB ??= facts[i].memoryMiB;
            h.cpus ??= facts[i].cpus;
        });
    const problems: ConfigProblem[] = [];
    sizeAutoHeaps(cfg, sized);
    checkHostResources(cfg, sized, problems);
    if (problems.length > 0) throw new ConfigError(problems);
    return sized;
}

export /**
 * `brokerHeap: auto`: RocketMQ lives on the page cache, so the brokers' JVMs get about half of what
 * the name server (and the dashboard) leave, split between the brokers of a host, and the other half
 * stays for the page cache. A broker's JVM is its heap plus as much direct memory
 * (-XX:MaxDirectMemorySize = heap, planning/jvm.ts): its heap is a quarter of that share, between
 * 512m and 8g. Unknown memory: 1g.
 */
function sizeAutoHeaps(cfg: ClusterConfig, plan: ClusterPlan): void {
    if (cfg.brokerHeap !== "auto") return;
    for (const host of plan.hosts) {
        const brokers = allBrokers(plan).filter((b) => b.hostIndex === host.index);
        for (const b of brokers) {
            if (cfg.instances[b.id]?.heap) {
                b.heapMiB = parseSizeMiB(cfg.instances[b.id].heap as string) ?? 1024;
                continue;
            }
            if (host.memoryMiB === undefined) {
                b.heapMiB = 1024;
                continue;
            }
            const left = host.memoryMiB - plan.nameServers[host.index].heapMiB - (plan.dashboardHostIndex === host.index ? 512 : 0);
            const share = Math.floor(left / 2 / BROKER_MEMORY_PER_HEAP / brokers.length / 256) * 256;
            b.heapMiB = Math.min(8192, Math.max(512, share));
        }
    }
}

export /** Per host: no two instances share a port or a store path, and the heaps fit in memory. */
function checkHostResources(cfg: ClusterConfig, plan: ClusterPlan, problems: ConfigProblem[]): void {
    for (const host of plan.hosts) {
        const here = allInstances(plan).filter((i) => i.hostIndex === host.index);
        const owners = new Map<number, string>();
        if (plan.dashboardHostIndex === host.index) owners.set(cfg.dashboard.port, "dashboard");
        for (const inst of here) {
            for (const port of inst.ports) {
                const other = owners.get(port);
                if (other !== undefined && other !== inst.id)
                    problems.push({
                        key: inst.kind === "broker" ? `instances.${inst.id}.properties.listenPort` : "dashboardPort",
                        value: inst.kind === "broker" ? inst.listenPort : cfg.dashboard.port,
                        allowed: `ports that do not collide on ${host.name}: ${inst.id} needs ${inst.ports.join(", ")} but ${port} is taken by ${other} (brokers bind listenPort-2, listenPort and listenPort+1)`,
                    });
                owners.set(port, inst.id);
            }
        }
        const brokers = here.filter((i): i is BrokerPlan => i.kind === "broker");
        // Every store path, not only the root: a stack-wide storePathCommitLog would put both brokers
        // of a host on one commit log.
        for (let i = 0; i < brokers.length; i++)
            for (let j = i + 1; j < brokers.length; j++) {
                const [pa, pb] = [storePaths(brokers[i]), storePaths(brokers[j])];
                const clash = Object.entries(pb).find(([, b]) => Object.values(pa).some((a) => overlaps(a, b)));
                if (clash === undefined) continue;
                const [key, b] = clash;
                const a = Object.values(pa).find((x) => overlaps(x, b));
                const shared =
                    key !== "storePathRootDir" &&
                    cfg.brokerProperties[key] !== undefined &&
                    cfg.instances[brokers[j].id]?.properties?.[key] === undefined;
                problems.push({
                    key: shared ? `brokerProperties.${key}` : `instances.${brokers[j].id}.properties.${key}`,
                    value: b,
                    allowed: `a store path of its own: ${brokers[i].id} on ${host.name} uses ${a} (two brokers on one store: "Lock failed, MQ already started", or one commit log written by both)${shared ? `; set ${key} per instance (rocketmq:instances.ID.properties) or leave it under each broker's storePathRootDir` : ""}`,
                });
            }
        if (host.memoryMiB !== undefined) {
            const total =
                here.reduce((s, i) => s + jvmMemoryMiB(i), 0) +
                (plan.dashboardHostIndex === host.index ? (parseSizeMiB(cfg.dashboard.heap) ?? 0) : 0);
            if (total > host.memoryMiB)
                problems.push({
                    key: cfg.brokerHeap === "auto" ? "namesrvHeap" : "brokerHeap",
                    value: here.map((i) => `${i.id}=${formatSizeMiB(i.heapMiB)}`).join(" "),
                    allowed: `heaps that fit in ${host.name}'s ${host.memoryMiB} MiB (they add up to ${total} MiB, a broker counted twice: its heap and as much direct memory)`,
                });
        }
    }
}
