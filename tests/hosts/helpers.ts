// Checks the host tests share: clusterList rows, PIDs, processes, the guide's quickstart round trip.
import * as fs from "fs";
import { allInstances } from "../../planning/topology";
import { HostDeployer } from "./deployer";
import { run, runOk } from "./ssh";

export const KEY = process.env.RMQ_TEST_HOSTS_KEY ?? "/var/tmp/rmq-test-hosts/id_ed25519";
export const IPS = (process.env.RMQ_TEST_HOSTS_IPS ?? "10.77.0.11 10.77.0.12 10.77.0.13").split(" ");
export const DIST = process.env.RMQ_DIST_DIR ?? `${process.env.HOME}/.cache/rocketmq-pulumi/dist`;
export const ARTIFACTS = process.env.RMQ_ARTIFACT_URL ?? "http://10.77.0.1:8765";
export const DASHBOARD_VERSION = process.env.RMQ_DASHBOARD_VERSION ?? "2.0.0";
export const FIGURES = process.env.RMQ_E2E_FIGURES ?? "/var/tmp/rmq-e2e-figures.txt";

export const sha = (file: string) => fs.readFileSync(`${file}.sha512`, "utf8").split(/\s+/)[0];

export function figure(line: string): void {
    fs.appendFileSync(FIGURES, `${line}\n`);
    console.log(line);
}

/** The local stack's settings (Pulumi.local.yaml) plus what the e2e sets at run time. */
export function localRaw(version: string, over: Record<string, unknown> = {}): Record<string, unknown> {
    const zip = `rocketmq-all-${version}-bin-release.zip`;
    const jar = `rocketmq-dashboard-${DASHBOARD_VERSION}.jar`;
    return {
        environment: "test",
        hostMode: "existing",
        hosts: JSON.stringify(IPS.map((ip, i) => ({ name: `worker${i + 1}`, host: ip, user: "root" }))),
        version,
        downloadUrl: `${ARTIFACTS}/${zip}`,
        sha512: sha(`${DIST}/${zip}`),
        dashboardUrl: `${ARTIFACTS}/${jar}`,
        dashboardSha512: fs.existsSync(`${DIST}/${jar}`) ? sha(`${DIST}/${jar}`) : undefined,
        dashboardVersion: DASHBOARD_VERSION,
        namesrvHeap: "256m",
        brokerHeap: "512m",
        brokerProperties: JSON.stringify({ mappedFileSizeCommitLog: "134217728", diskMaxUsedSpaceRatio: "95" }),
        smokeMessages: "100",
        // The Maven mirror reachable here serves no rocketmq-dashboard jar.
        dashboardEnabled: fs.existsSync(`${DIST}/${jar}`) ? "true" : "false",
        ...over,
    };
}

export async function clusterRows(): Promise<string[]> {
    const out = await runOk(KEY, IPS[0], "clusterList", "/app/rocketmq/bin/mqadmin clusterList");
    return out
        .split("\n")
        .map((l) => l.trim().split(/\s+/))
        .filter((f) => f.length >= 4 && !f[0].startsWith("#") && /^\d+$/.test(f[2]))
        .map((f) => `${f[1]} ${f[2]} ${f[3]}`)
        .sort();
}

/** clusterList until it shows exactly `want` (a dead broker can linger there up to ~2 minutes). */
export async function waitRows(want: string[], seconds = 150): Promise<string[]> {
    let got: string[] = [];
    for (let t = 0; t < seconds; t += 3) {
        got = await clusterRows();
        if (JSON.stringify(got) === JSON.stringify([...want].sort())) return got;
        await sleep(3000);
    }
    return got;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function pids(d: HostDeployer): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    const ctx = d.ctx!;
    for (const inst of allInstances(ctx.plan))
        out[inst.id] = (await runOk(KEY, IPS[inst.hostIndex], "pid", `/app/rocketmq/bin/rmq-service pid ${inst.id}`)).trim();
    if (ctx.plan.dashboardHostIndex !== undefined)
        out.dashboard = (await runOk(KEY, IPS[0], "pid", "/app/rocketmq/bin/rmq-service pid dashboard")).trim();
    return out;
}

