// Every argument of the components, changed on a deployed program built from them, does what
// components/argChanges.ts says. The program (the guide's cluster from the components, as
// examples/existing-hosts builds it, or a DLedger group) runs under mocks twice: as deployed, and
// with one argument changed. Per deploy command, compared:
// - rolling: the files of at least one instance change (it restarts in its turn);
// - in-place: no instance's files change;
// - refused-on-host: the changed deploy (or OS tuning) script, run in a shell against the files the
//   first run deployed on that host, refuses before its first write;
// and for every argument: no command is replaced (triggers unchanged).
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ARG_CHANGES, ArgChange, argChangesDoc } from "../../components/argChanges";
import { PlacementInputs, placementRefusal } from "../../components/instancePlacement";
import { properties } from "./interfaces";
import { PRIVATE_KEY, Registered, SECRET_SIG, runProgram } from "./programHarness";
import { PUBLIC_KEY, SHA } from "./fixtures";

jest.setTimeout(600_000);

type Args = Record<string, unknown>;
type Shape = "pair" | "dledger";
/** Changes the args of the components of one kind (by interface) before they are made. */
type Tweak = (iface: string, name: string, args: Args, installs: unknown[]) => void;

const SOURCES: Record<keyof typeof ARG_CHANGES, string> = {
    OsTuningArgs: "components/osTuning.ts",
    RocketMqInstallArgs: "components/rocketmqInstall.ts",
    NameServerNodeArgs: "components/nameServerNode.ts",
    BrokerMemberArgs: "components/brokerMembers.ts",
    BrokerGroupArgs: "components/brokerMembers.ts",
    BrokerPairArgs: "components/brokerPair.ts",
    DLedgerGroupArgs: "components/dledgerGroup.ts",
};

/** The program: three hosts, OS tuning and an install each, a name server each, then two pairs or a DLedger group. */
const program = (shape: Shape, tweak: Tweak) => async () => {
    const lib = await import("../../lib/index");
    const installs: InstanceType<typeof lib.RocketMqInstall>[] = [];
    const t = <T extends Args>(iface: string, name: string, args: T): T => (tweak(iface, name, args, installs), args);
    const { hosts } = new lib.ExistingHosts("hosts", {
        hosts: [1, 2, 3].map((i) => ({ name: `worker${i}`, host: `10.20.0.${10 + i}` })),
        privateKey: PRIVATE_KEY,
    });
    const nameServers = hosts.map((h) => `${h.name}:9876`);
    hosts.forEach((host) => {
        const tuning = new lib.OsTuning(`${host.name}-os`, t("OsTuningArgs", host.name, { host, hostsEntries: [] }));
        installs.push(
            new lib.RocketMqInstall(
                `${host.name}-install`,
                t("RocketMqInstallArgs", host.name, { host, sha512: SHA, nameServers, dependsOn: [tuning.command] }),
            ),
        );
    });
    const rollChain = new lib.RollChain();
    const namesrvs = installs.map(
        (install) =>
            new lib.NameServerNode(`namesrv-${install.host.name}`, t("NameServerNodeArgs", install.host.name, { install, rollChain })),
    );
    const group = { nameServers: namesrvs.map((n) => n.address), dependsOn: namesrvs.map((n) => n.service), rollChain };
    const member = (name: string, i: number) => t("BrokerMemberArgs", name, { install: installs[i] });
    if (shape === "pair") {
        for (const [name, m, s] of [
            ["broker-a", 1, 2],
            ["broker-b", 2, 1],
        ] as const) {
            const args = t("BrokerGroupArgs", name, {
                ...group,
                brokerName: name as string,
                master: member(`${name}-master`, m),
                slave: member(`${name}-slave`, s),
            });
            new lib.BrokerPair(name, t("BrokerPairArgs", name, args));
        }
    } else {
        const args = t("BrokerGroupArgs", "raft", { ...group, members: [0, 1, 2].map((i) => member(`raft-n${i}`, i)) });
        new lib.DLedgerGroup("raft", t("DLedgerGroupArgs", "raft", args));
    }
    return {};
};

const plain = (v: unknown): unknown =>
    v !== null && typeof v === "object" && SECRET_SIG in (v as object) ? (v as { value: unknown }).value : v;
const stdinOf = (r: Registered) => String(plain(r.inputs.stdin) ?? "");
const hostOf = (r: Registered) => JSON.stringify(plain((plain(r.inputs.connection) as Args | undefined)?.host));
/** The files a host script writes (its quoted heredocs): what the host compares before restarting anything. */
const filesOf = (r: Registered) =>
    [...stdinOf(r).matchAll(/cat >"\$target\/([^"]+)\.new" <<'RMQ_EOF'\n([\s\S]*?)\nRMQ_EOF/g)].map((m) => ({ name: m[1], text: m[2] }));
