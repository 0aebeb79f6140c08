// The components on their own, as another Pulumi program uses them (under mocks): what a
// BrokerPair, a NameServerNode and a DLedgerGroup create from their narrow args and defaults, the
// order of a pair's own rolling restart, and args refused before any child exists.
import * as pulumi from "@pulumi/pulumi";
import { ComponentArgsError, checkResolved } from "../../components/args";
import { BrokerPair } from "../../components/brokerPair";
import { DLedgerGroup } from "../../components/dledgerGroup";
import { ExistingHosts } from "../../components/hosts/existingHosts";
import { NameServerNode } from "../../components/nameServerNode";
import { RocketMqInstall } from "../../components/rocketmqInstall";

interface Registered {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
}
const registered: Registered[] = [];

beforeAll(async () => {
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                registered.push({ type: args.type, name: args.name, inputs: args.inputs });
                const state: Record<string, unknown> = { ...args.inputs };
                if (args.type === "command:remote:Command") state.stdout = "cpus=4 memKiB=16777216\n";
                return { id: `${args.name}-id`, state };
            },
            call: () => ({}),
        },
        "example",
        "unit",
        false,
    );
});

const SHA = "b".repeat(128);
const resolve = <T>(o: pulumi.Output<T>) => new Promise<T>((res) => o.apply(res));
/** The registered inputs of a child, once every registration has landed. */
async function child(name: string): Promise<Record<string, unknown>> {
    await new Promise((res) => setTimeout(res, 50));
    const r = registered.find((x) => x.name === name);
    if (!r) throw new Error(`no resource ${name}; have ${registered.map((x) => x.name).join(", ")}`);
    return r.inputs;
}

function installs(prefix: string): RocketMqInstall[] {
    const hosts = new ExistingHosts(`${prefix}-hosts`, {
        privateKey: "KEY",
        hosts: [1, 2, 3].map((i) => ({
            name: `node${i}`,
            host: `198.51.100.${i}`,
            port: 22,
            user: "root",
            privateAddress: `10.1.0.${i}`,
            clientAddress: `198.51.100.${i}`,
        })),
    }).hosts;
    const nameServers = hosts.map((h) => pulumi.interpolate`${h.privateAddress}:9876`);
    return hosts.map((host) => new RocketMqInstall(`${prefix}-${host.name}-install`, { host, sha512: SHA, nameServers }));
}

