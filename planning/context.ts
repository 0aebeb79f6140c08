// The render context once hosts exist: their cluster addresses and the sizes read from them.
import { ClusterConfig, ExistingHostSpec } from "../config/schema";
import { RenderContext } from "./render";
import { planCluster } from "./topology";

export interface HostFacts {
    privateAddress: string;
    clientAddress: string;
    cpus: number;
    memoryMiB: number;
}

/**
 * Sizes read from the hosts fill what the config did not say, and the plan is made again with
 * them: same instances, better heaps and thread counts; a heap that does not fit fails here,
 * before any instance is touched.
 */
export function contextFromFacts(cfg: ClusterConfig, names: string[], facts: HostFacts[]): RenderContext {
    const sized: ClusterConfig =
        cfg.hostMode === "existing"
            ? {
                  ...cfg,
                  existingHosts: cfg.existingHosts.map(
                      (h, i): ExistingHostSpec => ({ ...h, memoryMiB: h.memoryMiB ?? facts[i].memoryMiB, cpus: h.cpus ?? facts[i].cpus }),
                  ),
              }
            : cfg;
    const plan = planCluster(sized);
    return {
        cfg: sized,
        plan,
        hosts: facts.map((f, i) => ({
            name: names[i],
            privateAddress: f.privateAddress,
            clientAddress: f.clientAddress,
            cpus: plan.hosts[i].cpus ?? f.cpus,
            memoryMiB: plan.hosts[i].memoryMiB ?? f.memoryMiB,
        })),
    };
}
