import * as fs from "fs";
import { BROKER_KEYS_DIR, BROKER_KEY_TYPES, brokerKeyTypes, brokerKeys } from "../../config/brokerKeys";
import { RunError } from "@pulumi/pulumi/errors";
import { ConfigError } from "../../config/errors";
import { DEFAULT_VERSION, SUPPORTED_VERSIONS } from "../../config/schema";
import { RawConfig, validateConfig } from "../../config/validate";
import { planCluster } from "../../planning/topology";
import { awsRaw, existingRaw } from "./fixtures";

/** Validates and plans; returns the problems as "key: allowed" lines, or [] when valid. */
function problems(raw: RawConfig): string[] {
    try {
        planCluster(validateConfig(raw));
        return [];
    } catch (e) {
        if (e instanceof ConfigError) return e.problems.map((p) => `${p.key} = ${JSON.stringify(p.value)}: ${p.allowed}`);
        throw e;
    }
}

function expectProblem(raw: RawConfig, key: string, pattern: RegExp): void {
    const found = problems(raw);
    const hit = found.find((p) => p.startsWith(`${key} =`));
    expect(hit).toBeDefined();
    expect(hit).toMatch(pattern);
}

const hosts = (list: object[]) => JSON.stringify(list);
const h = (name: string, host: string, extra: object = {}) => ({ name, host, user: "root", ...extra });

