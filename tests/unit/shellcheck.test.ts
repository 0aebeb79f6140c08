// Every script the stack runs on a host, rendered for each topology and version, passes shellcheck.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RawConfig } from "../../config/validate";
import { PUBLIC_KEY, existingRaw } from "./fixtures";
import { asBashFile, contextOf, renderedScripts } from "./scripts";

const TOPICS = JSON.stringify([
    { name: "orders", queues: 8, messageType: "FIFO" },
    { name: "audit_log-2", readQueues: 4, writeQueues: 2, perm: "r" },
]);
const GROUPS = JSON.stringify([
    { name: "orders-consumer", retryMaxTimes: 3, orderly: true },
    { name: "audit", broadcast: true },
]);
const cases: [string, RawConfig][] = [
    ["2m-2s-async 5.3.3", existingRaw({ topics: TOPICS, consumerGroups: GROUPS })],
    ["dledger 5.3.3", existingRaw({ topology: "dledger", topics: TOPICS, consumerGroups: GROUPS })],
    ["2m-2s-async 5.5.0", existingRaw({ version: "5.5.0" })],
    ["dledger 5.5.0", existingRaw({ topology: "dledger", version: "5.5.0" })],
    [
        "2m-2s-sync 4.9.7 upload",
        existingRaw({
            topology: "2m-2s-sync",
            version: "4.9.7",
            topics: JSON.stringify([{ name: "orders", queues: 8 }]),
            consumerGroups: JSON.stringify([{ name: "orders-consumer", broadcast: true }]),
            localArchive: "/x/rocketmq-all-4.9.7-bin-release.zip",
            javaArchive: "/x/jdk.tar.gz",
            javaSha512: "b".repeat(128),
        }),
    ],
    [
        "2m-2s-async 5.3.3 with authentication and users",
        existingRaw({
            authEnabled: "true",
            authUsers: JSON.stringify({ orders: { topics: { A: "PUB|SUB", C: "PUB" }, groups: ["GA"] }, audit: { topics: { A: "SUB" } } }),
        }),
    ],
    ["dledger 5.5.0 with authentication", existingRaw({ topology: "dledger", version: "5.5.0", authEnabled: "true" })],
    [
        "every optional string set",
        existingRaw({
            hosts: JSON.stringify(
                [1, 2, 3].map((i) => ({ name: `mq-${i}`, host: `host${i}.example.com`, privateAddress: `10.1.0.${i}`, user: "deploy" })),
            ),
            clusterName: "prod_cluster-1",
            downloadUrl: "https://mirror.example.com:8443/rocketmq/5.3.3/rocketmq-all-5.3.3-bin-release.zip?sig=a%2Fb&x=1",
            appRoot: "/opt/rmq",
            storeRoot: "/data/rmq",
            serviceUser: "rmq_svc",
            serviceUserAuthorizedKeys: JSON.stringify([PUBLIC_KEY]),
            dataDevice: "nvme1n1",
            dashboardVersion: "2.0.1-SNAPSHOT",
            dashboardLocalJar: "../build/rocketmq-dashboard-2.0.1-SNAPSHOT.jar",
            brokerProperties: JSON.stringify({ messageDelayLevel: "1s 5s 10s", deleteWhen: "04;16" }),
            instances: JSON.stringify({
                "broker-b-s": { properties: { storePathRootDir: "/data/other/broker-b-s", listenPort: "12011" } },
            }),
            sysctl: JSON.stringify({ "net.ipv4.tcp_rmem": "4096 87380 6291456" }),
        }),
    ],
];

describe("shellcheck on every rendered script", () => {
    const shellcheck = "shellcheck";
    beforeAll(() => {
        try {
            execFileSync(shellcheck, ["--version"]);
        } catch {
            throw new Error("shellcheck is not installed: apt-get install -y shellcheck (.ci/run does this)");
        }
    });
    test.each(cases)("%s", (_, raw) => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rmq-sc-"));
        const files = Object.entries(renderedScripts(contextOf(raw))).map(([name, text]) => {
            const f = path.join(dir, name);
            fs.writeFileSync(f, asBashFile(text));
            return f;
        });
        try {
            execFileSync(shellcheck, ["-s", "bash", "-S", "style", ...files], { encoding: "utf8" });
        } catch (e) {
            const err = e as { stdout?: string };
            throw new Error(`shellcheck found problems:\n${err.stdout ?? String(e)}`);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
