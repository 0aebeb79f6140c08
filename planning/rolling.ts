// Rolling restarts, planned as pure functions. A change to a running cluster only stages each
// instance's new files; the instances are then restarted one at a time in this order: name servers,
// then per broker group its replicas before its master, and in a DLedger group the followers first
// and the leader (found at update time, on the hosts) last. Each step is gated on health and on
// replication catching up. A fresh deploy has nothing to protect and starts instances in parallel.
import * as crypto from "crypto";
import type { RenderContext } from "./context";
import { rocketmqRoot } from "./installation";
import { InstanceSpec } from "./instanceFiles";
import { instanceDeployScript } from "./instanceScripts";
import { render } from "./templates";
import { BrokerPlan, ClusterPlan, InstancePlan, NAMESRV_PORT } from "./topology";

/** A replica may trail the broker it follows by this much and still count as caught up. */
export const CATCH_UP_BOUND_BYTES = 4 * 1024 * 1024;

export interface RollStep {
    inst: InstancePlan;
    /** Second pass of a DLedger group: restarts the member that was leader during the first. */
    finish: boolean;
}

/** Every instance's turn, in order. DLedger groups get a second pass for their leader. */
export function rollingOrder(plan: ClusterPlan): RollStep[] {
    const steps: RollStep[] = plan.nameServers.map((inst) => ({ inst, finish: false }));
    for (const group of plan.groups) {
        if (group.kind === "dledger") {
            steps.push(...group.members.map((inst) => ({ inst, finish: false })));
            steps.push(...group.members.map((inst) => ({ inst, finish: true })));
        } else {
            const replicas = group.members.filter((m) => m.brokerId !== 0);
            const masters = group.members.filter((m) => m.brokerId === 0);
            steps.push(...[...replicas, ...masters].map((inst) => ({ inst, finish: false })));
        }
    }
    return steps;
}

/**
 * The order in which recovery (`pulumi up --refresh`) brings instances back, one at a time: the
 * rolling order without its second pass. Name servers first; per group the replicas before the
 * master, so an instance that runs but must be restarted under a supervisor never goes down with
 * its peer (both members of a pair, two DLedger members at once).
 */
export function recoveryOrder(plan: ClusterPlan): InstancePlan[] {
    return rollingOrder(plan)
        .filter((s) => !s.finish)
        .map((s) => s.inst);
}

/**
 * The brokers a broker's roll depends on: the replica it waits for (a master's), the broker it must
 * catch up with (a slave's), and before the restart those that must answer (rmq-roll refuses it
 * otherwise).
 */
export interface RollPeers {
    /** A slave follows its master's `address:port`. */
    follows?: string;
    /** A master leads its slave's `address:port`. */
    leads?: string;
    /** A master: the other groups' masters; one must answer, or its restart leaves no writable master. */
    masters?: { id: string; address: string }[];
}

function brokerAddress(ctx: RenderContext, b: BrokerPlan): string {
    return `${ctx.hosts[b.hostIndex].clientAddress}:${b.listenPort}`;
}

/** In a planned cluster: the master or slave of the same broker group. */
export function rollPeers(ctx: RenderContext, inst: InstancePlan): RollPeers {
    if (inst.kind !== "broker" || inst.dledger) return {};
    const group = ctx.plan.groups.find((g) => g.brokerName === inst.brokerName);
    const master = group?.members.find((m) => m.brokerId === 0);
    const replica = group?.members.find((m) => m.brokerId !== 0);
    if (inst.brokerId !== 0 && master) return { follows: brokerAddress(ctx, master) };
    if (inst.brokerId !== 0) return {};
    const masters = ctx.plan.groups
        .filter((g) => g.brokerName !== inst.brokerName)
        .flatMap((g) => g.members.filter((m) => m.brokerId === 0))
        .map((m) => ({ id: m.id, address: brokerAddress(ctx, m) }));
    return { ...(replica ? { leads: brokerAddress(ctx, replica) } : {}), ...(masters.length > 0 ? { masters } : {}) };
}

/** rmq-roll's options for one step. */
export function rollArgs(spec: InstanceSpec, finish: boolean, peers: RollPeers): string[] {
    const inst = spec.instance;
    const timeout = String(spec.installation.startTimeoutSeconds);
    // A name server is named in the list the hosts' tools dial as HOST:9876 (planning/topology).
    if (inst.kind === "namesrv") return [inst.id, timeout, String(NAMESRV_PORT), "--namesrv", `${spec.host.name}:${NAMESRV_PORT}`];
    const addr = `${spec.host.clientAddress}:${inst.listenPort}`;
    const args = [inst.id, timeout, String(inst.listenPort), "--broker", inst.brokerName];
    if (inst.dledger) {
        args.push("'*'", addr, "--follows", "dledger");
        // The peers' list holds ';': quoted for the shell (ids and host names are checked words).
        args.push("--dledger", inst.dledger.selfId, `'${inst.dledger.peers}'`);
        if (!finish) args.push("--defer-leader");
    } else {
        args.push(String(inst.brokerId), addr);
        if (peers.follows) args.push("--follows", peers.follows);
        if (peers.leads) args.push("--leads", peers.leads);
        for (const m of peers.masters ?? []) args.push("--master", m.id, m.address);
    }
    args.push("--bound", String(CATCH_UP_BOUND_BYTES));
    return args;
}

/** Fingerprint of what an instance runs: its roll step changes (and runs) exactly when this does. */
export function instanceRevision(spec: InstanceSpec): string {
    return crypto.createHash("sha256").update(instanceDeployScript(spec)).digest("hex").slice(0, 16);
}

/** The script of one roll step; its text carries the instance's revision. */
export function rollScript(spec: InstanceSpec, finish: boolean, peers: RollPeers): string {
    return render("host/instance-roll.sh.mustache", {
        id: spec.instance.id,
        pass: finish ? "second pass: the leader of the first" : "first pass",
        revision: instanceRevision(spec),
        rocketmqRoot: rocketmqRoot(spec.installation),
        args: rollArgs(spec, finish, peers).join(" "),
    });
}
