// Components composed by hand restart one at a time across the cluster when they share a
// RollChain (issue 14, defect 4): under mocks, the restart steps of examples/existing-hosts, and of
// random compositions of name servers, pairs and DLedger groups, form one chain (each step waits
// for exactly the one before it) in a safe order; misuse is refused before any child exists.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as ts from "typescript";
import { ComponentArgsError } from "../../components/args";
import { BrokerPair } from "../../components/brokerPair";
import { DLedgerGroup } from "../../components/dledgerGroup";
import { ExistingHosts } from "../../components/hosts/existingHosts";
import { RollChain } from "../../components/instanceService";
import { NameServerNode } from "../../components/nameServerNode";
import { RocketMqInstall } from "../../components/rocketmqInstall";

jest.setTimeout(120_000);

interface Registered {
    type: string;
    name: string;
    dependencies: string[];
}
const registered: Registered[] = [];

beforeAll(async () => {
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                const state: Record<string, unknown> = { ...args.inputs };
                if (args.type === "command:remote:Command") state.stdout = "cpus=2 memKiB=8388608\n";
                return { id: `${args.name}-id`, state };
            },
            call: () => ({}),
        },
        "example",
        "unit",
        false,
    );
    // The mock monitor does not hand dependencies to newResource: read them off the request.
    const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource: (req: unknown, cb: unknown) => unknown };
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: unknown, cb: unknown) => {
        const r = req as { getType(): string; getName(): string; getDependenciesList(): string[] };
        registered.push({ type: r.getType(), name: r.getName(), dependencies: r.getDependenciesList() });
        return original(req, cb);
    };
});

/** Lets every pending registration land. */
const settle = () => new Promise((res) => setTimeout(res, 100));
const byName = (name: string) => {
    const r = registered.find((x) => x.name === name);
    if (!r) throw new Error(`no resource ${name}`);
    return r;
};
const waitsFor = (a: string, b: string) => byName(a).dependencies.some((u) => u.endsWith(`::${b}`));

/**
 * The restart steps named, as registered, must form one chain: the first waits for no other step,
 * every other for exactly the one before it. Returns the steps in the order the graph imposes,
 * which must be `expected` (the order the caller declares safe).
 */
function chainOrder(steps: string[]): string[] {
    const set = new Set(steps);
    const preds = new Map(
        steps.map((s) => [
            s,
            byName(s)
                .dependencies.map((u) => u.split("::").pop()!)
                .filter((d) => set.has(d)),
        ]),
    );
    const roots = steps.filter((s) => preds.get(s)!.length === 0);
    expect(`roots: ${roots.join(" ")}`).toBe(`roots: ${roots[0]}`);
    const order = [roots[0]];
    for (;;) {
        const next = steps.filter((s) => preds.get(s)!.includes(order[order.length - 1]));
        if (next.length === 0) break;
        // Two steps after one: they would restart at the same time.
        expect(`after ${order[order.length - 1]}: ${next.join(" ")}`).toBe(`after ${order[order.length - 1]}: ${next[0]}`);
        expect(preds.get(next[0])).toEqual([order[order.length - 1]]);
        order.push(next[0]);
    }
    expect(order.length).toBe(steps.length);
    return order;
}

/** Runs examples/existing-hosts/index.ts against lib/ (as its tsconfig.check.json does). */
function runExample(source: string): void {
    const js = ts.transpileModule(source, {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    }).outputText;
    const lib = jest.requireActual("../../lib/index");
    // The example imports these two only; anything else is a new import this test must learn.
    const load = (m: string) => {
        if (m === "rocketmq-pulumi") return lib;
        if (m === "@pulumi/pulumi") return pulumi;
        throw new Error(`the example imports ${m}`);
    };
    new Function("require", "exports", "module", js)(load, {}, { exports: {} });
}