/** RocketMQ JVMs running in a host (the test hosts have their own PID namespaces). */
export async function rocketmqProcesses(ip: string): Promise<string> {
    const r = await run(KEY, ip, "pgrep -af '[o]rg.apache.rocketmq|[r]ocketmq-dashboard' || true");
    return r.stdout.trim();
}

/**
 * The guide's section 7.5 on worker2: 1000 messages to TopicTest, all received. With the guide's
 * quickstart classes when the distribution has rocketmq-example (the Maven mirror reachable here
 * does not serve it), else with the stack's own smoke client through rmq-smoke.
 */
export async function roundTrip1000(label: string): Promise<{ sent: number; received: number }> {
    const hasExample = (await run(KEY, IPS[1], "ls /app/rocketmq/current/lib | grep -q '^rocketmq-example-'")).code === 0;
    if (hasExample) return quickstart(label);
    const t0 = Date.now();
    const r = await run(KEY, IPS[1], "/app/rocketmq/bin/rmq-smoke 1000 TopicTest", "", 300_000);
    const m = /sent=(\d+) acked=(\d+) received=(\d+) missing=(\d+) sendMs=(\d+) consumeMs=(\d+)/.exec(r.stdout);
    if (!m) throw new Error(`rmq-smoke printed no summary (exit ${r.code}):\n${r.stdout.slice(-2000)}${r.stderr.slice(-2000)}`);
    figure(
        `1000 messages to TopicTest (${label}, smoke client): sent in ${(Number(m[5]) / 1000).toFixed(1)} s, received in ${(Number(m[6]) / 1000).toFixed(1)} s; ${((Date.now() - t0) / 1000).toFixed(1)} s with JVM start`,
    );
    // acked = sends the broker confirmed; every one of them must come back (missing = 0).
    return { sent: Number(m[2]), received: Number(m[2]) - Number(m[4]) };
}

async function quickstart(label: string): Promise<{ sent: number; received: number }> {
    const env = "NAMESRV_ADDR='worker1:9876;worker2:9876;worker3:9876'";
    const java = `. /app/rocketmq/java.env; ${env} $JAVA -Xmx256m -Duser.home=/tmp -cp '/app/rocketmq/current/lib/*'`;
    let t0 = Date.now();
    const produced = await run(KEY, IPS[1], `${java} org.apache.rocketmq.example.quickstart.Producer`, "", 300_000);
    const produceS = (Date.now() - t0) / 1000;
    if (produced.code !== 0) throw new Error(`quickstart Producer failed:\n${produced.stdout.slice(-2000)}${produced.stderr.slice(-2000)}`);
    const sent = new Set([...produced.stdout.matchAll(/sendStatus=SEND_OK, msgId=([0-9A-F]+)/g)].map((m) => m[1]));
    t0 = Date.now();
    await runOk(
        KEY,
        IPS[1],
        "start consumer",
        `rm -f /tmp/qs-consumer.out; nohup setsid timeout 180 ${java} org.apache.rocketmq.example.quickstart.Consumer >/tmp/qs-consumer.out 2>&1 </dev/null & echo started`,
    );
    // The Consumer never exits by itself: stop it once every sent id was seen (or after 150 s).
    let received = 0;
    for (let i = 0; i < 150 && received < sent.size; i++) {
        await sleep(1000);
        const out = (await run(KEY, IPS[1], "cat /tmp/qs-consumer.out")).stdout;
        const got = new Set([...out.matchAll(/msgId=([0-9A-F]+)/g)].map((m) => m[1]));
        received = [...sent].filter((id) => got.has(id)).length;
    }
    await run(KEY, IPS[1], "pkill -f quickstart.Consumer || true");
    figure(
        `quickstart 1000 (${label}): sent ${sent.size} in ${produceS.toFixed(1)} s, received ${received} in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    return { sent: sent.size, received };
}
