// The whole program under Pulumi mocks: which resources exist per topology and host mode, in which
// order, and that secrets stay secret. Each scenario loads index.ts afresh with its own config.
import * as pulumi from "@pulumi/pulumi";
import { awsRaw, existingRaw } from "./fixtures";
import { PRINT_HOST_KEYS } from "../../components/hosts/hostKeys";
import { PASSWORD, PRIVATE_KEY, Registered, SECRET_SIG, hostKeyScans, lastRun, runProgram } from "./programHarness";

// Each case loads the whole program under mocks, which now also serializes the InstanceRunning
// provider's code (about 0.5 s): 5 s per case is too tight on a loaded 2-core machine.
jest.setTimeout(60_000);

const named = (rs: Registered[], suffix: string) => {
    const r = rs.find((x) => x.name.endsWith(suffix));
    if (!r) throw new Error(`no resource named *${suffix}; have ${rs.map((x) => x.name).join(", ")}`);
    return r;
};
const urnOf = (r: Registered) => `::${r.name}`;
const dependsOn = (rs: Registered[], a: string, b: string) => named(rs, a).dependencies.some((u) => u.endsWith(urnOf(named(rs, b))));
/** `a` waits for `b`, directly or through other resources (so a delete removes `a` before `b`). */
const reaches = (rs: Registered[], a: string, b: string): boolean => {
    const target = urnOf(named(rs, b));
    const seen = new Set<string>();
    const queue = [named(rs, a)];
    while (queue.length > 0) {
        const r = queue.shift()!;
        for (const dep of r.dependencies) {
            if (dep.endsWith(target)) return true;
            if (seen.has(dep)) continue;
            seen.add(dep);
            const next = rs.find((x) => dep.endsWith(urnOf(x)));
            if (next) queue.push(next);
        }
    }
    return false;
};
/** The default aws stack, run once for the tests that only read it. */
let defaultAws: ReturnType<typeof runProgram> | undefined;
const awsDefaultRun = () => (defaultAws ??= runProgram(awsRaw()));
const ofType = (rs: Registered[], type: string) => rs.filter((r) => r.type === type);
const RUNNING_TYPE = "pulumi-nodejs:dynamic/rocketmq:InstanceRunning";
const conn = (inputs: Record<string, unknown>) => (inputs.connection as Record<string, unknown>).value;
const commands = (rs: Registered[]) => rs.filter((r) => r.type === "command:remote:Command").map((r) => r.name);

