// Every key of the table (config/keys.ts), changed on a deployed stack, does what its `change` says.
// The whole program runs under mocks twice: once as deployed (its outputs become the StackReference's
// "last deploy"), once with the key changed. Compared per resource, with the providers' replace rules:
// - rolling: the files of at least one instance (or the dashboard) change, so it restarts in its turn;
// - in-place: no instance's or the dashboard's files change: nothing restarts;
// - refused: the program stops before any resource, naming the key and the running cluster's value;
// and for every key: no host and no deploy command is replaced.
import { ALL_KEYS, ConfigKey, KEYS, KeySpec } from "../../config/keys";
import { RawConfig } from "../../config/validate";
import { PUBLIC_KEY, awsRaw, existingRaw, pinnedHosts } from "./fixtures";
import { Registered, SECRET_SIG, runProgram } from "./programHarness";

// Dozens of whole-program runs; each takes 1-3 s alone, far more on a loaded machine.
jest.setTimeout(600_000);

const hostsWith = (f: (h: Record<string, unknown>, i: number) => void) => {
    const hosts = JSON.parse(existingRaw().hosts as string) as Record<string, unknown>[];
    hosts.forEach(f);
    return JSON.stringify(hosts);
};

/** A changed value per key, and the host mode it is read in. Every key of the table must be here. */
const CHANGES: Record<ConfigKey, RawConfig> = {
    // prod requires pinned host keys (which only add host-key checks: no restart by themselves).
    environment: { environment: "prod", hosts: pinnedHosts() },
    hostMode: awsRaw(),
    hosts: { hosts: hostsWith((h, i) => (h.clientAddress = `198.51.100.${11 + i}`)) },
    sshPrivateKey: { sshPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nOTHER-UNIT-TEST-KEY\n-----END OPENSSH PRIVATE KEY-----" },
    topology: { topology: "dledger" },
    version: { version: "5.3.3" },
    clusterName: { clusterName: "other-cluster" },
    downloadUrl: { downloadUrl: "https://mirror.example.org/rocketmq-all-5.5.0-bin-release.zip" },
    sha512: { sha512: "b".repeat(128) },
    localArchive: { localArchive: "/tmp/rocketmq-all-5.5.0-bin-release.zip" },
    javaArchive: { javaArchive: "/tmp/jdk-17.tar.gz", javaSha512: "d".repeat(128) },
    javaSha512: { javaSha512: "e".repeat(128) },
    appRoot: { appRoot: "/opt" },
    storeRoot: { storeRoot: "/data/rocketmq" },
    serviceUser: { serviceUser: "rmq" },
    serviceUserAuthorizedKeys: { serviceUserAuthorizedKeys: JSON.stringify([PUBLIC_KEY]) },
    namesrvHeap: { namesrvHeap: "1g" },
    brokerHeap: { brokerHeap: "1g" },
    brokerProperties: { brokerProperties: JSON.stringify({ flushDiskType: "SYNC_FLUSH" }) },
    instances: { instances: JSON.stringify({ "broker-b": { heap: "1g" } }) },
    autoCreateTopicEnable: { autoCreateTopicEnable: "false" },
    autoCreateSubscriptionGroup: { autoCreateSubscriptionGroup: "false" },
    sysctl: { sysctl: JSON.stringify({ "vm.swappiness": "1" }) },
    ioScheduler: { ioScheduler: "none" },
    dataDevice: { dataDevice: "sdb" },
    dashboardEnabled: { dashboardEnabled: "false" },
    dashboardVersion: { dashboardVersion: "2.0.1" },
    dashboardPort: { dashboardPort: "8081" },
    dashboardUrl: { dashboardUrl: "http://192.0.2.2/rocketmq-dashboard-2.0.0.jar" },
    dashboardSha512: { dashboardSha512: "c".repeat(128) },
    dashboardLocalJar: { dashboardLocalJar: "/tmp/rocketmq-dashboard-2.0.0.jar" },
    dashboardHeap: { dashboardHeap: "384m" },
    dashboardListen: { dashboardListen: "loopback" },
    smokeMessages: { smokeMessages: "10" },
    startTimeoutSeconds: { startTimeoutSeconds: "300" },
    purgeDataOnDestroy: { purgeDataOnDestroy: "true" },
    authEnabled: { authEnabled: "true" },
    authUsers: { authEnabled: "true", authUsers: JSON.stringify({ orders: { topics: { Orders: "PUB" }, groups: [] } }) },
    instanceType: { instanceType: "m5.xlarge" },
    ami: { ami: "ubuntu-22.04" },
    allowedCidrs: { allowedCidrs: JSON.stringify(["203.0.113.0/25"]) },
    sshAllowedCidrs: { sshAllowedCidrs: JSON.stringify(["203.0.113.7/32"]) },
    clientAddress: { clientAddress: "private" },
    allowHostReplacement: { allowHostReplacement: "true" },
    sshPublicKey: { sshPublicKey: PUBLIC_KEY.replace("deployer", "rotated").replace("AAAAIGxS", "AAAAIGxT") },
    dataVolumeGiB: { dataVolumeGiB: "100" },
    vpcCidr: { vpcCidr: "10.30.0.0/16" },
    topics: { topics: JSON.stringify([{ name: "Orders" }]) },
    consumerGroups: { consumerGroups: JSON.stringify([{ name: "OrdersConsumers" }]) },
    deleteRemovedTopics: { deleteRemovedTopics: "true" },
    deleteRemovedGroups: { deleteRemovedGroups: "true" },
    allowQueueDecrease: { allowQueueDecrease: "true" },
};

/** The base a key is changed from: keys read in aws mode start from an aws stack. */
const baseOf = (key: ConfigKey): RawConfig => {
    const spec: KeySpec = KEYS[key];
    if (spec.mode === "aws") return awsRaw();
    // authUsers needs auth on in both runs: only the users differ.
    if (key === "authUsers") return existingRaw({ authEnabled: "true" });
    // javaSha512 goes with a javaArchive: only the checksum differs.
    if (key === "javaSha512") return existingRaw({ javaArchive: "/tmp/jdk-17.tar.gz", javaSha512: "d".repeat(128) });
    return existingRaw();
};

const plain = (v: unknown): unknown =>
    v !== null && typeof v === "object" && SECRET_SIG in (v as object) ? (v as { value: unknown }).value : v;

/** The files a host script writes (its quoted heredocs): what the host compares before restarting anything. */
function filesOf(r: Registered): string {
    const stdin = String(plain(r.inputs.stdin) ?? "");
    return [...stdin.matchAll(/cat >"([^"]+)" <<'RMQ_EOF'\n([\s\S]*?)\nRMQ_EOF/g)].map((m) => `${m[1]}\n${m[2]}`).join("\n");
}

/** Instances (deploy commands) and the dashboard: resources whose changed files mean a restart. */
const isService = (r: Registered) =>
    r.type === "command:remote:Command" && /-(master|slave|service|n\d|member-\S+)$/.test(r.name) && !/-(os|install)-apply$/.test(r.name);

/** Inputs each provider replaces on (the rest update in place). */
const REPLACE_ON: Record<string, string[]> = {
    "command:remote:Command": ["triggers"],
    "aws:ec2/instance:Instance": ["ami", "keyName", "subnetId", "availabilityZone", "userData"],
    "aws:ebs/volume:Volume": ["availabilityZone", "snapshotId", "encrypted", "type"],
    "aws:ec2/keyPair:KeyPair": ["publicKey", "keyName"],
    "aws:ec2/vpc:Vpc": ["cidrBlock"],
};

type Run = Awaited<ReturnType<typeof runProgram>>;
const bases = new Map<string, Run>();
async function deployedRun(raw: RawConfig): Promise<Run> {
    const k = JSON.stringify(raw);
    if (!bases.has(k)) bases.set(k, await runProgram(raw, undefined, bases.size > 0));
    return bases.get(k)!;
}

describe("a change of each key on a deployed stack does what the key table says", () => {
    test("every key of the table has a change to try", () => {
        expect(Object.keys(CHANGES).sort()).toEqual([...ALL_KEYS].sort());
    });

    test.each(ALL_KEYS)("%s", async (key) => {
        const spec: KeySpec = KEYS[key];
        const baseRaw = baseOf(key);
        const before = await deployedRun(baseRaw);
        const last = { version: before.outputs.version, topology: before.outputs.topology, layout: before.outputs.layout };
        let after: Run;
        try {
            after = await runProgram({ ...baseRaw, ...CHANGES[key] }, last, true);
        } catch (e) {
            // Refused: before any resource, naming the key and what runs.
            expect([key, spec.change, (e as Error).message]).toEqual([key, "refused", expect.stringContaining(`rocketmq:${key} = `)]);
            // Each run loads its own modules: compare the class by name.
            expect((e as Error).name).toBe("ConfigError");
            expect((e as Error).message).toContain("the running cluster's ");
            return;
        }
        expect([key, "not refused"]).toEqual([key, spec.change === "refused" ? "refused" : "not refused"]);

        const was = new Map(before.resources.map((r) => [`${r.type}::${r.name}`, r]));
        const restarted: string[] = [];
        const replaced: string[] = [];
        for (const r of after.resources) {
            const old = was.get(`${r.type}::${r.name}`);
            if (old === undefined) continue;
            for (const input of REPLACE_ON[r.type] ?? [])
                if (JSON.stringify(plain(old.inputs[input])) !== JSON.stringify(plain(r.inputs[input])))
                    replaced.push(`${r.name}.${input}`);
            if (isService(r) && filesOf(old) !== filesOf(r)) restarted.push(r.name);
        }
        // An instance removed or added (dashboardEnabled) also counts as a restart of that service.
        const names = (run: Run) => new Set(run.resources.filter(isService).map((r) => r.name));
        const [a, b] = [names(before), names(after)];
        for (const n of [...a].filter((x) => !b.has(x))) restarted.push(`${n} (removed)`);
        for (const n of [...b].filter((x) => !a.has(x))) restarted.push(`${n} (added)`);

        expect([key, replaced]).toEqual([key, []]);
        if (spec.change === "rolling") expect([key, restarted.length > 0]).toEqual([key, true]);
        if (spec.change === "in-place") expect([key, restarted]).toEqual([key, []]);
    });
});