describe("validation before anything is created", () => {
    test("the fixtures are valid", () => {
        expect(problems(existingRaw())).toEqual([]);
        expect(problems(awsRaw())).toEqual([]);
        expect(problems(existingRaw({ topology: "dledger" }))).toEqual([]);
        for (const version of SUPPORTED_VERSIONS) expect(problems(existingRaw({ version }))).toEqual([]);
    });

    test("unknown topology names the allowed ones", () => {
        expectProblem(existingRaw({ topology: "3m-3s" }), "topology", /one of 2m-2s-async, 2m-2s-sync, 2m-noslave, dledger/);
    });

    test("unknown version", () => {
        expectProblem(existingRaw({ version: "4.7.1" }), "version", /one of 5\.3\.3, 5\.5\.0, 4\.9\.7$/);
    });

    test("4.9.8 is not supported (its broker is not in the Maven repository, so it cannot be tested): 4.9.7 is the 4.x", () => {
        expect(SUPPORTED_VERSIONS).toEqual(["5.3.3", "5.5.0", "4.9.7"]);
        expect(() => validateConfig(existingRaw({ version: "4.9.8" }))).toThrow(
            `rocketmq:version = "4.9.8": one of ${SUPPORTED_VERSIONS.join(", ")}`,
        );
    });

    test("too few hosts for the topology", () => {
        expectProblem(existingRaw({ hosts: hosts([h("worker1", "192.0.2.1"), h("worker2", "192.0.2.2")]) }), "hosts", /exactly 3 hosts/);
    });

    test("duplicate host names and addresses", () => {
        const dupName = hosts([h("worker1", "192.0.2.1"), h("worker1", "192.0.2.2"), h("worker3", "192.0.2.3")]);
        expectProblem(existingRaw({ hosts: dupName }), "hosts[].name", /unique/);
        const dupAddr = hosts([h("worker1", "192.0.2.1"), h("worker2", "192.0.2.1"), h("worker3", "192.0.2.3")]);
        expectProblem(existingRaw({ hosts: dupAddr }), "hosts[].host", /unique/);
    });

    test("bad host entries", () => {
        const bad = hosts([
            h("Worker_1", "192.0.2.1"),
            h("worker2", "192.0.2.2", { port: "ssh" }),
            h("worker3", "192.0.2.3", { memoryMiB: "lots" }),
        ]);
        const found = problems(existingRaw({ hosts: bad }));
        expect(found.some((p) => p.startsWith("hosts[0].name"))).toBe(true);
        expect(found.some((p) => p.startsWith("hosts[1].port"))).toBe(true);
        expect(found.some((p) => p.startsWith("hosts[2].memoryMiB"))).toBe(true);
    });

    test("two instances on one host whose ports collide (listenPort-2 and +1 count)", () => {
        // broker-b-s shares worker2 with broker-a (10909..10912); 10913 - 2 = 10911 collides.
        const raw = existingRaw({ instances: JSON.stringify({ "broker-b-s": { properties: { listenPort: "10913" } } }) });
        expectProblem(raw, "instances.broker-b-s.properties.listenPort", /collide on worker2.*10911 is taken by broker-a/);
        // 10914 - 2 = 10912, the master's HA port.
        const ha = existingRaw({ instances: JSON.stringify({ "broker-b-s": { properties: { listenPort: "10914" } } }) });
        expectProblem(ha, "instances.broker-b-s.properties.listenPort", /10912 is taken by broker-a/);
        // 10915 is clear of 10909..10912.
        expect(problems(existingRaw({ instances: JSON.stringify({ "broker-b-s": { properties: { listenPort: "10915" } } }) }))).toEqual([]);
    });

    test("a broker port on the name server port, and the dashboard port", () => {
        expectProblem(
            existingRaw({ instances: JSON.stringify({ "broker-a": { properties: { listenPort: "9878" } } }) }),
            "instances.broker-a.properties.listenPort",
            /9876 is taken by namesrv-worker2/,
        );
        expect(problems(existingRaw({ dashboardPort: "9876" }))).toEqual([
            "dashboardPort = 9876: ports that do not collide on worker1: namesrv-worker1 needs 9876 but 9876 is taken by dashboard (brokers bind listenPort-2, listenPort and listenPort+1)",
        ]);
    });

    test("two instances on one host with the same or nested store path", () => {
        const same = existingRaw({
            instances: JSON.stringify({ "broker-b-s": { properties: { storePathRootDir: "/app/rocketmq/store" } } }),
        });
        expectProblem(same, "instances.broker-b-s.properties.storePathRootDir", /store path of its own.*broker-a/);
        const nested = existingRaw({
            instances: JSON.stringify({ "broker-b-s": { properties: { storePathRootDir: "/app/rocketmq/store/b" } } }),
        });
        expectProblem(nested, "instances.broker-b-s.properties.storePathRootDir", /store path of its own/);
    });

    test("dLegerSelfId is the stack's own (n0..n2 in host order): an override, even a plausible one, is rejected", () => {
        for (const selfId of ["node1", "n7", "n2"]) {
            const raw = existingRaw({ topology: "dledger", instances: JSON.stringify({ n1: { properties: { dLegerSelfId: selfId } } }) });
            expect(problems(raw)).toEqual([
                `instances.n1.properties.dLegerSelfId = "${selfId}": not an override: the stack sets dLegerSelfId itself, set by rocketmq:topology (dledger: n0, n1, n2 in host order)`,
            ]);
        }
    });

    test("heap larger than the host's memory, where known", () => {
        expectProblem(existingRaw({ brokerHeap: "6g" }), "brokerHeap", /fit in worker2's 8192 MiB/);
        expectProblem(awsRaw({ instanceType: "t3.medium", brokerHeap: "2g" }), "brokerHeap", /fit in worker2's 4096 MiB/);
        // Unknown memory: nothing to check at preview (the host's real memory is checked at deploy).
        const unknown = hosts([h("worker1", "192.0.2.1"), h("worker2", "192.0.2.2"), h("worker3", "192.0.2.3")]);
        expect(problems(existingRaw({ hosts: unknown, brokerHeap: "64g" }))).toEqual([]);
    });

    test("bad heap sizes", () => {
        expectProblem(existingRaw({ namesrvHeap: "lots" }), "namesrvHeap", /JVM size such as 512m/);
        expectProblem(existingRaw({ instances: JSON.stringify({ "broker-a": { heap: "2x" } }) }), "instances.broker-a.heap", /JVM size/);
    });

    test("non-numeric numbers", () => {
        expectProblem(existingRaw({ smokeMessages: "many" }), "smokeMessages", /whole number/);
        expectProblem(existingRaw({ dashboardPort: "80.5" }), "dashboardPort", /whole number from 1024 to 65535/);
        expectProblem(
            existingRaw({ instances: JSON.stringify({ "broker-a": { properties: { listenPort: "ten" } } }) }),
            "instances.broker-a.properties.listenPort",
            /TCP port/,
        );
    });

    test("booleans", () => {
        expectProblem(existingRaw({ autoCreateTopicEnable: "yes" }), "autoCreateTopicEnable", /true, false or auto/);
    });

    test("aws mode: missing key and CIDRs", () => {
        expectProblem(awsRaw({ sshPublicKey: undefined }), "sshPublicKey", /OpenSSH public key/);
        expectProblem(awsRaw({ allowedCidrs: undefined }), "allowedCidrs", /non-empty list of CIDRs/);
        expectProblem(awsRaw({ allowedCidrs: JSON.stringify(["10.0.0.0/33"]) }), "allowedCidrs", /IPv4 CIDR/);
    });

    test("0.0.0.0/0 is refused on prod, allowed (explicitly) on dev", () => {
        expectProblem(
            awsRaw({ environment: "prod", allowedCidrs: JSON.stringify(["0.0.0.0/0"]) }),
            "allowedCidrs",
            /refused when environment is prod/,
        );
        expect(problems(awsRaw({ environment: "dev", allowedCidrs: JSON.stringify(["0.0.0.0/0"]) }))).toEqual([]);
    });

    test("sshAllowedCidrs: SSH apart from clients, by default the clients' list", () => {
        const aws = (over: RawConfig) => validateConfig(awsRaw(over)).aws!;
        expect(aws({}).sshAllowedCidrs).toEqual(["203.0.113.0/24"]);
        expect(aws({ sshAllowedCidrs: "[]" }).sshAllowedCidrs).toEqual(["203.0.113.0/24"]);
        const split = aws({ sshAllowedCidrs: JSON.stringify(["198.51.100.7/32", "192.0.2.0/28"]) });
        expect(split.sshAllowedCidrs).toEqual(["198.51.100.7/32", "192.0.2.0/28"]);
        expect(split.allowedCidrs).toEqual(["203.0.113.0/24"]);
    });

    test("sshAllowedCidrs: bad values name the key, the value and what is allowed", () => {
        expect(() => validateConfig(awsRaw({ sshAllowedCidrs: JSON.stringify(["10.0.0.0/33"]) }))).toThrow(
            'rocketmq:sshAllowedCidrs = "10.0.0.0/33": an IPv4 CIDR like 203.0.113.0/24',
        );
        expect(() => validateConfig(awsRaw({ sshAllowedCidrs: JSON.stringify(["ssh.example.com"]) }))).toThrow(
            'rocketmq:sshAllowedCidrs = "ssh.example.com": an IPv4 CIDR like 203.0.113.0/24',
        );
        expectProblem(awsRaw({ sshAllowedCidrs: "198.51.100.7/32" }), "sshAllowedCidrs", /valid JSON/);
        expectProblem(awsRaw({ sshAllowedCidrs: JSON.stringify({ a: "198.51.100.7/32" }) }), "sshAllowedCidrs", /a list of CIDRs/);
        expectProblem(awsRaw({ sshAllowedCidrs: JSON.stringify(["192.0.2.1/32", "192.0.2.1/32"]) }), "sshAllowedCidrs", /unique/);
        // Only the bad key is reported: the clients' list is fine.
        expect(problems(awsRaw({ sshAllowedCidrs: JSON.stringify(["10.0.0.0/33"]) })).map((p) => p.split(" =")[0])).toEqual([
            "sshAllowedCidrs",
        ]);
    });

    test("sshAllowedCidrs: 0.0.0.0/0 refused on prod, allowed (explicitly) on dev", () => {
        expect(() =>
            validateConfig(awsRaw({ environment: "prod", sshAllowedCidrs: JSON.stringify(["198.51.100.7/32", "0.0.0.0/0"]) })),
        ).toThrow('rocketmq:sshAllowedCidrs = "0.0.0.0/0": a narrower range: 0.0.0.0/0 is refused when environment is prod');
        expect(problems(awsRaw({ environment: "dev", sshAllowedCidrs: JSON.stringify(["0.0.0.0/0"]) }))).toEqual([]);
    });

    test("allowHostReplacement: false unless set, booleans only", () => {
        expect(validateConfig(awsRaw()).aws!.allowHostReplacement).toBe(false);
        expect(validateConfig(awsRaw({ allowHostReplacement: "true" })).aws!.allowHostReplacement).toBe(true);
        expectProblem(awsRaw({ allowHostReplacement: "yes" }), "allowHostReplacement", /true, false or auto/);
    });

    test("download or upload without sha512", () => {
        expectProblem(existingRaw({ sha512: undefined }), "sha512", /required with a download/);
        expectProblem(existingRaw({ sha512: "abc" }), "sha512", /128 hex digits/);
        // An uploaded archive is unpacked by root too: its sha512 is required (issue 14, defect 8).
        expectProblem(
            existingRaw({ sha512: undefined, localArchive: "/tmp/rocketmq-all-5.3.3-bin-release.zip" }),
            "sha512",
            /required with localArchive \(\/tmp\/rocketmq-all-5\.3\.3-bin-release\.zip\)/,
        );
        expectProblem(existingRaw({ dashboardSha512: undefined }), "dashboardSha512", /required with dashboardUrl/);
    });

    test("unknown broker keys, with a suggestion for the guide's old spelling", () => {
        expectProblem(
            existingRaw({ brokerProperties: JSON.stringify({ mapedFileSizeCommitLog: "1073741824" }) }),
            "brokerProperties.mapedFileSizeCommitLog",
            /did you mean mappedFileSizeCommitLog/,
        );
        expectProblem(
            existingRaw({ brokerProperties: JSON.stringify({ noSuchKey: "1" }) }),
            "brokerProperties.noSuchKey",
            new RegExp(`broker property RocketMQ ${DEFAULT_VERSION.replace(/\./g, "\\.")} reads`),
        );
        expectProblem(
            existingRaw({ instances: JSON.stringify({ "broker-a": { properties: { flushDiskTyp: "SYNC_FLUSH" } } }) }),
            "instances.broker-a.properties.flushDiskTyp",
            /did you mean flushDiskType/,
        );
    });

    test("instance overrides must name an instance of the topology", () => {
        expectProblem(existingRaw({ instances: JSON.stringify({ n0: { heap: "1g" } }) }), "instances.n0", /broker-a, broker-a-s/);
        expectProblem(
            existingRaw({ instances: JSON.stringify({ "broker-a": { hepa: "1g" } }) }),
            "instances.broker-a.hepa",
            /only heap and properties/,
        );
    });

    test("paths, users and JSON", () => {
        expectProblem(existingRaw({ appRoot: "app" }), "appRoot", /absolute path/);
        expectProblem(existingRaw({ serviceUser: "root" }), "serviceUser", /not root/);
        expectProblem(existingRaw({ brokerProperties: "{not json" }), "brokerProperties", /valid JSON/);
        expectProblem(existingRaw({ sysctl: JSON.stringify({ "vm.swappiness": "1; reboot" }) }), "sysctl.vm.swappiness", /plain value/);
    });

    test("every problem is reported at once, with key, value and what is allowed", () => {
        try {
            validateConfig(existingRaw({ topology: "x", smokeMessages: "y", sha512: undefined }));
            throw new Error("expected a ConfigError");
        } catch (e) {
            expect(e).toBeInstanceOf(ConfigError);
            // Pulumi's language host prints a RunError's message without "unhandled exception" and stack.
            expect(RunError.isInstance(e)).toBe(true);
            const msg = (e as Error).message;
            expect(msg).toContain('rocketmq:topology = "x": one of');
            expect(msg).toContain('rocketmq:smokeMessages = "y": a whole number');
            expect(msg).toContain("rocketmq:sha512 = (not set): required with a download");
        }
    });

    test("defaults: prod turns auto-creation off", () => {
        expect(validateConfig(awsRaw({ environment: "prod" })).autoCreateTopicEnable).toBe(false);
        expect(validateConfig(awsRaw({ environment: "dev" })).autoCreateTopicEnable).toBe(true);
    });
});

describe("broker key lists (config/brokerKeys, produced by scripts/gen-broker-keys.sh)", () => {
    test("one list per supported version and none for any other", () => {
        const files = fs.readdirSync(BROKER_KEYS_DIR).filter((f) => f.endsWith(".json"));
        expect(files.sort()).toEqual(SUPPORTED_VERSIONS.map((v) => `${v}.json`).sort());
        expect(SUPPORTED_VERSIONS).toContain(DEFAULT_VERSION);
    });

    test.each([...SUPPORTED_VERSIONS])(
        "%s: sorted unique names, each with its setter's types, with the keys the templates write",
        (version) => {
            const text = fs.readFileSync(`${BROKER_KEYS_DIR}/${version}.json`, "utf8");
            const list = Object.keys(JSON.parse(text) as Record<string, string>);
            expect([...list].sort()).toEqual(list);
            // JSON.parse keeps the last of two equal keys: count the lines to see duplicates.
            expect(text.trim().split("\n").length - 2).toBe(list.length);
            for (const types of brokerKeyTypes(version).values()) for (const t of types) expect(BROKER_KEY_TYPES).toContain(t);
            expect(brokerKeyTypes(version).get("fileReservedTime")).toEqual(["int"]);
            expect(brokerKeyTypes(version).get("autoCreateTopicEnable")).toEqual(["boolean"]);
            expect(brokerKeyTypes(version).get("flushDiskType")).toEqual(["string"]);
            for (const k of ["brokerClusterName", "brokerName", "brokerId", "namesrvAddr", "brokerIP1", "listenPort", "storePathRootDir"])
                expect(brokerKeys(version).has(k)).toBe(true);
            for (const k of ["mappedFileSizeCommitLog", "enableDLegerCommitLog", "dLegerGroup", "dLegerPeers", "dLegerSelfId"])
                expect(brokerKeys(version).has(k)).toBe(true);
        },
    );

    test("4.9.7 rejects keys only 5.x reads, and the ones 4.9.8 added (configBlackList)", () => {
        for (const key of ["enableControllerMode", "configBlackList"]) {
            expect(brokerKeys("5.3.3").has(key)).toBe(true);
            expectProblem(
                existingRaw({ version: "4.9.7", brokerProperties: JSON.stringify({ [key]: "true" }) }),
                `brokerProperties.${key}`,
                /broker property RocketMQ 4\.9\.7 reads; the list is config\/brokerKeys\/4\.9\.7\.json/,
            );
        }
    });
});

describe("client addresses", () => {
    const three = (extra: (i: number) => object) => hosts([1, 2, 3].map((i) => h(`worker${i}`, `10.0.0.${10 + i}`, extra(i))));
    test("existing mode: clientAddress defaults to privateAddress, which defaults to host", () => {
        const cfg = validateConfig(existingRaw({ hosts: three((i) => (i === 2 ? { privateAddress: "10.9.0.12" } : {})) }));
        expect(cfg.existingHosts.map((x) => x.clientAddress)).toEqual(["10.0.0.11", "10.9.0.12", "10.0.0.13"]);
        const split = validateConfig(existingRaw({ hosts: three((i) => ({ clientAddress: `mq${i}.example.com` })) }));
        expect(split.existingHosts.map((x) => [x.privateAddress, x.clientAddress])).toEqual([
            ["10.0.0.11", "mq1.example.com"],
            ["10.0.0.12", "mq2.example.com"],
            ["10.0.0.13", "mq3.example.com"],
        ]);
    });
    test("existing mode: a bad or repeated clientAddress is named", () => {
        expectProblem(
            existingRaw({ hosts: three((i) => (i === 3 ? { clientAddress: "10.0.0.1;reboot" } : {})) }),
            "hosts[2].clientAddress",
            /IPv4 address or a DNS name/,
        );
        expectProblem(existingRaw({ hosts: three(() => ({ clientAddress: "mq.example.com" })) }), "hosts[].clientAddress", /.+/);
        expectProblem(existingRaw({ clientAddress: "public" }), "clientAddress", /hosts\[\]\.clientAddress/);
    });
    test("aws mode: auto is public when a client CIDR lies outside the VPC, private when all are inside", () => {
        expect(validateConfig(awsRaw()).aws).toMatchObject({
            clientAddress: "public",
            clientAddressReason: expect.stringContaining("203.0.113.0/24"),
        });
        // The deployer's SSH comes from a public address (aws: SSH dials public addresses).
        const ssh = JSON.stringify(["198.51.100.7/32"]);
        const inside = validateConfig(
            awsRaw({ allowedCidrs: JSON.stringify(["10.20.4.0/24", "10.20.0.5/32"]), sshAllowedCidrs: ssh }),
        ).aws!;
        expect(inside.clientAddress).toBe("private");
        const edge = validateConfig(awsRaw({ allowedCidrs: JSON.stringify(["10.20.0.0/15"]), sshAllowedCidrs: ssh })).aws!;
        expect(edge.clientAddress).toBe("public");
        expect(validateConfig(awsRaw({ clientAddress: "private" })).aws!.clientAddress).toBe("private");
        expectProblem(awsRaw({ clientAddress: "elastic" }), "clientAddress", /auto, private or public/);
    });
});