const EXAMPLE_ORDER = [
    "namesrv-worker1-roll",
    "namesrv-worker2-roll",
    "namesrv-worker3-roll",
    "broker-a-slave-roll",
    "broker-a-master-roll",
    "broker-b-slave-roll",
    "broker-b-master-roll",
];

describe("RollChain", () => {
    test("examples/existing-hosts: its 7 restart steps form one chain: name servers, then each pair's slave before its master", async () => {
        pulumi.runtime.setAllConfig(
            {
                "example:hosts": JSON.stringify(["192.0.2.11", "192.0.2.12", "192.0.2.13"]),
                "example:sha512": "c".repeat(128),
                "example:sshPrivateKey": "KEY",
                "example:brokerHeap": "768m",
            },
            ["example:sshPrivateKey"],
        );
        runExample(fs.readFileSync(path.join(__dirname, "..", "..", "examples", "existing-hosts", "index.ts"), "utf8"));
        await settle();
        const steps = registered.filter((r) => /-roll(-leader)?$/.test(r.name)).map((r) => r.name);
        expect([...steps].sort()).toEqual([...EXAMPLE_ORDER].sort());
        expect(chainOrder(steps)).toEqual(EXAMPLE_ORDER);
        // Each component's first step still waits for its own instances' staging, as a lone one's does.
        for (const w of ["worker1", "worker2", "worker3"]) expect(waitsFor(`namesrv-${w}-roll`, `namesrv-${w}-service`)).toBe(true);
        for (const g of ["broker-a", "broker-b"])
            for (const m of ["master", "slave"]) expect(waitsFor(`${g}-slave-roll`, `${g}-${m}`)).toBe(true);
    });

    test("random compositions: one chain, name servers first, each group's steps together, replicas and followers before the leader", async () => {
        // A small seeded generator: the same compositions every run, reported on failure.
        let seed = 14;
        const rand = (n: number) => {
            seed = (seed * 1103515245 + 12345) % 2 ** 31;
            return seed % n;
        };
        for (let run = 0; run < 12; run++) {
            const p = `r${run}`;
            const installs = threeInstalls(p);
            const chain = new RollChain();
            const expected: string[] = [];
            const namesrvs = 1 + rand(3);
            for (let i = 0; i < namesrvs; i++) {
                new NameServerNode(`${p}-ns${i}`, { install: installs[i], rollChain: chain });
                expected.push(`${p}-ns${i}-roll`);
            }
            const groups = 1 + rand(3);
            for (let g = 0; g < groups; g++) {
                const name = `${p}-g${g}`;
                const kind = rand(3);
                if (kind === 2) {
                    new DLedgerGroup(name, {
                        members: installs.map((install) => ({ install })),
                        nameServers: ["x:9876"],
                        rollChain: chain,
                    });
                    expected.push(
                        ...["n0", "n1", "n2"].map((n) => `${name}-${n}-roll`),
                        ...["n0", "n1", "n2"].map((n) => `${name}-${n}-roll-leader`),
                    );
                } else {
                    const m = rand(3);
                    const slave = kind === 1 ? { install: installs[(m + 1) % 3] } : undefined;
                    new BrokerPair(name, {
                        brokerName: name,
                        master: { install: installs[m] },
                        slave,
                        nameServers: ["x:9876"],
                        rollChain: chain,
                    });
                    expected.push(...(slave ? [`${name}-slave-roll`] : []), `${name}-master-roll`);
                }
            }
            await settle();
            const steps = registered.filter((r) => r.name.startsWith(`${p}-`) && /-roll(-leader)?$/.test(r.name)).map((r) => r.name);
            const order = chainOrder(steps);
            expect(`${p}: ${order.join(" ")}`).toBe(`${p}: ${expected.join(" ")}`);
            expect(chain.steps.length).toBe(expected.length);
            // The safe order, stated on its own (not only "the order the components were created"):
            const kinds = order.map((s) => (/-ns\d+-roll$/.test(s) ? "ns" : "broker"));
            expect(kinds.lastIndexOf("ns")).toBeLessThan(kinds.indexOf("broker") === -1 ? Infinity : kinds.indexOf("broker"));
            const groupOf = (s: string) => /-(g\d+)-/.exec(s)?.[1];
            const seen: string[] = [];
            for (const s of order.filter(groupOf)) if (seen[seen.length - 1] !== groupOf(s)) seen.push(groupOf(s)!);
            expect(new Set(seen).size).toBe(seen.length); // each group's steps run together
            for (const s of order.filter((x) => x.endsWith("-slave-roll")))
                expect(order.indexOf(s)).toBeLessThan(order.indexOf(s.replace("-slave-roll", "-master-roll")));
            for (const s of order.filter((x) => x.endsWith("-roll-leader")))
                expect(order.indexOf(s)).toBeGreaterThan(order.indexOf(s.replace(/n\d-roll-leader$/, "n2-roll")));
        }
    });

    test("without a chain the example's components roll side by side (what the chain prevents)", async () => {
        const installs = threeInstalls("solo");
        installs.forEach((install, i) => new NameServerNode(`solo-ns${i}`, { install }));
        await settle();
        // No name server's restart waits for another's: all three would restart at once.
        for (const a of [0, 1, 2]) for (const b of [0, 1, 2]) expect(waitsFor(`solo-ns${a}-roll`, `solo-ns${b}-roll`)).toBe(false);
    });

    test("misuse is refused naming rollChain, before any child exists", () => {
        const installs = threeInstalls("bad");
        const chain = new RollChain();
        new NameServerNode("bad-ns0", { install: installs[0], rollChain: chain });
        new BrokerPair("bad-a", { brokerName: "bad-a", master: { install: installs[1] }, nameServers: ["x:9876"], rollChain: chain });
        const before = registered.length;
        const refused = (f: () => unknown): string => {
            try {
                f();
            } catch (e) {
                expect(e).toBeInstanceOf(ComponentArgsError);
                return (e as Error).message;
            }
            throw new Error("not refused");
        };
        expect(refused(() => new NameServerNode("bad-ns1", { install: installs[1], rollChain: chain }))).toContain(
            'args.rollChain = "a RollChain BrokerPair bad-a joined already": name servers join before any broker group: create the NameServerNodes first',
        );
        expect(
            refused(
                () =>
                    new BrokerPair("bad-b", {
                        brokerName: "bad-b",
                        master: { install: installs[2] },
                        nameServers: ["x:9876"],
                        rollingRestart: false,
                        rollChain: chain,
                    }),
            ),
        ).toContain("args.rollChain");
        expect(
            refused(
                () =>
                    new DLedgerGroup("bad-d", {
                        members: installs.map((install) => ({ install })),
                        nameServers: ["x:9876"],
                        rollChain: {} as RollChain,
                    }),
            ),
        ).toContain('args.rollChain = "object": a RollChain');
        expect(
            refused(() => new NameServerNode("bad-ns2", { install: installs[2], rollingRestart: false, rollChain: new RollChain() })),
        ).toContain("no rollChain with rollingRestart false");
        // Only the refused components themselves were registered, no child; the chain is as it was.
        expect(registered.slice(before).every((r) => r.type.startsWith("rocketmq:index:"))).toBe(true);
        expect(chain.members).toEqual(["NameServerNode bad-ns0", "BrokerPair bad-a"]);
    });
});

function threeInstalls(prefix: string): RocketMqInstall[] {
    const { hosts } = new ExistingHosts(`${prefix}-hosts`, {
        privateKey: "KEY",
        hosts: [1, 2, 3].map((i) => ({ name: `node${i}`, host: `198.51.100.${i}` })),
    });
    return hosts.map(
        (host) => new RocketMqInstall(`${prefix}-${host.name}-install`, { host, sha512: "b".repeat(128), nameServers: ["x:9876"] }),
    );
}
