// rocketmq:topics and rocketmq:consumerGroups: validation (each problem names its key, the value
// and what is allowed), the per-topic and per-group scripts, and the host tools' parsing of real
// mqadmin output (captured from RocketMQ 5.3.3 on the test machines).
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError, ConfigProblem } from "../../config/errors";
import { RawConfig, validateConfig } from "../../config/validate";
import { planCluster } from "../../planning/topology";
import { groupApplyScript, groupDeleteScript, topicApplyScript, topicDeleteScript } from "../../planning/topics";
import { render } from "../../planning/templates";
import { existingRaw, pinnedHosts } from "./fixtures";

function problems(raw: RawConfig): ConfigProblem[] {
    try {
        validateConfig(raw);
        return [];
    } catch (e) {
        if (e instanceof ConfigError) return e.problems;
        throw e;
    }
}
const keysOf = (raw: RawConfig) => problems(raw).map((p) => p.key);
const topics = (...t: unknown[]) => ({ topics: JSON.stringify(t) });
const groups = (...g: object[]) => ({ consumerGroups: JSON.stringify(g) });

describe("rocketmq:topics validation", () => {
    test("defaults: 8 read and 8 write queues, rw, message.type NORMAL on 5.x and none on 4.9.7", () => {
        expect(validateConfig(existingRaw(topics({ name: "orders" }))).topics).toEqual([
            { name: "orders", readQueues: 8, writeQueues: 8, perm: 6, messageType: "NORMAL" },
        ]);
        expect(validateConfig(existingRaw({ version: "4.9.7", ...topics({ name: "orders", queues: 4, perm: "r" }) })).topics).toEqual([
            { name: "orders", readQueues: 4, writeQueues: 4, perm: 4, messageType: undefined },
        ]);
        const cfg = validateConfig(existingRaw());
        expect([cfg.topics, cfg.consumerGroups, cfg.deleteRemovedTopics, cfg.deleteRemovedGroups, cfg.allowQueueDecrease]).toEqual([
            [],
            [],
            false,
            false,
            false,
        ]);
    });

    test("a message type on 4.9.7 is refused at preview, naming the key", () => {
        const found = problems(existingRaw({ version: "4.9.7", ...topics({ name: "orders", messageType: "FIFO" }) }));
        expect(found).toEqual([
            {
                key: "topics[0].messageType",
                value: "FIFO",
                allowed: "not available on RocketMQ 4.9.7 (topic message types came with 5.x): remove it",
            },
        ]);
    });

    test.each([
        ["a name with a space", { name: "my topic" }, "topics[0].name"],
        ["a name with % (RocketMQ's retry/DLQ prefix)", { name: "%RETRY%x" }, "topics[0].name"],
        ["a name of 128 characters", { name: "t".repeat(128) }, "topics[0].name"],
        ["a system topic", { name: "TBW102" }, "topics[0].name"],
        ["an rmq_sys_ topic", { name: "rmq_sys_wheel" }, "topics[0].name"],
        ["the cluster's own topic", { name: "rocketmq-cluster" }, "topics[0].name"],
        ["a broker's own topic", { name: "broker-a" }, "topics[0].name"],
        ["0 queues", { name: "t", queues: 0 }, "topics[0].queues"],
        ["queues as text", { name: "t", queues: "eight" }, "topics[0].queues"],
        ["more write than read queues", { name: "t", readQueues: 4, writeQueues: 8 }, "topics[0].writeQueues"],
        ["perm 6", { name: "t", perm: 6 }, "topics[0].perm"],
        ["an unknown message type", { name: "t", messageType: "fifo" }, "topics[0].messageType"],
        ["an unknown field", { name: "t", queueNums: 4 }, "topics[0].queueNums"],
    ])("%s is refused naming the key", (_, topic, key) => {
        expect(keysOf(existingRaw(topics(topic)))).toEqual([key]);
    });

    test("duplicate names, and not a list", () => {
        expect(keysOf(existingRaw(topics({ name: "a" }, { name: "a" })))).toEqual(["topics[].name"]);
        expect(keysOf(existingRaw({ topics: JSON.stringify({ name: "a" }) }))).toEqual(["topics"]);
        expect(keysOf(existingRaw(topics("a")))).toEqual(["topics[0]"]);
    });

    test("every problem says what is allowed and shows the value", () => {
        const [p] = problems(existingRaw(topics({ name: "t", readQueues: 2, writeQueues: 4 })));
        expect(p).toEqual({
            key: "topics[0].writeQueues",
            value: 4,
            allowed: "at most readQueues (2): messages written to queues no consumer reads would never be consumed",
        });
    });
});