const isDeploy = (r: Registered) => r.type === "command:remote:Command" && /\nid=\S+\ndir=\$root\/instances\/\$id\n/.test(stdinOf(r));
const isOsTuning = (r: Registered) => r.type === "command:remote:Command" && stdinOf(r).includes("# OS preparation for RocketMQ on");

/** One change: which component's args, the change, and the policy it must show (default: the table's). */
interface Change {
    shape?: Shape;
    /** The component (its name as the program passes it to the tweak); default: every one of the interface. */
    only?: string;
    set: (args: Args, installs: unknown[]) => void;
    expect?: ArgChange;
}

const set =
    (key: string, value: unknown) =>
    (a: Args): void => {
        a[key] = value;
    };
const CHANGES: Record<string, Change[]> = {
    "NameServerNodeArgs.install": [{ only: "worker1", set: (a, installs) => (a.install = installs[1]) }],
    "BrokerMemberArgs.install": [{ only: "broker-a-slave", set: (a, installs) => (a.install = installs[0]) }],
    "OsTuningArgs.serviceUser": [{ set: set("serviceUser", "rmq") }],
    "OsTuningArgs.serviceUserAuthorizedKeys": [{ set: set("serviceUserAuthorizedKeys", [PUBLIC_KEY]) }],
    "OsTuningArgs.appRoot": [{ set: set("appRoot", "/opt") }],
    "OsTuningArgs.storeRoot": [{ set: set("storeRoot", "/data/rocketmq") }],
    "OsTuningArgs.sysctl": [{ set: set("sysctl", { "vm.swappiness": "1" }) }],
    "OsTuningArgs.ioScheduler": [{ set: set("ioScheduler", "none") }],
    "OsTuningArgs.dataDevice": [{ set: set("dataDevice", "sdb") }],
    "OsTuningArgs.hostsEntries": [{ set: set("hostsEntries", [{ name: "worker9", address: "10.20.0.99" }]) }],
    "RocketMqInstallArgs.version": [{ set: set("version", "5.3.3") }, { set: set("version", "4.9.7"), expect: "refused-on-host" }],
    "RocketMqInstallArgs.sha512": [{ set: set("sha512", "b".repeat(128)) }],
    "RocketMqInstallArgs.downloadUrl": [{ set: set("downloadUrl", "https://mirror.example.org/rocketmq-all-5.5.0-bin-release.zip") }],
    "RocketMqInstallArgs.localArchive": [{ set: set("localArchive", "/tmp/rocketmq-all-5.5.0-bin-release.zip") }],
    "RocketMqInstallArgs.javaArchive": [
        { set: (a) => Object.assign(a, { javaArchive: "/tmp/jdk-17.tar.gz", javaSha512: "d".repeat(128) }) },
    ],
    "RocketMqInstallArgs.javaSha512": [
        { set: (a) => Object.assign(a, { javaArchive: "/tmp/jdk-17.tar.gz", javaSha512: "e".repeat(128) }) },
    ],
    "RocketMqInstallArgs.appRoot": [{ set: set("appRoot", "/opt") }],
    "RocketMqInstallArgs.serviceUser": [{ set: set("serviceUser", "rmq") }],
    "RocketMqInstallArgs.startTimeoutSeconds": [{ set: set("startTimeoutSeconds", 300) }],
    "RocketMqInstallArgs.authEnabled": [{ set: set("authEnabled", true) }],
    "RocketMqInstallArgs.nameServers": [{ set: set("nameServers", ["worker1:9876"]) }],
    "RocketMqInstallArgs.clusterName": [{ set: set("clusterName", "other-cluster") }],
    "RocketMqInstallArgs.storeRoot": [{ set: set("storeRoot", "/data/rocketmq") }],
    "RocketMqInstallArgs.purgeDataOnDestroy": [{ set: set("purgeDataOnDestroy", true) }],
    "RocketMqInstallArgs.hostSize": [{ set: set("hostSize", { cpus: 8, memoryMiB: 32768 }) }],
    "NameServerNodeArgs.heap": [{ set: set("heap", "1g") }],
    "NameServerNodeArgs.id": [{ only: "worker1", set: set("id", "ns1") }],
    "BrokerMemberArgs.id": [{ only: "broker-a-master", set: set("id", "ba") }],
    "BrokerMemberArgs.heap": [{ only: "broker-a-master", set: set("heap", "2g") }],
    "BrokerMemberArgs.listenPort": [{ only: "broker-a-master", set: set("listenPort", 12911) }],
    "BrokerMemberArgs.storePathRootDir": [{ only: "broker-a-master", set: set("storePathRootDir", "/data/rocketmq/store") }],
    "BrokerMemberArgs.properties": [{ only: "broker-a-master", set: set("properties", { sendMessageThreadPoolNums: "8" }) }],
    "BrokerGroupArgs.nameServers": [{ only: "broker-a", set: set("nameServers", ["worker1:9876"]) }],
    "BrokerGroupArgs.clusterName": [{ only: "broker-a", set: set("clusterName", "other-cluster") }],
    "BrokerGroupArgs.storeRoot": [{ only: "broker-a", set: set("storeRoot", "/data/rocketmq") }],
    "BrokerGroupArgs.properties": [{ only: "broker-a", set: set("properties", { sendMessageThreadPoolNums: "8" }) }],
    "BrokerGroupArgs.autoCreateTopicEnable": [{ only: "broker-a", set: set("autoCreateTopicEnable", false) }],
    "BrokerGroupArgs.autoCreateSubscriptionGroup": [{ only: "broker-a", set: set("autoCreateSubscriptionGroup", false) }],
    "BrokerGroupArgs.purgeDataOnDestroy": [{ only: "broker-a", set: set("purgeDataOnDestroy", true) }],
    "BrokerPairArgs.brokerName": [{ only: "broker-a", set: set("brokerName", "broker-x") }],
    "BrokerPairArgs.replication": [{ only: "broker-a", set: set("replication", "sync") }],
    "DLedgerGroupArgs.group": [{ shape: "dledger", set: set("group", "RaftNode01") }],
    "DLedgerGroupArgs.dledgerPort": [{ shape: "dledger", set: set("dledgerPort", 41911) }],
};

