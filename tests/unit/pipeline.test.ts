// One pipeline: in the program, every instance's deploy, its roll steps and its recovery are
// rendered from the one spec its component made (RocketMqCluster.specs). The unit tests rebuild
// specs from the plan (render.ts specOf); this checks, for the whole program under mocks, that what
// they render is exactly what the program runs, so the two cannot drift apart unnoticed.
import { validateConfig } from "../../config/validate";
import { RawConfig } from "../../config/validate";
import { contextFromFacts } from "../../planning/context";
import { instanceDeployScript, instanceEnsureScript } from "../../planning/instanceScripts";
import { rollPeers, rollScript, rollingOrder } from "../../planning/rolling";
import { allInstances, planCluster } from "../../planning/topology";
import { existingRaw } from "./fixtures";
import { Registered, SECRET_SIG, runProgram } from "./programHarness";
import { specOf } from "./render";

jest.setTimeout(300_000);

const plain = (v: unknown): unknown =>
    v !== null && typeof v === "object" && SECRET_SIG in (v as object) ? (v as { value: unknown }).value : v;
const stdinOf = (r: Registered) => String(plain(r.inputs.stdin) ?? "");

const CONFIGS: Record<string, RawConfig> = {
    "2m-2s-async": existingRaw(),
    dledger: existingRaw({ topology: "dledger" }),
    "2m-noslave, 4.9.7": existingRaw({ topology: "2m-noslave", version: "4.9.7" }),
    "auth, overrides, auto heaps": existingRaw({
        authEnabled: "true",
        brokerHeap: "auto",
        brokerProperties: JSON.stringify({ sendMessageThreadPoolNums: "8" }),
        instances: JSON.stringify({ "broker-b-s": { heap: "768m", properties: { flushDiskType: "SYNC_FLUSH" } } }),
    }),
};

describe("what the unit tests render is what the program runs (one pipeline)", () => {
    test.each(Object.keys(CONFIGS))("%s: every deploy, roll step and recovery script", async (label) => {
        const raw = CONFIGS[label];
        const { resources } = await runProgram(raw, undefined, true);
        const cfg = validateConfig(raw);
        // As the program sees the hosts under mocks: the config's addresses, 2 cores and 8 GiB each.
        const ctx = contextFromFacts(
            cfg,
            planCluster(cfg),
            cfg.existingHosts.map((h) => {
                const privateAddress = h.privateAddress ?? h.host;
                return { privateAddress, clientAddress: h.clientAddress ?? privateAddress, cpus: 2, memoryMiB: 8192 };
            }),
        );
        const byName = new Map(resources.map((r) => [r.name, r]));
        const deploys = resources.filter(
            (r) => /\nid=\S+\ndir=\$root\/instances\/\$id\n/.test(stdinOf(r)) && !stdinOf(r).includes("\nid=dashboard\n"),
        );
        expect(deploys.map((r) => /\nid=(\S+)\n/.exec(stdinOf(r))![1]).sort()).toEqual(
            allInstances(ctx.plan)
                .map((i) => i.id)
                .sort(),
        );
        for (const r of deploys) {
            const id = /\nid=(\S+)\n/.exec(stdinOf(r))![1];
            expect([id, stdinOf(r)]).toEqual([id, instanceDeployScript(specOf(ctx, id))]);
        }
        for (const step of rollingOrder(ctx.plan)) {
            const name = `rmq-unit-${step.inst.id}-roll${step.finish ? "-leader" : ""}`;
            const r = byName.get(name);
            expect([name, r === undefined]).toEqual([name, false]);
            expect([name, stdinOf(r!)]).toEqual([name, rollScript(specOf(ctx, step.inst.id), step.finish, rollPeers(ctx, step.inst))]);
        }
        for (const inst of allInstances(ctx.plan)) {
            const r = byName.get(`rmq-unit-${inst.id}-running`)!;
            expect([inst.id, plain(r.inputs.script)]).toEqual([inst.id, instanceEnsureScript(cfg, { spec: specOf(ctx, inst.id) })]);
        }
    });
});
