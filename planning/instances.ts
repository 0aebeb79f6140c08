// Every instance of a plan: name servers first, then each group's members (what sizing, the
// topology's checks and the scripts walk). Apart from topology.ts, which imports sizing.ts, so that
// sizing can walk the plan without an import cycle.
import type { BrokerPlan, ClusterPlan, InstancePlan } from "./topology";

export function allBrokers(plan: ClusterPlan): BrokerPlan[] {
    return plan.groups.flatMap((g) => g.members);
}

export function allInstances(plan: ClusterPlan): InstancePlan[] {
    return [...plan.nameServers, ...allBrokers(plan)];
}

/** What an instance is, in words: "name server", "broker-a master (ASYNC_MASTER)", "DLedger node n0 of RaftNode00". */
export function describe(inst: InstancePlan): string {
    if (inst.kind === "namesrv") return "name server";
    if (inst.dledger) return `DLedger node ${inst.dledger.selfId} of ${inst.brokerName}`;
    return inst.brokerId === 0 ? `${inst.brokerName} master (${inst.role})` : `${inst.brokerName} slave`;
}