type Run = Awaited<ReturnType<typeof runProgram>>;
const bases = new Map<Shape, Run>();
async function deployed(shape: Shape): Promise<Run> {
    if (!bases.has(shape))
        bases.set(
            shape,
            await runProgram(
                {},
                undefined,
                bases.size > 0,
                program(shape, () => undefined),
            ),
        );
    return bases.get(shape)!;
}

/**
 * Runs SCRIPT up to its first write (its guards) against a host root holding what BASE deployed on
 * HOST: every instance's files (and systemd's copy of its unit), run/ owned by another user than root.
 */
function guardRun(script: string, base: Run, host: string): { status: number | null; stderr: string } {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rmq-arg-walk-"));
    try {
        for (const r of base.resources.filter((x) => isDeploy(x) && hostOf(x) === host)) {
            const id = /\nid=(\S+)\n/.exec(stdinOf(r))![1];
            for (const f of filesOf(r)) {
                const file = path.join(tmp, "instances", id, f.name);
                fs.mkdirSync(path.dirname(file), { recursive: true });
                fs.writeFileSync(file, f.text + "\n");
                if (f.name === `rocketmq-${id}.service`) {
                    fs.mkdirSync(path.join(tmp, "etc/systemd/system"), { recursive: true });
                    fs.writeFileSync(path.join(tmp, "etc/systemd/system", f.name), f.text + "\n");
                }
            }
        }
        // The service user's run/ (not root's): nobody stands in for the deployed user.
        fs.mkdirSync(path.join(tmp, "rocketmq/run"), { recursive: true });
        if (process.getuid?.() === 0) fs.chownSync(path.join(tmp, "rocketmq/run"), 65534, 65534);
        const firstWrite = isOsTuning({ type: "command:remote:Command", inputs: { stdin: script } } as unknown as Registered)
            ? script.indexOf("# Service user: no password")
            : script.indexOf('install -d -m 0755 "$dir"');
        const guards = script
            .slice(0, firstWrite)
            .replace(/^root=.*$/m, `root=${tmp}`)
            .replace(/\/etc\/systemd\/system\//g, `${tmp}/etc/systemd/system/`)
            .replace(/(?<=\[ [!-]\S* )\/(app|opt)\/rocketmq\/run\b/g, `${tmp}/rocketmq/run`)
            .replace(/(?<=stat -c %U )\/(app|opt)\/rocketmq\/run\b/g, `${tmp}/rocketmq/run`);
        const r = spawnSync("bash", ["-c", `${guards}\necho GUARDS-PASSED`], { encoding: "utf8" });
        return { status: r.stdout.includes("GUARDS-PASSED") ? 0 : r.status, stderr: r.stderr };
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}

const cases = Object.entries(ARG_CHANGES).flatMap(([iface, args]) =>
    Object.entries(args)
        .filter(([, spec]) => spec.change !== "wiring")
        .flatMap(([arg, spec]) =>
            (CHANGES[`${iface}.${arg}`] ?? []).map(
                (c, i) => [`${iface}.${arg}${i ? ` (${i + 1})` : ""}`, iface, c, c.expect ?? spec.change] as const,
            ),
        ),
);

describe("a change of each component argument on a deployed program does what components/argChanges.ts says", () => {
    test("the table names every argument of every component, and each argument with a value has a change to try", () => {
        for (const [iface, file] of Object.entries(SOURCES)) {
            const declared = Object.keys(ARG_CHANGES[iface as keyof typeof ARG_CHANGES]).sort();
            expect([iface, declared]).toEqual([
                iface,
                properties(file, iface)
                    .map((p) => p.name)
                    .sort(),
            ]);
        }
        const valued = Object.entries(ARG_CHANGES).flatMap(([iface, args]) =>
            Object.entries(args)
                .filter(([, spec]) => spec.change !== "wiring")
                .map(([arg]) => `${iface}.${arg}`),
        );
        expect(valued.filter((k) => !(k in CHANGES))).toEqual([]);
        expect(Object.keys(CHANGES).filter((k) => !valued.includes(k))).toEqual([]);
    });

    test.each(cases)("%s", async (_label, iface, change, policy) => {
        const shape = change.shape ?? "pair";
        const base = await deployed(shape);
        const after = await runProgram(
            {},
            undefined,
            true,
            program(shape, (i, name, args, installs) => i === iface && (change.only ?? name) === name && change.set(args, installs)),
        );
        const was = new Map(base.resources.map((r) => [`${r.type}::${r.name}`, r]));
        const replaced = after.resources
            .filter((r) => was.has(`${r.type}::${r.name}`))
            .filter(
                (r) => JSON.stringify(plain(r.inputs.triggers)) !== JSON.stringify(plain(was.get(`${r.type}::${r.name}`)!.inputs.triggers)),
            )
            .map((r) => r.name);
        expect(replaced).toEqual([]);
        const changedDeploys = after.resources.filter((r) => {
            const old = was.get(`${r.type}::${r.name}`);
            return isDeploy(r) && (old === undefined || JSON.stringify(filesOf(old)) !== JSON.stringify(filesOf(r)));
        });
        if (policy === "in-place") expect(changedDeploys.map((r) => r.name)).toEqual([]);
        if (policy === "rolling") {
            expect(changedDeploys.length).toBeGreaterThan(0);
            // And the host lets it through: no guard refuses a rolling change.
            for (const r of changedDeploys)
                expect([r.name, guardRun(stdinOf(r), base, hostOf(r))]).toEqual([r.name, { status: 0, stderr: "" }]);
        }
        if (policy === "refused-at-preview") {
            // An instance's placement record: its provider's check refuses the new host at preview.
            const placements = (run: Run) =>
                new Map(
                    run.resources.filter((r) => r.name.endsWith("-placement")).map((r) => [r.name, r.inputs as unknown as PlacementInputs]),
                );
            const [was, now] = [placements(base), placements(after)];
            const refusals = [...now].flatMap(([name, inputs]) => {
                const why = was.has(name) ? placementRefusal(was.get(name)!, inputs) : undefined;
                return why ? [why] : [];
            });
            expect(refusals).toHaveLength(1);
            expect(refusals[0]).toMatch(/^(install|\w+\.install): \S+ runs on worker\d, the program now puts it on worker\d: refused/);
        }
        if (policy === "refused-on-host") {
            // Every script whose text changed, run against what the first run deployed on its host: at least one refuses.
            const candidates = after.resources.filter((r) => {
                const old = was.get(`${r.type}::${r.name}`);
                return (isDeploy(r) || isOsTuning(r)) && (old === undefined || stdinOf(old) !== stdinOf(r));
            });
            const outcomes = candidates.map((r) => ({ name: r.name, ...guardRun(stdinOf(r), base, hostOf(r)) }));
            const refusals = outcomes.filter((o) => o.status !== 0);
            expect(refusals.length).toBeGreaterThan(0);
            for (const o of refusals) expect(o.stderr).toMatch(/^(rmq-deploy|os-tuning): refused on worker\d: .*; nothing was changed: /m);
        }
    });
});

describe("docs/api-changes.md", () => {
    test("is generated from the table and current", () => {
        const at = path.join(__dirname, "..", "..", "docs", "api-changes.md");
        if (process.env.RMQ_WRITE_GENERATED === "1") fs.writeFileSync(at, argChangesDoc());
        // On failure: RMQ_WRITE_GENERATED=1 npx jest tests/unit/argChanges.test.ts
        expect(fs.existsSync(at) ? fs.readFileSync(at, "utf8") : "").toBe(argChangesDoc());
    });
});
