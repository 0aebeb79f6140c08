// The package's library entry (lib/index.ts, package.json "exports"): what it exports, and
// ExistingHosts' defaults for library users, under Pulumi mocks.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

jest.setTimeout(60_000);

const root = path.join(__dirname, "..", "..");

/** Resources registered under mocks: type, name and inputs. */
const registered: { type: string; name: string; inputs: Record<string, unknown> }[] = [];

beforeAll(async () => {
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                registered.push({ type: args.type, name: args.name, inputs: args.inputs });
                const state: Record<string, unknown> = { ...args.inputs };
                if (args.type === "command:remote:Command") state.stdout = "cpus=2 memKiB=8388608\n";
                return { id: `${args.name}-id`, state };
            },
            call: () => ({}),
        },
        "library",
        "unit",
        false,
    );
});

const value = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((resolve) => o.apply(resolve));

describe("lib/index.ts", () => {
    test("exports the components, the error, the defaults and the versions", async () => {
        const lib = await import("../../lib/index");
        for (const name of [
            "NameServerNode",
            "BrokerPair",
            "DLedgerGroup",
            "OsTuning",
            "RocketMqInstall",
            "RocketMqCluster",
            "ExistingHosts",
            "AwsHosts",
            "ComponentArgsError",
        ])
            expect(typeof (lib as Record<string, unknown>)[name]).toBe("function");
        expect(lib.DEFAULTS.version).toBe(lib.DEFAULT_VERSION);
        expect(lib.SUPPORTED_VERSIONS).toContain(lib.DEFAULT_VERSION);
        expect(lib.NAMESRV_PORT).toBe(9876);
    });

    test("package.json: the stack stays the program, the library is what importers get", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
        expect(pkg.main).toBe("index.ts");
        expect(pkg.private).toBe(true);
        expect(pkg.exports["."]).toEqual({ types: "./dist/lib/index.d.ts", default: "./dist/lib/index.js" });
        expect(pkg.types).toBe("dist/lib/index.d.ts");
        expect(pkg.files).toEqual(expect.arrayContaining(["dist/", "tools/"]));
        expect(pkg.scripts.prepack).toContain("build:lib");
        // The nodejs runtime runs "exports" rather than "main" when Pulumi.yaml names no program.
        expect(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")).toMatch(/^main: index\.ts$/m);
    });
});

describe("ExistingHosts", () => {
    test("port, user, privateAddress and clientAddress default to 22, root, host and privateAddress", async () => {
        const { ExistingHosts } = await import("../../lib/index");
        const { hosts } = new ExistingHosts("lib-defaults", {
            hosts: [
                { name: "worker1", host: "192.0.2.11" },
                { name: "worker2", host: "192.0.2.12", port: 2222, user: "admin", privateAddress: "10.0.0.12" },
                { name: "worker3", host: "192.0.2.13", privateAddress: "10.0.0.13", clientAddress: "203.0.113.13" },
            ],
            privateKey: pulumi.secret("KEY"),
        });
        const seen = await Promise.all(
            hosts.map(async (h) => ({
                user: h.user,
                privateAddress: await value(h.privateAddress),
                clientAddress: await value(h.clientAddress),
                ssh: await value(h.sshCommand),
            })),
        );
        expect(seen).toEqual([
            { user: "root", privateAddress: "192.0.2.11", clientAddress: "192.0.2.11", ssh: "ssh -p 22 root@192.0.2.11" },
            { user: "admin", privateAddress: "10.0.0.12", clientAddress: "10.0.0.12", ssh: "ssh -p 2222 admin@192.0.2.12" },
            { user: "root", privateAddress: "10.0.0.13", clientAddress: "203.0.113.13", ssh: "ssh -p 22 root@192.0.2.13" },
        ]);
        await value(hosts[2].facts);
        // A secret input arrives as { <secret signature>: ..., value }.
        const input = registered.find((r) => r.name === "lib-defaults-worker1-ssh")!.inputs.connection as {
            value: Record<string, unknown>;
        };
        const conn = input.value;
        expect({ host: conn.host, port: conn.port, user: conn.user }).toEqual({ host: "192.0.2.11", port: 22, user: "root" });
    });

    test("reports every bad host field at once, naming the property", async () => {
        const { ComponentArgsError, ExistingHosts } = await import("../../lib/index");
        const make = () =>
            new ExistingHosts("lib-bad", {
                hosts: [
                    { name: "Worker1", host: "192.0.2.11", port: 0 },
                    { name: "worker2", host: "bad host;", user: "no body" },
                    { name: "worker2", host: "192.0.2.13", clientAddress: "$(id)" },
                ],
                privateKey: "KEY",
            });
        expect(make).toThrow(ComponentArgsError);
        let message = "";
        try {
            make();
        } catch (e) {
            message = (e as Error).message;
        }
        for (const property of [
            "hosts[0].name",
            "hosts[0].port",
            "hosts[1].host",
            "hosts[1].user",
            "hosts[2].clientAddress",
            "args.hosts = [",
        ])
            expect(message).toContain(property);
        expect(message).toMatch(/^invalid arguments to ExistingHosts lib-bad \(6 problems\)/);
    });
});

describe("BrokerPair", () => {
    test("a slave on the master's host is refused before anything is created, as docs/api.md shows", async () => {
        const { BrokerPair, ExistingHosts, RocketMqInstall } = await import("../../lib/index");
        const { hosts } = new ExistingHosts("lib-pair", { hosts: [{ name: "worker2", host: "192.0.2.12" }], privateKey: "KEY" });
        const install = new RocketMqInstall("lib-pair-install", {
            host: hosts[0],
            sha512: "a".repeat(128),
            nameServers: ["192.0.2.11:9876"],
        });
        expect(
            () =>
                new BrokerPair("broker-a", {
                    nameServers: ["192.0.2.11:9876"],
                    brokerName: "broker-a",
                    master: { install },
                    slave: { install },
                }),
        ).toThrow(
            'invalid arguments to BrokerPair broker-a (1 problem):\n  - args.slave.install = "worker2": a host other than the master\'s',
        );
        const apiDoc = fs.readFileSync(path.join(root, "docs", "api.md"), "utf8");
        expect(apiDoc).toContain(
            'error: invalid arguments to BrokerPair broker-a (1 problem):\n    - args.slave.install = "worker2": a host other than the master\'s',
        );
    });
});