describe("components on their own", () => {
    test("BrokerPair with defaults: master and slave on their hosts, the slave rolls first", async () => {
        const [, i2, i3] = installs("bp");
        const pair = new BrokerPair("orders-a", {
            brokerName: "orders-a",
            master: { install: i2 },
            slave: { install: i3 },
            nameServers: ["10.1.0.1:9876", "10.1.0.2:9876"],
        });
        expect(pair.services).toHaveLength(2);
        expect(await resolve(pair.addresses[0])).toBe("198.51.100.2:10911");
        const master = String((await child("orders-a-master")).stdin);
        expect(master).toContain("brokerName=orders-a\n");
        expect(master).toContain("brokerRole=ASYNC_MASTER\n");
        expect(master).toContain("namesrvAddr=10.1.0.1:9876;10.1.0.2:9876\n");
        expect(master).toContain("brokerIP1=198.51.100.2\nbrokerIP2=10.1.0.2\n");
        expect(master).toContain("storePathRootDir=/app/rocketmq/store\n");
        expect(master).toContain("-Xmx1g");
        // sendMessageThreadPoolNums from the cores the host reported.
        expect(master).toContain("sendMessageThreadPoolNums=4\n");
        const slave = String((await child("orders-a-slave")).stdin);
        expect(slave).toContain("listenPort=11011\n");
        expect(slave).toContain("storePathRootDir=/app/rocketmq/storeSlave\n");
        expect(String((await child("orders-a-slave-roll")).stdin)).toContain("--follows 198.51.100.2:10911");
        expect(String((await child("orders-a-master-roll")).stdin)).toContain("--leads 198.51.100.3:11011");
        expect(pair.rollingRestarts.map((r) => r.urn)).toHaveLength(2);
        const [first, second] = await Promise.all(pair.rollingRestarts.map((r) => resolve(r.urn)));
        expect([first.endsWith("orders-a-slave-roll"), second.endsWith("orders-a-master-roll")]).toEqual([true, true]);
    });

    test("NameServerNode: default id, heap and its own restart step; none with rollingRestart false", async () => {
        const [i1, i2] = installs("ns");
        const ns = new NameServerNode("ns1", { install: i1 });
        expect(String((await child("ns1-service")).stdin)).toContain("# namesrv-node1: name server");
        expect(String((await child("ns1-service")).stdin)).toContain("-Xmx512m");
        expect(ns.rollingRestart).toBeDefined();
        expect(await resolve(ns.address)).toBe("198.51.100.1:9876");
        const quiet = new NameServerNode("ns2", { install: i2, heap: "1g", rollingRestart: false });
        expect(quiet.rollingRestart).toBeUndefined();
        expect(String((await child("ns2-service")).stdin)).toContain("-Xmx1g");
    });

    test("DLedgerGroup: three members, peers by host name, a second pass for the leader", async () => {
        const all = installs("dl");
        const group = new DLedgerGroup("raft", { members: all.map((install) => ({ install })), nameServers: ["10.1.0.1:9876"] });
        expect(group.services).toHaveLength(3);
        expect(group.rollingRestarts).toHaveLength(6);
        const n1 = String((await child("raft-n1")).stdin);
        expect(n1).toContain("dLegerPeers=n0-node1:40911;n1-node2:40911;n2-node3:40911\n");
        expect(n1).toContain("dLegerSelfId=n1\n");
        expect(String((await child("raft-n2-roll-leader")).stdin)).toContain("second pass");
    });

    test("bad args are refused naming the property, before any child exists", () => {
        const [i1, i2, i3] = installs("bad");
        const before = registered.length;
        let err: unknown;
        try {
            new BrokerPair("broken", {
                brokerName: "has space",
                master: { install: i2, heap: "1x", listenPort: 80, properties: { brokerRole: "SLAVE", noSuchKey: "1" } },
                slave: { install: i2 },
                nameServers: [],
            });
        } catch (e) {
            err = e;
        }
        expect(err).toBeInstanceOf(ComponentArgsError);
        const msg = (err as Error).message;
        expect(msg).toContain("invalid arguments to BrokerPair broken");
        for (const p of [
            'args.brokerName = "has space"',
            'args.master.heap = "1x"',
            "args.master.listenPort = 80",
            "args.master.properties.brokerRole",
            "args.master.properties.noSuchKey",
            'args.slave.install = "node2": a host other than the master\'s',
            "args.nameServers = []",
        ])
            expect(msg).toContain(p);
        expect(() => new DLedgerGroup("two", { members: [{ install: i1 }, { install: i3 }], nameServers: ["x:9876"] })).toThrow(
            "args.members = 2: three members",
        );
        expect(() => new RocketMqInstall("nosha", { host: i1.host, nameServers: ["x:9876"], version: "9.9.9" as never })).toThrow(
            /args\.version = "9\.9\.9".*\n.*args\.sha512 = \(not set\): required \(with localArchive too\)/,
        );
        expect(() => new NameServerNode("tiny", { install: i1, heap: "8m" })).toThrow('args.heap = "8m"');
        // Strings that would reach a root script: refused by the component, or once known (Outputs).
        expect(
            () => new BrokerPair("evil", { brokerName: "e", master: { install: i2, id: "a b" }, nameServers: ["x;reboot:9876"] }),
        ).toThrow(/args\.nameServers\[0\] = "x;reboot:9876": host:port.*\n.*args\.master\.id = "a b"/);
        expect(() => new RocketMqInstall("evilns", { host: i1.host, sha512: SHA, nameServers: ["$(reboot):9876"] })).toThrow(
            'args.nameServers[0] = "$(reboot):9876"',
        );
        expect(() => new RocketMqInstall("evilhost", { host: { ...i1.host, name: "a;b" }, sha512: SHA, nameServers: ["x:9876"] })).toThrow(
            'args.host.name = "a;b"',
        );
        // Only the component resources themselves were registered, no child of theirs.
        const added = registered.slice(before).map((r) => r.type);
        expect(added.every((t) => t.startsWith("rocketmq:index:"))).toBe(true);
    });

    test("strings known only at deploy time are checked the same way, when the script is rendered", () => {
        // The components call checkResolved inside the apply that renders a script from an Output
        // (name servers, /etc/hosts entries): the deployment fails there, before any host runs it.
        const late = (v: string) => () => checkResolved("BrokerPair late", (c) => c.nameServer("nameServers[0]", v));
        expect(late("x`id`:9876")).toThrow('invalid arguments to BrokerPair late (1 problem):\n  - args.nameServers[0] = "x`id`:9876"');
        for (const bad of ["x:0", "x:99999", "x", "a b:9876", "-x:9876"]) expect(late(bad)).toThrow(ComponentArgsError);
        for (const good of ["10.0.0.1:9876", "worker1:9876", "ns-1.example.org:19876"]) expect(late(good)).not.toThrow();
    });
});