describe("program under mocks", () => {
    test("a default stack exports no undefined output (each would print a warning on every run)", async () => {
        const { exported } = await runProgram(existingRaw());
        expect(Object.entries(exported).filter(([, v]) => v === undefined)).toEqual([]);
        expect(Object.keys(exported)).not.toContain("authAdminPassword");
        expect(Object.keys(exported)).toEqual(expect.arrayContaining(["namesrvAddr", "brokers", "layout", "version", "topology"]));
    });

    afterEach(() => jest.restoreAllMocks());

    test("existing hosts, 2m-2s-async: every step of the guide as a resource", async () => {
        const { resources, outputs } = await runProgram(existingRaw());
        expect(commands(resources).sort()).toEqual(
            [
                ...["worker1", "worker2", "worker3"].flatMap((w) => [
                    `rmq-unit-${w}-ssh`,
                    `rmq-unit-${w}-os-apply`,
                    `rmq-unit-${w}-install-apply`,
                ]),
                ...["worker1", "worker2", "worker3"].flatMap((w) => [`rmq-unit-namesrv-${w}-service`, `rmq-unit-namesrv-${w}-roll`]),
                "rmq-unit-broker-a-master",
                "rmq-unit-broker-a-roll",
                "rmq-unit-broker-a-s-roll",
                "rmq-unit-broker-a-slave",
                "rmq-unit-broker-b-master",
                "rmq-unit-broker-b-roll",
                "rmq-unit-broker-b-s-roll",
                "rmq-unit-broker-b-slave",
                "rmq-unit-dashboard-service",
                "rmq-unit-checks-health",
                "rmq-unit-checks-smoke",
            ].sort(),
        );
        const types = new Set(resources.map((r) => r.type));
        for (const t of [
            "rocketmq:index:NameServerNode",
            "rocketmq:index:BrokerPair",
            "rocketmq:index:OsTuning",
            "rocketmq:index:RocketMqInstall",
            "rocketmq:index:RocketMqCluster",
        ])
            expect(types).toContain(t);
        expect(types).not.toContain("rocketmq:index:DLedgerGroup");
        expect(resources.filter((r) => r.type.startsWith("aws:"))).toHaveLength(0);
        expect(outputs.namesrvAddr).toBe("192.0.2.11:9876;192.0.2.12:9876;192.0.2.13:9876");
        expect(outputs.brokers).toEqual({
            "broker-a": { master: "worker2 192.0.2.12:10911", slave: "worker3 192.0.2.13:11011" },
            "broker-b": { master: "worker3 192.0.2.13:10911", slave: "worker2 192.0.2.12:11011" },
        });
        expect(outputs.dashboardUrl).toBe("http://192.0.2.11:8080");
        expect(outputs.topology).toBe("2m-2s-async");
        // up --replace creates the new command before deleting the old one: every command whose
        // delete removes something takes a claim when created (rmq-claim), so the old one's delete
        // leaves what its replacement made.
        const removing = resources.filter(
            (r) => r.type === "command:remote:Command" && typeof r.inputs.delete === "string" && r.inputs.delete !== "",
        );
        expect(removing.length).toBeGreaterThan(10);
        const decoded = (cmd: string) => {
            const b64 = /echo ([A-Za-z0-9+/=]{40,}) \| base64 -d/.exec(cmd);
            return b64 ? Buffer.from(b64[1], "base64").toString() : cmd;
        };
        expect(removing.filter((r) => !decoded(String(r.inputs.create)).includes("rmq_claim take")).map((r) => r.name)).toEqual([]);
        expect(outputs.ssh).toEqual({
            worker1: "ssh -p 22 root@192.0.2.11",
            worker2: "ssh -p 22 root@192.0.2.12",
            worker3: "ssh -p 22 root@192.0.2.13",
        });
    });

    test("order: OS before install before name servers before brokers (in parallel); rolling restarts chained", async () => {
        const { resources: rs } = await runProgram(existingRaw());
        expect(dependsOn(rs, "worker2-os-apply", "worker2-ssh")).toBe(true);
        expect(dependsOn(rs, "worker2-install-apply", "worker2-os-apply")).toBe(true);
        expect(dependsOn(rs, "namesrv-worker2-service", "worker2-install-apply")).toBe(true);
        for (const w of ["worker1", "worker2", "worker3"]) expect(dependsOn(rs, "broker-a-master", `namesrv-${w}-service`)).toBe(true);
        // A fresh deploy starts every broker at once: nothing protects what does not run yet.
        expect(dependsOn(rs, "broker-a-slave", "broker-a-master")).toBe(false);
        expect(dependsOn(rs, "broker-b-master", "broker-a-slave")).toBe(false);
        expect(dependsOn(rs, "broker-a-master", "broker-a-slave")).toBe(false);
        // Changes roll one at a time: name servers in turn, then each slave before its master.
        const chain = ["namesrv-worker1", "namesrv-worker2", "namesrv-worker3", "broker-a-s", "broker-a", "broker-b-s", "broker-b"];
        for (let i = 1; i < chain.length; i++) expect(dependsOn(rs, `${chain[i]}-roll`, `${chain[i - 1]}-roll`)).toBe(true);
        expect(dependsOn(rs, "broker-a-roll", "broker-a-master")).toBe(true);
        expect(dependsOn(rs, "namesrv-worker1-roll", "broker-b-slave")).toBe(true);
        expect(dependsOn(rs, "checks-health", "broker-b-roll")).toBe(true);
        expect(dependsOn(rs, "checks-health", "broker-b-slave")).toBe(true);
        expect(dependsOn(rs, "checks-smoke", "checks-health")).toBe(true);
    });

    test("dledger: a DLedgerGroup of three nodes, no broker pairs", async () => {
        const { resources: rs, outputs } = await runProgram(existingRaw({ topology: "dledger" }));
        expect(rs.filter((r) => r.type === "rocketmq:index:DLedgerGroup")).toHaveLength(1);
        expect(rs.filter((r) => r.type === "rocketmq:index:BrokerPair")).toHaveLength(0);
        expect(commands(rs).filter((n) => /dledger-n\d$/.test(n))).toEqual([
            "rmq-unit-dledger-n0",
            "rmq-unit-dledger-n1",
            "rmq-unit-dledger-n2",
        ]);
        expect(dependsOn(rs, "dledger-n1", "dledger-n0")).toBe(false);
        const chain = ["n0-roll", "n1-roll", "n2-roll", "n0-roll-leader", "n1-roll-leader", "n2-roll-leader"];
        for (let i = 1; i < chain.length; i++) expect(dependsOn(rs, chain[i], chain[i - 1])).toBe(true);
        expect(outputs.brokers).toEqual({
            RaftNode00: {
                "dledger-n0": "worker1 192.0.2.11:30911",
                "dledger-n1": "worker2 192.0.2.12:30911",
                "dledger-n2": "worker3 192.0.2.13:30911",
            },
        });
    });

    test("recovery: an InstanceRunning per instance, after its deploy and its roll steps; brokers and dashboard after the name servers", async () => {
        const { resources: rs } = await runProgram(existingRaw());
        const running = ofType(rs, RUNNING_TYPE);
        const ids = [
            "namesrv-worker1",
            "namesrv-worker2",
            "namesrv-worker3",
            "broker-a",
            "broker-a-s",
            "broker-b",
            "broker-b-s",
            "dashboard",
        ];
        expect(running.map((r) => r.name).sort()).toEqual(ids.map((id) => `rmq-unit-${id}-running`).sort());
        for (const r of running) expect(r.parent).toMatch(/::rocketmq:index:RocketMqCluster::rmq-unit$/);
        const service: Record<string, string> = {
            "namesrv-worker1": "namesrv-worker1-service",
            "broker-a": "broker-a-master",
            "broker-a-s": "broker-a-slave",
            "broker-b": "broker-b-master",
            "broker-b-s": "broker-b-slave",
            dashboard: "dashboard-service",
        };
        for (const [id, svc] of Object.entries(service)) {
            expect(dependsOn(rs, `${id}-running`, svc)).toBe(true);
            if (id !== "dashboard") expect(dependsOn(rs, `${id}-running`, `${id}-roll`)).toBe(true);
        }
        for (const id of ["broker-a", "broker-b-s", "dashboard"])
            for (const w of ["worker1", "worker2", "worker3"]) expect(reaches(rs, `${id}-running`, `namesrv-${w}-running`)).toBe(true);
        // One at a time (issue 14, defect 20): each after the previous in recovery order, a slave before its master.
        const chain = ["namesrv-worker1", "namesrv-worker2", "namesrv-worker3", "broker-a-s", "broker-a", "broker-b-s", "broker-b"];
        chain.slice(1).forEach((id, i) => expect(dependsOn(rs, `${id}-running`, `${chain[i]}-running`)).toBe(true));
        expect(reaches(rs, "broker-a-s-running", "broker-a-running")).toBe(false);

        const inputs = (id: string) => named(rs, `${id}-running`).inputs;
        expect(inputs("broker-a-s")).toMatchObject({ hostName: "worker3", instance: "broker-a-s", timeoutSeconds: 300 });
        // The probe/ensure script: the state of exactly this instance, and the deploy's health gate.
        const script = inputs("broker-a-s").script as string;
        expect(script).toContain("id=broker-a-s\n");
        expect(script).toContain('"$root/bin/rmq-wait" "$id" 180 11011 --since "$since" broker-a 1 192.0.2.13:11011\n');
        expect(inputs("namesrv-worker2").script).toContain('"$root/bin/rmq-wait" "$id" 180 9876 --since "$since"\n');
        expect(inputs("dashboard").script).toContain('"$root/bin/rmq-wait" "$id" 180 8080 --since "$since"\n');
        // The key reaches the provider only as a secret, and stays one in the state.
        for (const r of running) {
            const conn = r.inputs.connection as Record<string, unknown>;
            expect(conn[SECRET_SIG]).toBeDefined();
            expect(conn.value).toMatchObject({ user: "root", port: 22, privateKey: PRIVATE_KEY });
            expect(JSON.stringify({ ...r.inputs, connection: undefined })).not.toContain("UNIT-TEST-KEY");
            expect(typeof r.inputs.__provider).toBe("string");
        }
        expect((conn(inputs("broker-b")) as Record<string, unknown>).host).toBe("192.0.2.13");
        // The provider's code travels with each resource: it must have serialized, modules required inside.
        const provider = running[0].inputs.__provider as string;
        expect(provider).toContain('require("child_process")');
        expect(provider).toContain("exports.handler");
    });

    test("recovery, dledger: each member's InstanceRunning waits for both of its roll passes", async () => {
        const { resources: rs } = await runProgram(existingRaw({ topology: "dledger", dashboardEnabled: "false" }));
        expect(
            ofType(rs, RUNNING_TYPE)
                .map((r) => r.name)
                .sort(),
        ).toEqual(["namesrv-worker1", "namesrv-worker2", "namesrv-worker3", "n0", "n1", "n2"].map((id) => `rmq-unit-${id}-running`).sort());
        for (const n of ["n0", "n1", "n2"]) {
            expect(dependsOn(rs, `${n}-running`, `dledger-${n}`)).toBe(true);
            expect(dependsOn(rs, `${n}-running`, `${n}-roll`)).toBe(true);
            expect(dependsOn(rs, `${n}-running`, `${n}-roll-leader`)).toBe(true);
        }
        expect(named(rs, "n1-running").inputs.script).toContain('180 30911 --since "$since" RaftNode00 "*" 192.0.2.12:30911\n');
    });

    test("2m-noslave and smoke disabled", async () => {
        const { resources: rs } = await runProgram(existingRaw({ topology: "2m-noslave", smokeMessages: "0", dashboardEnabled: "false" }));
        expect(commands(rs).filter((n) => n.includes("broker"))).toEqual([
            "rmq-unit-broker-a-master",
            "rmq-unit-broker-b-master",
            "rmq-unit-broker-a-roll",
            "rmq-unit-broker-b-roll",
        ]);
        expect(commands(rs).some((n) => n.includes("smoke"))).toBe(false);
        expect(commands(rs).some((n) => n.includes("dashboard"))).toBe(false);
    });

    test("aws: network in two zones, key pair, three instances with data volumes, exact firewall", async () => {
        const { resources: rs, outputs, logs } = await awsDefaultRun();
        const count = (t: string) => rs.filter((r) => r.type === t).length;
        expect(count("aws:ec2/vpc:Vpc")).toBe(1);
        expect(count("aws:ec2/subnet:Subnet")).toBe(2);
        expect(rs.filter((r) => r.type === "aws:ec2/subnet:Subnet").map((r) => r.inputs.availabilityZone)).toEqual([
            "eu-west-1a",
            "eu-west-1b",
        ]);
        expect(count("aws:ec2/internetGateway:InternetGateway")).toBe(1);
        expect(count("aws:ec2/keyPair:KeyPair")).toBe(1);
        expect(count("aws:ec2/instance:Instance")).toBe(3);
        expect(count("aws:ebs/volume:Volume")).toBe(3);
        expect(rs.filter((r) => r.type === "aws:ebs/volume:Volume").every((r) => r.inputs.type === "gp3")).toBe(true);
        expect(count("aws:ec2/volumeAttachment:VolumeAttachment")).toBe(3);
        const ingress = rs.filter((r) => r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map((r) => r.inputs);
        const fromCidr = ingress.filter((i) => i.cidrIpv4 !== undefined);
        expect(new Set(fromCidr.map((i) => i.cidrIpv4))).toEqual(new Set(["203.0.113.0/24"]));
        expect(fromCidr.map((i) => i.fromPort).sort()).toEqual([10909, 10911, 11009, 11011, 22, 8080, 9876].sort());
        const internal = ingress.filter((i) => i.referencedSecurityGroupId !== undefined);
        expect(internal.map((i) => i.fromPort).sort()).toEqual([10909, 10911, 10912, 11009, 11011, 11012, 9876].sort());
        expect(ingress.some((i) => i.cidrIpv4 === "0.0.0.0/0")).toBe(false);
        expect(commands(rs).filter((n) => n.endsWith("mount-data"))).toHaveLength(3);
        // Clients from 203.0.113.0/24 (outside the VPC) are told public names; HA stays private.
        const pub = "ec2-203-0-113-\\d+\\.eu-west-1\\.compute\\.amazonaws\\.com";
        expect(outputs.namesrvAddr).toMatch(new RegExp(`^${pub}:9876;${pub}:9876;${pub}:9876$`));
        expect(logs.join("\n")).toMatch(
            /brokers advertise public addresses to clients \(rocketmq:allowedCidrs 203\.0\.113\.0\/24 lies outside vpcCidr/,
        );
    });

    test("aws: clients only inside the VPC are told private addresses", async () => {
        const { outputs } = await runProgram(
            awsRaw({ allowedCidrs: JSON.stringify(["10.20.0.0/16"]), sshAllowedCidrs: JSON.stringify(["198.51.100.7/32"]) }),
        );
        expect(outputs.namesrvAddr).toMatch(/^10\.20\.0\.\d+:9876;10\.20\.0\.\d+:9876;10\.20\.0\.\d+:9876$/);
    });

    test("aws: machines and data outlive mistakes: protected instances keep their image, volumes kept on destroy", async () => {
        const { resources: rs, outputs, logs } = await awsDefaultRun();
        const instances = ofType(rs, "aws:ec2/instance:Instance");
        expect(instances).toHaveLength(3);
        for (const i of instances) {
            // Protected: the engine refuses at preview an update that would replace it, and destroy.
            expect(`${i.name} protect=${i.options.protect}`).toBe(`${i.name} protect=true`);
            // Resolved from the family once: a newer image in the family changes nothing.
            expect(i.options.ignoreChanges).toEqual(["ami"]);
            expect(i.inputs.ami).toBe("ami-0123456789abcdef0");
        }
        const volumes = ofType(rs, "aws:ebs/volume:Volume");
        expect(volumes).toHaveLength(3);
        for (const v of volumes)
            expect({ name: v.name, ...v.options }).toMatchObject({ name: v.name, protect: true, retainOnDelete: true });
        for (const a of ofType(rs, "aws:ec2/volumeAttachment:VolumeAttachment")) {
            expect(a.inputs.stopInstanceBeforeDetaching).toBe(true);
            expect(a.options.deleteBeforeReplace).toBe(true);
        }
        // The diagnostics say how to allow what the engine refuses.
        expect(logs.some((l) => l.includes("pulumi config set rocketmq:allowHostReplacement true"))).toBe(true);
        expect(outputs.hostImages).toEqual({
            worker1: "ami-0123456789abcdef0",
            worker2: "ami-0123456789abcdef0",
            worker3: "ami-0123456789abcdef0",
        });
    });

    test("aws: allowHostReplacement lifts the protection; purgeDataOnDestroy lets destroy delete the volumes", async () => {
        // Each key alone: hostLifecycle.test.ts.
        const { resources: rs, logs } = await runProgram(awsRaw({ allowHostReplacement: "true", purgeDataOnDestroy: "true" }));
        for (const r of [...ofType(rs, "aws:ec2/instance:Instance"), ...ofType(rs, "aws:ebs/volume:Volume")])
            expect(`${r.name} protect=${r.options.protect}`).toBe(`${r.name} protect=false`);
        for (const v of ofType(rs, "aws:ebs/volume:Volume")) expect(v.options.retainOnDelete).toBe(false);
        expect(logs.some((l) => l.includes("allowHostReplacement"))).toBe(false);
    });

    test("aws: an explicit ami-... id is exactly that image, so changing it is a (protected) replacement", async () => {
        const { resources: rs } = await runProgram(awsRaw({ ami: "ami-0fedcba9876543210" }));
        for (const i of ofType(rs, "aws:ec2/instance:Instance")) {
            expect(i.inputs.ami).toBe("ami-0fedcba9876543210");
            expect(i.options.ignoreChanges).toEqual([]);
            expect(i.options.protect).toBe(true);
        }
    });

    test("aws: delete order: every command on a host goes before its data attachment and volume; a volume never follows its instance", async () => {
        const { resources: rs } = await awsDefaultRun();
        // 2m-2s-async: broker-a master on worker2 (slave on worker3), broker-b the mirror.
        const onHost: Record<string, string[]> = {
            worker1: ["namesrv-worker1-service", "dashboard-service", "checks-health", "worker1-install-apply"],
            worker2: ["namesrv-worker2-service", "broker-a-master", "broker-b-slave"],
            worker3: ["namesrv-worker3-service", "broker-b-master", "broker-a-slave"],
        };
        for (const [host, cmds] of Object.entries(onHost))
            for (const cmd of cmds) {
                expect(`${cmd} -> ${host}-data-attach: ${reaches(rs, `rmq-unit-${cmd}`, `rmq-unit-${host}-data-attach`)}`).toBe(
                    `${cmd} -> ${host}-data-attach: true`,
                );
                expect(reaches(rs, `rmq-unit-${cmd}`, `rmq-unit-${host}-data`)).toBe(true);
            }
        for (const host of Object.keys(onHost)) {
            expect(reaches(rs, `rmq-unit-${host}-data-attach`, `rmq-unit-${host}-data`)).toBe(true);
            // The zone comes from the subnet: replacing an instance does not replace its volume.
            expect(reaches(rs, `rmq-unit-${host}-data`, `rmq-unit-${host}`)).toBe(false);
        }
    });

    test("aws: SSH only from sshAllowedCidrs, clients only from allowedCidrs", async () => {
        const { resources: rs } = await runProgram(awsRaw({ sshAllowedCidrs: JSON.stringify(["198.51.100.7/32"]) }));
        const rules = ofType(rs, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter(
            (r) => r.inputs.cidrIpv4 !== undefined,
        );
        const ssh = rules.filter((r) => r.inputs.fromPort === 22);
        expect(ssh.map((r) => [r.inputs.cidrIpv4, r.inputs.toPort])).toEqual([["198.51.100.7/32", 22]]);
        // Same resource as the client rule for port 22 of earlier versions: upgrading changes no rule.
        expect(ssh[0].options.aliases.some((a) => a.endsWith("rmq-unit-client-0-22"))).toBe(true);
        const clients = rules.filter((r) => r.inputs.fromPort !== 22);
        expect(new Set(clients.map((r) => r.inputs.cidrIpv4))).toEqual(new Set(["203.0.113.0/24"]));
        expect(clients.map((r) => r.inputs.fromPort).sort()).toEqual([10909, 10911, 11009, 11011, 8080, 9876].sort());
    });

    test("secrets stay secret: connection, dashboard password; no script carries the key or the password", async () => {
        const { resources: rs, outputs, exported } = await runProgram(existingRaw());
        for (const r of rs.filter((x) => x.type.startsWith("command:remote:"))) {
            const conn = r.inputs.connection as Record<string, unknown>;
            expect(conn[SECRET_SIG]).toBeDefined();
            const visible = JSON.stringify({ create: r.inputs.create, delete: r.inputs.delete, stdin: r.inputs.stdin });
            expect(visible).not.toContain("UNIT-TEST-KEY");
        }
        const dash = named(rs, "dashboard-service");
        expect((dash.inputs.stdin as Record<string, unknown>)[SECRET_SIG]).toBeDefined();
        for (const r of rs.filter((x) => x.type === "command:remote:Command" && x !== dash)) expect(r.raw).not.toContain(PASSWORD);
        expect(JSON.stringify(named(rs, "dashboard-service").inputs.create)).not.toContain(PASSWORD);
        expect(outputs.dashboardAdminPassword).toBe(PASSWORD);
        // The stack output itself is secret: `pulumi stack output` shows it only with --show-secrets.
        expect(pulumi.Output.isInstance(exported.dashboardAdminPassword)).toBe(true);
        expect(await pulumi.isSecret(exported.dashboardAdminPassword as pulumi.Output<string>)).toBe(true);
    });

    test("topics and consumer groups: one resource each on worker1, after the checks; kept when removed unless opted in", async () => {
        const raw = existingRaw({
            topics: JSON.stringify([{ name: "orders", queues: 4 }, { name: "audit" }]),
            consumerGroups: JSON.stringify([{ name: "orders-consumer" }]),
        });
        const { resources: rs } = await runProgram(raw);
        const managed = rs.filter((r) => /-(topic|group)-/.test(r.name));
        expect(managed.map((r) => r.name).sort()).toEqual([
            "rmq-unit-group-orders-consumer",
            "rmq-unit-topic-audit",
            "rmq-unit-topic-orders",
        ]);
        expect(ofType(rs, "rocketmq:index:TopicsAndGroups").map((r) => r.name)).toEqual(["rmq-unit"]);
        // Each claims its topic or group (rmq-claim): an up --replace's old delete leaves it be.
        const created = (r: Registered) =>
            Buffer.from(/echo ([A-Za-z0-9+/=]{40,}) \| base64 -d/.exec(String(r.inputs.create))![1], "base64").toString();
        expect(created(named(rs, "topic-orders"))).toContain("rmq_claim take topic-orders");
        expect(created(named(rs, "group-orders-consumer"))).toContain("rmq_claim take group-orders-consumer");
        // One more command on worker1 forgets the claims of those no longer declared; none without any.
        const claims = named(rs, "rmq-unit-claims");
        expect(claims.inputs.stdin).toContain("\ngroup-orders-consumer\ntopic-audit\ntopic-orders\nRMQ_EOF\n");
        expect(JSON.stringify(claims.inputs.connection)).toContain("192.0.2.11");
        expect(dependsOn(rs, "rmq-unit-claims", "checks-smoke")).toBe(true);
        expect((await runProgram(existingRaw())).resources.filter((r) => /-claims$/.test(r.name))).toEqual([]);
        for (const r of managed) {
            expect([r.name, r.options.retainOnDelete]).toEqual([r.name, true]);
            expect(dependsOn(rs, r.name, "checks-smoke")).toBe(true);
            expect(JSON.stringify(r.inputs.connection)).toContain("192.0.2.11");
        }
        expect(named(rs, "topic-orders").inputs.stdin).toContain("rmq-topic apply 'rocketmq-cluster' 'orders' '4' '4' '6' 'NORMAL'");
        expect(named(rs, "topic-orders").inputs.delete).toContain("base64 -d");

        const optedIn = await runProgram({ ...raw, deleteRemovedTopics: "true" });
        expect(named(optedIn.resources, "topic-orders").options.retainOnDelete).toBe(false);
        expect(named(optedIn.resources, "group-orders-consumer").options.retainOnDelete).toBe(true);
        // The opt-in is a resource option, not an input: flipping it changes no script (nothing runs on the cluster).
        expect(named(optedIn.resources, "topic-orders").inputs.stdin).toBe(named(rs, "topic-orders").inputs.stdin);
    });
    test("authEnabled: credentials on every host before the brokers, one command per user after the check, all secret", async () => {
        const raw = existingRaw({
            authEnabled: "true",
            authUsers: JSON.stringify({ orders: { topics: { A: "PUB|SUB" }, groups: ["GA"] } }),
        });
        const { resources: rs, outputs, exported } = await runProgram(raw);
        const authCommands = ["worker1", "worker2", "worker3"].map((w) => `rmq-unit-auth-${w}-files`);
        expect(commands(rs)).toEqual(expect.arrayContaining([...authCommands, "rmq-unit-users-orders"]));
        expect(
            ofType(rs, "random:index/randomPassword:RandomPassword")
                .map((r) => r.name)
                .sort(),
        ).toEqual(
            [
                "rmq-unit-auth-admin-password",
                "rmq-unit-auth-inner-password",
                "rmq-unit-dashboard-admin-password",
                "rmq-unit-users-orders-password",
            ].sort(),
        );
        // Every broker starts after its host has the credentials; users wait for the cluster check.
        for (const b of ["broker-a-master", "broker-a-slave", "broker-b-master", "broker-b-slave"])
            for (const a of authCommands) expect([b, a, dependsOn(rs, b, a)]).toEqual([b, a, true]);
        expect(reaches(rs, "users-orders", "checks-health")).toBe(true);
        // The passwords (all PASSWORD under these mocks) travel only in secret stdin.
        const secretOnes = [...authCommands, "rmq-unit-users-orders", "rmq-unit-dashboard-service"];
        for (const r of rs.filter((x) => x.type === "command:remote:Command")) {
            if (secretOnes.includes(r.name)) {
                expect([r.name, (r.inputs.stdin as Record<string, unknown>)[SECRET_SIG] !== undefined]).toEqual([r.name, true]);
                expect(r.inputs.logging).toBe("none");
            } else expect([r.name, r.raw.includes(PASSWORD)]).toEqual([r.name, false]);
            expect(JSON.stringify({ create: r.inputs.create, delete: r.inputs.delete })).not.toContain(PASSWORD);
        }
        expect(outputs.authAdminPassword).toBe(PASSWORD);
        expect(outputs.authUserPasswords).toEqual({ orders: PASSWORD });
        for (const k of ["authAdminPassword", "authUserPasswords"])
            expect([k, await pulumi.isSecret(exported[k] as pulumi.Output<unknown>)]).toEqual([k, true]);
    }, 60000);

    test("authEnabled off (the default): no auth resource, no auth output", async () => {
        const { resources: rs, outputs } = await runProgram(existingRaw());
        expect(commands(rs).filter((n) => n.includes("-auth-") || n.includes("-users-"))).toEqual([]);
        expect(outputs.authAdminPassword).toBeUndefined();
        expect(outputs.authUserPasswords).toBeUndefined();
    }, 60000);

    test("invalid config fails before any resource is registered, as a RunError listing every problem (printed without a stack trace)", async () => {
        let error: unknown;
        try {
            await runProgram(
                existingRaw({ topology: "3m", dashboardVersion: "2.0.0;", brokerProperties: JSON.stringify({ brokerRole: "SLAVE" }) }),
            );
        } catch (e) {
            error = e;
        }
        // The language host prints a RunError's message alone; anything else as "unhandled exception" with its stack.
        expect(pulumi.RunError.isInstance(error)).toBe(true);
        expect((error as Error).message.split("\n")).toEqual([
            "invalid stack configuration (3 problems):",
            '  - rocketmq:topology = "3m": one of 2m-2s-async, 2m-2s-sync, 2m-noslave, dledger',
            '  - rocketmq:brokerProperties.brokerRole = "SLAVE": not an override: the stack sets brokerRole itself, set by rocketmq:topology (2m-2s-sync: SYNC_MASTER, other masters ASYNC_MASTER, slaves SLAVE)',
            '  - rocketmq:dashboardVersion = "2.0.0;": a version such as 2.0.0 (digits and dots, optionally -QUALIFIER)',
            "set values with `pulumi config set rocketmq:KEY VALUE` (`--path` for nested keys) or in Pulumi.STACK.yaml",
        ]);
        await new Promise((res) => setTimeout(res, 50));
        expect(lastRun.resources.filter((r) => r.type !== "pulumi:pulumi:Stack")).toHaveLength(0);
    });

    test("a version change the stores cannot take fails at preview, naming rocketmq:version, both versions and what is allowed; nothing registered", async () => {
        let error: unknown;
        try {
            await runProgram(existingRaw({ version: "4.9.7" }), "5.3.3");
        } catch (e) {
            error = e;
        }
        expect(pulumi.RunError.isInstance(error)).toBe(true);
        const lines = (error as Error).message.split("\n");
        expect(lines[0]).toBe("invalid stack configuration (1 problem):");
        expect(lines[1]).toMatch(
            /^ {2}- rocketmq:version = "4\.9\.7": the cluster runs 5\.3\.3 \(stack output `version`.*5\.3\.3 -> 4\.9\.7 is refused, unsafe: /,
        );
        expect(lines[1]).toMatch(/From 5\.3\.3 this stack rolls to: 5\.3\.3, 5\.5\.0$/);
        await new Promise((res) => setTimeout(res, 50));
        expect(lastRun.resources.filter((r) => r.type !== "pulumi:pulumi:Stack")).toHaveLength(0);
    });

    test.each([
        [undefined, "4.9.7"],
        ["5.3.3", "5.5.0"],
        ["5.5.0", "5.3.3"],
        ["4.9.7", "4.9.7"],
    ])("deployed %s, now %s: allowed, the cluster is planned", async (deployed, wanted) => {
        const { resources: rs, outputs } = await runProgram(existingRaw({ version: wanted }), deployed);
        expect(outputs.version).toBe(wanted);
        expect(rs.filter((r) => r.type === "rocketmq:index:RocketMqCluster")).toHaveLength(1);
    });

    describe("SSH host keys", () => {
        const KEYS = [
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMbH94EaABhfFVROyFuoud9zkajkMHYnDzLYfILc2WUr",
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIH/549pNo5u3B1RBZ2okAvsdTWr/99t7usr0yLJedRum",
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGxS0mQq0vQbq8V3yB1Qh9b0n2l7mXz1c9wqf2j3J4k5",
        ];
        const pinnedRaw = () =>
            existingRaw({
                hosts: JSON.stringify(
                    [1, 2, 3].map((i) => ({
                        name: `worker${i}`,
                        host: `192.0.2.1${i}`,
                        memoryMiB: 8192,
                        cpus: 4,
                        hostKey: `${KEYS[i - 1]} root@w${i}`,
                    })),
                ),
            });
        afterEach(() => (hostKeyScans.offered = {}));

        test("existing hosts: every command and recovery check on a host verifies its pinned key; up reads each host's key first", async () => {
            hostKeyScans.offered = { "192.0.2.11": [KEYS[0]], "192.0.2.12": [KEYS[1]], "192.0.2.13": [KEYS[2]] };
            const { resources: rs } = await runProgram(pinnedRaw());
            const remote = ofType(rs, "command:remote:Command");
            expect(remote.length).toBeGreaterThan(20);
            for (const r of [...remote, ...ofType(rs, RUNNING_TYPE)]) {
                const c = conn(r.inputs) as { host: string; hostKey?: string };
                expect([r.name, c.hostKey]).toEqual([r.name, KEYS[Number(c.host.slice(-1)) - 1]]);
            }
            expect(hostKeyScans.scanned.sort()).toEqual(["192.0.2.11", "192.0.2.12", "192.0.2.13"]);
        });

        test("existing hosts without a pin: connections unchanged (no hostKey), nothing scanned", async () => {
            const { resources: rs } = await runProgram(existingRaw());
            for (const r of ofType(rs, "command:remote:Command")) expect(Object.keys(conn(r.inputs) as object)).not.toContain("hostKey");
            expect(hostKeyScans.scanned).toEqual([]);
        });

        test("aws: first contact (facts, host keys) runs unpinned; every later command and recovery check pins the key the host printed, learned again per instance", async () => {
            const { resources: rs } = await awsDefaultRun();
            for (const w of ["worker1", "worker2", "worker3"]) {
                const learned = named(rs, `-${w}-hostkey`);
                expect(learned.inputs.create).toBe(PRINT_HOST_KEYS);
                expect(learned.inputs.triggers).toEqual([`rmq-unit-${w}-id`]);
                expect(conn(learned.inputs)).not.toHaveProperty("hostKey");
                expect(conn(named(rs, `-${w}-ssh`).inputs)).not.toHaveProperty("hostKey");
            }
            const pinned = [...ofType(rs, "command:remote:Command"), ...ofType(rs, RUNNING_TYPE)].filter(
                (r) => !/-(ssh|hostkey)$/.test(r.name),
            );
            expect(pinned.length).toBeGreaterThan(20);
            const eipOf = (w: string) => named(rs, `-${w}-eip`);
            for (const r of pinned) {
                const c = conn(r.inputs) as { host: string; hostKey?: string };
                expect([r.name, c.hostKey]).toEqual([
                    r.name,
                    expect.stringMatching(/^ssh-ed25519 AAAAC3NzaC1lZDI1rmqunitworker[123]hostkey$/),
                ]);
                // The key of the host it dials.
                const w = c.hostKey!.match(/worker[123]/)![0];
                expect([r.name, c.host]).toEqual([r.name, expect.stringMatching(/^203\.0\.113\./)]);
                expect(eipOf(w)).toBeDefined();
            }
        });

        test("aws: stable addresses (an Elastic IP per instance, protected with it); instances change one host at a time", async () => {
            const { resources: rs } = await awsDefaultRun();
            for (const w of ["worker1", "worker2", "worker3"]) {
                const eip = named(rs, `-${w}-eip`);
                expect(eip.inputs).toMatchObject({ domain: "vpc", instance: `rmq-unit-${w}-id` });
                expect(eip.options.protect).toBe(true);
                const settled = named(rs, `-${w}-settled`);
                // Nothing on create; on update (the instance was stopped and started) the wait.
                expect(settled.inputs.create).toBeUndefined();
                expect(settled.inputs.update).toBe("sudo -n bash -s");
                expect(settled.inputs.stdin).toContain(`${w} runs as t3.large`);
                expect(dependsOn(rs, `-${w}-settled`, `rmq-unit-${w}`)).toBe(true);
            }
            expect(dependsOn(rs, "rmq-unit-worker2", "-worker1-settled")).toBe(true);
            expect(dependsOn(rs, "rmq-unit-worker3", "-worker2-settled")).toBe(true);
            expect(named(rs, "rmq-unit-worker1").dependencies.some((d) => d.includes("settled"))).toBe(false);
        });

        test("aws: of the hosts' resources, a new instanceType changes the instances and their settle steps only; a bigger data volume reruns the mount", async () => {
            const before = (await awsDefaultRun()).resources;
            const after = (await runProgram(awsRaw({ instanceType: "t3.xlarge", dataVolumeGiB: "80" }))).resources;
            // The hosts' own resources (the brokers follow the new type's memory: heaps, a roll).
            const changed = after
                .filter((r) => /^rmq-unit-worker[123]/.test(r.name))
                .filter((r) => {
                    const old = before.find((b) => b.name === r.name && b.type === r.type);
                    return !old || old.raw !== r.raw;
                })
                .map((r) => r.name)
                .sort();
            expect(changed).toEqual(
                ["worker1", "worker2", "worker3"]
                    .flatMap((w) => [`rmq-unit-${w}`, `rmq-unit-${w}-data`, `rmq-unit-${w}-mount-data`, `rmq-unit-${w}-settled`])
                    .sort(),
            );
            for (const w of ["worker1", "worker2", "worker3"]) {
                expect(named(after, `rmq-unit-${w}`).inputs.instanceType).toBe("t3.xlarge");
                expect(named(after, `rmq-unit-${w}-data`).inputs.size).toBe(80);
                expect(named(after, `-${w}-mount-data`).inputs.stdin).toMatch(/\(80 GiB\)[\s\S]*want_bytes=\$\(\(80 \* 1024/);
            }
        });
    });
});