describe("rocketmq:consumerGroups validation", () => {
    test("defaults: 16 retries, clustering, not orderly on 5.x; no orderly setting on 4.9.7", () => {
        expect(validateConfig(existingRaw(groups({ name: "g" }))).consumerGroups).toEqual([
            { name: "g", retryMaxTimes: 16, broadcast: false, orderly: false },
        ]);
        expect(validateConfig(existingRaw({ version: "4.9.7", ...groups({ name: "g", broadcast: true }) })).consumerGroups).toEqual([
            { name: "g", retryMaxTimes: 16, broadcast: true, orderly: undefined },
        ]);
    });

    test("orderly on 4.9.7 is refused at preview, naming the key", () => {
        expect(problems(existingRaw({ version: "4.9.7", ...groups({ name: "g", orderly: false }) }))).toEqual([
            {
                key: "consumerGroups[0].orderly",
                value: false,
                allowed: "not available on RocketMQ 4.9.7 (a group's consumeMessageOrderly came with 5.x): remove it",
            },
        ]);
    });

    test.each([
        ["a system group", { name: "TOOLS_CONSUMER" }, "consumerGroups[0].name"],
        ["a CID_RMQ_SYS_ group", { name: "CID_RMQ_SYS_TRANS" }, "consumerGroups[0].name"],
        ["a name with a ;", { name: "g;x" }, "consumerGroups[0].name"],
        ["retryMaxTimes 65", { name: "g", retryMaxTimes: 65 }, "consumerGroups[0].retryMaxTimes"],
        ["retryMaxTimes -1", { name: "g", retryMaxTimes: -1 }, "consumerGroups[0].retryMaxTimes"],
        ["broadcast yes", { name: "g", broadcast: "yes" }, "consumerGroups[0].broadcast"],
        ["an unknown field", { name: "g", consumeEnable: false }, "consumerGroups[0].consumeEnable"],
    ])("%s is refused naming the key", (_, group, key) => {
        expect(keysOf(existingRaw(groups(group)))).toEqual([key]);
    });
});

describe("per-topic and per-group scripts", () => {
    const cfg = validateConfig(
        existingRaw({
            ...topics({ name: "orders", queues: 4, messageType: "FIFO" }),
            ...groups({ name: "orders-consumer", retryMaxTimes: 3, orderly: true }),
        }),
    );
    const plan = planCluster(cfg);

    test("a topic's script names every value it applies, on both broker groups", () => {
        expect(topicApplyScript(cfg, plan, cfg.topics[0])).toBe(
            [
                "# topic orders: readQueues 4, writeQueues 4, perm rw, message.type FIFO; on broker-a, broker-b of rocketmq-cluster",
                "set -euo pipefail",
                "/app/rocketmq/bin/rmq-topic apply 'rocketmq-cluster' 'orders' '4' '4' '6' 'FIFO' 'false' 'broker-a' 'broker-b'",
                "",
            ].join("\n"),
        );
        expect(topicDeleteScript(cfg, cfg.topics[0])).toContain("/app/rocketmq/bin/rmq-topic delete 'rocketmq-cluster' 'orders'\n");
    });

    test("a group's script; 4.9.7 passes '-' for the settings it does not have", () => {
        expect(groupApplyScript(cfg, plan, cfg.consumerGroups[0])).toContain(
            "/app/rocketmq/bin/rmq-group apply 'rocketmq-cluster' 'orders-consumer' '3' 'false' 'true' 'broker-a' 'broker-b'\n",
        );
        expect(groupDeleteScript(cfg, cfg.consumerGroups[0])).toContain("rmq-group delete 'rocketmq-cluster' 'orders-consumer'\n");
        const old = validateConfig(
            existingRaw({ version: "4.9.7", topology: "dledger", ...topics({ name: "t" }), ...groups({ name: "g" }) }),
        );
        const oldPlan = planCluster(old);
        expect(topicApplyScript(old, oldPlan, old.topics[0])).toContain(
            "apply 'rocketmq-cluster' 't' '8' '8' '6' '-' 'false' 'RaftNode00'\n",
        );
        expect(groupApplyScript(old, oldPlan, old.consumerGroups[0])).toContain(
            "apply 'rocketmq-cluster' 'g' '16' 'false' '-' 'RaftNode00'\n",
        );
    });

    test("allowQueueDecrease reaches the script (a changed opt-in re-applies, never deletes)", () => {
        const allowed = validateConfig(existingRaw({ allowQueueDecrease: "true", ...topics({ name: "orders" }) }));
        expect(topicApplyScript(allowed, planCluster(allowed), allowed.topics[0])).toContain("'NORMAL' 'true' 'broker-a'");
    });
});

