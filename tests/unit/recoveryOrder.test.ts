// Recovery (`pulumi up --refresh`) brings instances back one at a time: each InstanceRunning depends on
// the one before it in recoveryOrder (name servers, then per group replicas before the master), so
// two members of a group are never started or restarted together.
import * as pulumi from "@pulumi/pulumi";
import { recoveryOrder } from "../../planning/rolling";
import { existingRaw } from "./fixtures";
import { specOf } from "./render";
import { contextOf } from "./scripts";

interface Made {
    name: string;
    dependsOn: { name?: string }[];
}
const made: Made[] = [];
jest.mock("../../components/instanceRunning", () => ({
    InstanceRunning: class {
        name: string;
        dependsOn: { name?: string }[];
        constructor(name: string, _args: unknown, opts: { dependsOn: { name?: string }[] }) {
            this.name = name;
            this.dependsOn = opts.dependsOn;
            made.push(this);
        }
    },
}));

import { instancesRunning } from "../../components/clusterRecovery";

/** The InstanceRunning names, and for each the recovery resources it depends on. */
function wiring(topology: string): { order: string[]; after: Record<string, string[]> } {
    made.length = 0;
    const ctx = contextOf(existingRaw({ topology }));
    const plan = ctx.plan;
    const tag = (label: string) => ({ label }) as unknown as pulumi.CustomResource;
    const hosts = ctx.hosts.map((h) => ({ name: h.name, connection: { host: h.privateAddress }, machine: undefined }));
    const ids = recoveryOrder(plan).map((i) => i.id);
    const services = Object.fromEntries(ids.map((id) => [id, tag(`service ${id}`)]));
    const rolls = Array.from({ length: 2 * ids.length }, (_, i) => tag(`roll ${i}`));
    instancesRunning(
        tag("parent"),
        "rmq",
        { config: ctx.cfg, plan, hosts: hosts as never },
        pulumi.output(ctx),
        services as never,
        rolls as never,
        undefined,
        Object.fromEntries(ids.map((id) => [id, pulumi.output(specOf(ctx, id))])),
    );
    // Of each one's dependencies, the other recovery resources (services and roll steps are tags).
    const after: Record<string, string[]> = {};
    for (const m of made) after[m.name] = m.dependsOn.flatMap((d) => (d.name ? [d.name] : []));
    return { order: made.map((m) => m.name), after };
}

describe("recovery order", () => {
    test("2m-2s: name servers, then each slave before its master, each after the previous one", () => {
        expect(recoveryOrder(contextOf(existingRaw()).plan).map((i) => i.id)).toEqual([
            "namesrv-worker1",
            "namesrv-worker2",
            "namesrv-worker3",
            "broker-a-s",
            "broker-a",
            "broker-b-s",
            "broker-b",
        ]);
        const w = wiring("2m-2s-async");
        expect(w.order).toEqual(recoveryOrder(contextOf(existingRaw()).plan).map((i) => `rmq-${i.id}-running`));
        // Every one but the first waits for exactly one other recovery resource: the one before it.
        w.order.forEach((name, i) => expect(w.after[name]).toEqual(i === 0 ? [] : [w.order[i - 1]]));
    });

    test("dledger: the members one at a time, each once", () => {
        const w = wiring("dledger");
        expect(w.order.slice(3)).toEqual(["rmq-n0-running", "rmq-n1-running", "rmq-n2-running"]);
        w.order.forEach((name, i) => expect(w.after[name]).toEqual(i === 0 ? [] : [w.order[i - 1]]));
    });
});
