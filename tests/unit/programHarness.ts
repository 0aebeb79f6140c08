// The whole program (index.ts) under Pulumi mocks, for the unit tests that need every resource it
// registers: program.test.ts (which resources exist) and changes.test.ts (what a key's change does).
import * as pulumi from "@pulumi/pulumi";
import { PRINT_HOST_KEYS } from "../../components/hosts/hostKeys";

export const PRIVATE_KEY =
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ-UNIT-TEST-KEY\n-----END OPENSSH PRIVATE KEY-----";
export const PASSWORD = "MockedDashboardPassw0rd42";
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";

export interface Registered {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
    raw: string;
    dependencies: string[];
    /** URN of the parent resource. */
    parent: string;
    /** Resource options as the engine would receive them. */
    options: { protect: boolean; retainOnDelete: boolean; ignoreChanges: string[]; deleteBeforeReplace: boolean; aliases: string[] };
}

/** What each address offers to the host-key gate's scan (none: unreachable); the hosts scanned. */
export const hostKeyScans: { offered: Record<string, string[]>; scanned: string[] } = { offered: {}, scanned: [] };
/** The public host key lines an AWS host prints on first contact (its ed25519 key is pinned). */
const awsHostKeys = (name: string) =>
    `ecdsa-sha2-nistp256 AAAAE2VjZHNh${name.replace(/[^A-Za-z0-9]/g, "")} root@x\nssh-ed25519 AAAAC3NzaC1lZDI1${name.replace(/[^A-Za-z0-9]/g, "")} root@x\n`;

/** Resources of the latest run, kept even when the program throws. */
export const lastRun: { resources: Registered[] } = { resources: [] };

export async function runProgram(
    raw: Record<string, unknown>,
    /** The stack's outputs from the last deploy (a string: its `version` alone; undefined: none yet). */
    deployed?: string | Record<string, unknown>,
    /** Reuse the modules the previous run loaded (much faster; the program is a function of its config). */
    keepModules = false,
    /** The program to run instead of index.ts (loaded after the mocks are set: import inside it). */
    program?: () => Promise<Record<string, unknown>>,
): Promise<{ resources: Registered[]; outputs: Record<string, unknown>; exported: Record<string, unknown>; logs: string[] }> {
    if (!keepModules) jest.resetModules();
    // Without an engine, pulumi.log prints to the console: keep it as the run's diagnostics.
    const logs: string[] = [];
    const consoleLog = jest.spyOn(console, "log").mockImplementation((...args: unknown[]) => void logs.push(args.join(" ")));
    const p = await import("@pulumi/pulumi");
    // The program's own copy (after resetModules): its host-key gate never reaches the network here.
    hostKeyScans.scanned = [];
    (await import("../../components/hosts/hostKeys")).hostKeyScanner.scan = async (host) => {
        hostKeyScans.scanned.push(host);
        return hostKeyScans.offered[host] ?? [];
    };
    const resources: Registered[] = (lastRun.resources = []);
    await p.runtime.setMocks(
        {
            newResource: (args) => {
                const state: Record<string, unknown> = { ...args.inputs };
                if (args.type === "command:remote:Command")
                    state.stdout = args.inputs.create === PRINT_HOST_KEYS ? awsHostKeys(args.name) : "cpus=2 memKiB=8388608\n";
                if (args.type === "aws:ec2/eip:Eip") {
                    state.publicIp = `203.0.113.${resources.length}`;
                    state.publicDns = `ec2-203-0-113-${resources.length}.eu-west-1.compute.amazonaws.com`;
                }
                if (args.type === "random:index/randomPassword:RandomPassword") state.result = PASSWORD;
                if (args.type === "pulumi:pulumi:StackReference")
                    state.outputs = deployed === undefined ? {} : typeof deployed === "string" ? { version: deployed } : deployed;
                if (args.type === "aws:ec2/instance:Instance") {
                    state.publicIp = `198.51.100.${resources.length}`;
                    state.privateIp = `10.20.0.${resources.length}`;
                    state.publicDns = `ec2-198-51-100-${resources.length}.eu-west-1.compute.amazonaws.com`;
                    state.availabilityZone = "eu-west-1a";
                }
                return { id: `${args.name}-id`, state };
            },
            call: (args) => {
                if (args.token === "aws:index/getAvailabilityZones:getAvailabilityZones") return { names: ["eu-west-1a", "eu-west-1b"] };
                if (args.token === "aws:ec2/getAmi:getAmi") return { id: "ami-0123456789abcdef0" };
                return {};
            },
        },
        "rocketmq",
        "unit",
        false,
        "organization",
    );
    // Record each registration's dependencies too: the mock monitor does not pass them on.
    const monitor = p.runtime.getMonitor() as unknown as { registerResource: (req: unknown, cb: unknown) => unknown };
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: unknown, cb: unknown) => {
        const r = req as {
            getType(): string;
            getName(): string;
            getObject(): { toJavaScript(): Record<string, unknown> };
            getDependenciesList(): string[];
            getParent(): string;
            getProtect(): boolean;
            getRetainondelete(): boolean;
            getIgnorechangesList(): string[];
            getDeletebeforereplace(): boolean;
            getAliasesList(): { getUrn(): string; getSpec(): { getName(): string } | undefined }[];
            getAliasurnsList(): string[];
        };
        const obj = r.getObject().toJavaScript();
        resources.push({
            type: r.getType(),
            name: r.getName(),
            inputs: obj,
            raw: JSON.stringify(obj),
            dependencies: r.getDependenciesList(),
            parent: r.getParent(),
            options: {
                protect: r.getProtect(),
                retainOnDelete: r.getRetainondelete(),
                ignoreChanges: r.getIgnorechangesList(),
                deleteBeforeReplace: r.getDeletebeforereplace(),
                aliases: [...r.getAliasesList().map((a) => a.getSpec()?.getName() || a.getUrn()), ...r.getAliasurnsList()],
            },
        });
        return original(req, cb);
    };
    const config: Record<string, string> = { "rocketmq:sshPrivateKey": PRIVATE_KEY };
    for (const [k, v] of Object.entries(raw)) if (v !== undefined) config[`rocketmq:${k}`] = String(v);
    p.runtime.setAllConfig(config, ["rocketmq:sshPrivateKey"]);
    const main = program ?? (await import("../../index")).default;
    const exported: Record<string, unknown> = await main();
    const outputs: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(exported)) {
        outputs[k] = pulumi.Output.isInstance(v) ? await new Promise((res) => (v as pulumi.Output<unknown>).apply(res)) : v;
    }
    // Let every pending registration land.
    await new Promise((res) => setTimeout(res, 50));
    consoleLog.mockRestore();
    return { resources, outputs, exported: { ...exported }, logs };
}