/**
 * The host tools against fake mqadmin output: what the real one printed on the test machines
 * (RocketMQ 5.3.3, 2m-2s-async), so the parsing is checked without a cluster.
 */
describe("rmq-topic / rmq-group parse what mqadmin prints", () => {
    const ROUTE = [
        "#ClusterName                                  #BrokerName                      #BrokerAddrs                                       #ReadQueue #WriteQueue #Perm",
        "rocketmq-cluster                              broker-a                         {0=10.77.3.12:10911, 1=10.77.3.13:11011}           4          4           6    ",
        "rocketmq-cluster                              broker-b                         {0=10.77.3.13:10911, 1=10.77.3.12:11011}           8          8           6    ",
        "-".repeat(158),
        "Total:                                        2                                                                                   12         12               ",
    ].join("\n");
    const NO_ROUTE =
        "org.apache.rocketmq.tools.command.SubCommandException: TopicRouteSubCommand command failed\nCaused by: org.apache.rocketmq.client.exception.MQClientException: CODE: 17  DESC: No topic route info in name server for the topic: orders";
    const ROUTE_A4 = [
        "#ClusterName                                  #BrokerName                      #BrokerAddrs                                       #ReadQueue #WriteQueue #Perm",
        "rocketmq-cluster                              broker-a                         {0=10.77.3.12:10911, 1=10.77.3.13:11011}           4          4           6    ",
    ].join("\n");
    // exportMetadata -c -t writes DIR/topic.json; as captured on the test cluster (queue counts summed over the
    // masters, attributes {} when none), the names changed.
    const EXPORT = [
        "{",
        '\t"exportTime":1795525178471,',
        '\t"topicConfigTable":{',
        '\t\t"orders-archive":{',
        '\t\t\t"attributes":{},',
        '\t\t\t"order":false,',
        '\t\t\t"perm":6,',
        '\t\t\t"readQueueNums":8,',
        '\t\t\t"topicFilterType":"SINGLE_TAG",',
        '\t\t\t"topicName":"orders-archive",',
        '\t\t\t"topicSysFlag":0,',
        '\t\t\t"writeQueueNums":8',
        "\t\t},",
        '\t\t"orders":{',
        '\t\t\t"attributes":{',
        '\t\t\t\t"message.type":"FIFO"',
        "\t\t\t},",
        '\t\t\t"order":false,',
        '\t\t\t"perm":6,',
        '\t\t\t"readQueueNums":16,',
        '\t\t\t"topicFilterType":"SINGLE_TAG",',
        '\t\t\t"topicName":"orders",',
        '\t\t\t"topicSysFlag":0,',
        '\t\t\t"writeQueueNums":16',
        "\t\t}",
        "\t}",
        "}",
    ].join("\n");
    const GROUP = (broker: string) =>
        [
            `=============================rocketmq-cluster:${broker}=============================`,
            "groupName                               =  orders-consumer",
            "consumeBroadcastEnable                  =  false",
            "consumeMessageOrderly                   =  true",
            "retryMaxTimes                           =  3",
            "groupRetryPolicy                        =  GroupRetryPolicy{type=CUSTOMIZED, exponentialRetryPolicy=null, customizedRetryPolicy=null}",
            "subscriptionDataSet                     =  ",
        ].join("\n");

    function runTool(
        tool: string,
        args: string[],
        mqadminOut: Record<string, string>,
        bodies: Record<string, string> = {},
    ): { code: number; out: string } {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rmq-tool-"));
        try {
            fs.mkdirSync(path.join(dir, "bin"));
            // A fake mqadmin: prints the canned output of its subcommand and logs every call.
            const cases = [
                ...Object.entries(mqadminOut).map(([sub, out]) => `  ${sub}) cat <<'OUT'\n${out}\nOUT\n  ;;`),
                ...Object.entries(bodies).map(([sub, body]) => `  ${sub}) ${body}\n  ;;`),
            ].join("\n");
            fs.writeFileSync(
                path.join(dir, "bin", "mqadmin"),
                `#!/usr/bin/env bash\necho "$*" >>"${dir}/calls"\ncase "$1" in\n${cases}\nesac\n`,
                { mode: 0o755 },
            );
            fs.writeFileSync(path.join(dir, "tool"), render(`host/bin/${tool}.mustache`, { rocketmqRoot: dir }), { mode: 0o755 });
            try {
                const out = execFileSync("bash", [path.join(dir, "tool"), ...args], {
                    encoding: "utf8",
                    env: { ...process.env, RMQ_TOPIC_TIMEOUT: "0", RMQ_GROUP_TIMEOUT: "0", RMQ_TOPIC_PAUSE: "0", RMQ_GROUP_PAUSE: "0" },
                    stdio: ["ignore", "pipe", "pipe"],
                });
                return { code: 0, out: out + fs.readFileSync(path.join(dir, "calls"), "utf8") };
            } catch (e) {
                const err = e as { status: number; stdout: string; stderr: string };
                return { code: err.status, out: err.stdout + err.stderr };
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }

    test("rmq-topic show: broker, read, write, perm per broker group (addresses with spaces, totals skipped)", () => {
        expect(runTool("rmq-topic", ["show", "orders"], { topicRoute: ROUTE }).out.split("\n").slice(0, 2)).toEqual([
            "broker-a 4 4 6",
            "broker-b 8 8 6",
        ]);
    });

    test("rmq-topic apply refuses a read-queue decrease before calling updateTopic", () => {
        const r = runTool("rmq-topic", ["apply", "c", "orders", "4", "4", "6", "-", "false", "broker-a", "broker-b"], {
            topicRoute: ROUTE,
        });
        expect(r.code).toBe(1);
        expect(r.out).toContain("refusing to lower the read queues of topic orders (broker-b 8 -> 4)");
    });

    test("rmq-topic apply fails with expected and got when the read-back differs", () => {
        const r = runTool("rmq-topic", ["apply", "c", "orders", "8", "8", "6", "-", "true", "broker-a", "broker-b"], {
            topicRoute: ROUTE,
            updateTopic: "create topic to 10.77.3.12:10911 success.\ncreate topic to 10.77.3.13:10911 success.",
        });
        expect(r.code).toBe(1);
        expect(r.out).toContain("does not read back as declared");
        expect(r.out).toContain("broker-a 8 8 6\nbroker-b 8 8 6\ngot:\nbroker-a 4 4 6\nbroker-b 8 8 6");
    });

    test("rmq-topic apply fails when updateTopic did not reach every broker group", () => {
        const r = runTool("rmq-topic", ["apply", "c", "orders", "8", "8", "6", "-", "true", "broker-a", "broker-b"], {
            topicRoute: NO_ROUTE,
            updateTopic:
                "create topic to 10.77.3.12:10911 success.\norg.apache.rocketmq.tools.command.SubCommandException: UpdateTopicSubCommand command failed",
        });
        expect(r.code).toBe(1);
        expect(r.out).toContain("updateTopic reached 1 of 2 broker group(s)");
    });

    test("rmq-topic apply does nothing when the current route cannot be read (a decrease could not be ruled out)", () => {
        const r = runTool("rmq-topic", ["apply", "c", "orders", "4", "4", "6", "-", "false", "broker-a"], {
            topicRoute:
                "org.apache.rocketmq.remoting.exception.RemotingTimeoutException: wait response on the channel <worker3/10.77.3.13:9876> timeout",
        });
        expect(r.code).toBe(1);
        expect(r.out).toContain("cannot read the current route of topic orders, nothing changed");
    });

    test("rmq-topic: a topic is created and read back with its message type (exportMetadata's topic.json)", () => {
        const r = runTool(
            "rmq-topic",
            ["apply", "c", "orders", "4", "4", "6", "FIFO", "false", "broker-a"],
            { topicRoute: ROUTE_A4, updateTopic: "create topic to 10.77.3.12:10911 success." },
            { exportMetadata: `cat >"$6/topic.json" <<'OUT'\n${EXPORT}\nOUT` },
        );
        expect(r.out).toContain("topic orders as declared: broker-a 4 4 6 (broker read write perm) message.type=FIFO");
        expect(r.out).toContain("updateTopic -c c -t orders -r 4 -w 4 -p 6 -a +message.type=FIFO");
        expect(r.code).toBe(0);
        // Another topic's type is not taken for this one's.
        const other = runTool(
            "rmq-topic",
            ["apply", "c", "orders", "4", "4", "6", "NORMAL", "false", "broker-a"],
            { topicRoute: ROUTE_A4, updateTopic: "create topic to 10.77.3.12:10911 success." },
            { exportMetadata: `cat >"$6/topic.json" <<'OUT'\n${EXPORT}\nOUT` },
        );
        expect(other.code).toBe(1);
        expect(other.out).toContain("message.type FIFO");
    });

    test("rmq-topic delete waits until the name servers know no route", () => {
        const r = runTool("rmq-topic", ["delete", "c", "orders"], {
            deleteTopic: "delete topic [orders] from cluster [c] success.\ndelete topic [orders] from NameServer success.",
            topicRoute: NO_ROUTE,
        });
        expect(r.out).toContain("topic orders deleted from cluster c");
        expect(r.code).toBe(0);
        const stuck = runTool("rmq-topic", ["delete", "c", "orders"], {
            deleteTopic: "delete topic [orders] from cluster [c] success.\ndelete topic [orders] from NameServer success.",
            topicRoute: ROUTE_A4,
        });
        expect(stuck.code).toBe(1);
        expect(stuck.out).toContain("topic orders is still routed");
    });

    test("rmq-group delete: none left is 'none', a failed read is not", () => {
        const del = "delete subscription group [g] from broker [10.77.3.12:10911] in cluster [c] success.";
        expect(runTool("rmq-group", ["delete", "c", "g"], { deleteSubGroup: del, getConsumerConfig: "" }).code).toBe(0);
        const failed = runTool("rmq-group", ["delete", "c", "g"], {
            deleteSubGroup: del,
            getConsumerConfig: "org.apache.rocketmq.tools.command.SubCommandException: GetConsumerConfigSubCommand command failed",
        });
        expect(failed.code).toBe(1);
        expect(failed.out).toContain("(getConsumerConfig failed)");
    });

    test("rmq-group show: broker, retryMaxTimes, broadcast, orderly ('-' where 4.9.x has no such field)", () => {
        const out = runTool("rmq-group", ["show", "orders-consumer"], {
            getConsumerConfig: `${GROUP("broker-b")}\n${GROUP("broker-a").replace(/\nconsumeMessageOrderly.*/, "")}`,
        }).out;
        expect(out.split("\n").slice(0, 2)).toEqual(["broker-a 3 false -", "broker-b 3 false true"]);
    });

    test("rmq-group apply passes: updateSubGroup on every master, read back as declared", () => {
        const r = runTool("rmq-group", ["apply", "c", "orders-consumer", "3", "false", "true", "broker-a", "broker-b"], {
            updateSubGroup:
                "create subscription group to 10.77.3.12:10911 success.\ncreate subscription group to 10.77.3.13:10911 success.",
            getConsumerConfig: `${GROUP("broker-a")}\n${GROUP("broker-b")}`,
        });
        expect(r.out).toContain("group orders-consumer as declared: broker-a 3 false true;broker-b 3 false true");
        expect(r.out).toContain("updateSubGroup -c c -g orders-consumer -r 3 -d false -o true");
        expect(r.code).toBe(0);
    });
});

describe("Pulumi.prod.yaml declares its topics and groups (auto-creation is off there)", () => {
    /** The list of flat maps under `  rocketmq:KEY:` (items `    - k: v`, then `      k: v`). */
    function yamlList(text: string, key: string): Record<string, string>[] {
        const lines = text.split("\n");
        const start = lines.indexOf(`  rocketmq:${key}:`);
        if (start < 0) return [];
        const items: Record<string, string>[] = [];
        for (const line of lines.slice(start + 1)) {
            const m = /^ {4}(- | {2})([A-Za-z]+): (.*)$/.exec(line);
            if (!m) break;
            if (m[1] === "- ") items.push({});
            items[items.length - 1][m[2]] = m[3];
        }
        return items;
    }
    const text = fs.readFileSync(path.join(__dirname, "..", "..", "Pulumi.prod.yaml"), "utf8");
    const num = (o: Record<string, string>) =>
        Object.fromEntries(Object.entries(o).map(([k, v]) => [k, /^[0-9]+$/.test(v) ? Number(v) : v === "true" ? true : v]));

    test("they validate for the prod topology and version, with auto-creation off", () => {
        const t = yamlList(text, "topics").map(num);
        const g = yamlList(text, "consumerGroups").map(num);
        expect(t.length).toBeGreaterThanOrEqual(2);
        expect(g.length).toBeGreaterThanOrEqual(2);
        const cfg = validateConfig(
            existingRaw({
                environment: "prod",
                hosts: pinnedHosts(),
                topology: "dledger",
                version: "5.3.3",
                topics: JSON.stringify(t),
                consumerGroups: JSON.stringify(g),
            }),
        );
        expect(cfg.autoCreateTopicEnable).toBe(false);
        expect(cfg.topics.map((x) => x.name)).toEqual(t.map((x) => x.name));
        expect(cfg.consumerGroups.map((x) => x.name)).toEqual(g.map((x) => x.name));
    });
});
