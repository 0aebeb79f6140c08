// rmq-cluster-check parses real clusterList output (both versions' formats) with the host's awk.
// The 4.9.x lines are as mqadmin clusterList of 4.9.7 printed them.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { validateConfig } from "../../config/validate";
import { hostTools } from "./render";
import { planCluster } from "../../planning/topology";
import { existingRaw } from "./fixtures";

const HEAD5 =
    "#Cluster Name           #Broker Name            #BID  #Addr                  #Version              #InTPS(LOAD)                   #OutTPS(LOAD)  #Timer(Progress)        #PCWait(ms)  #Hour         #SPACE    #ACTIVATED";
const row5 = (name: string, bid: number, addr: string) =>
    `rocketmq-cluster        ${name}              ${bid}     ${addr}       V5_3_3                 0.00(0,0ms)               0.00(0,0ms|0,0ms)  0-0(0.0w, 0.0, 0.0)               0  498743.37     0.2300          ${bid === 0}`;
const HEAD4 =
    "#Cluster Name     #Broker Name            #BID  #Addr                  #Version                #InTPS(LOAD)       #OutTPS(LOAD) #PCWait(ms) #Hour #SPACE";
const row4 = (name: string, bid: number, addr: string) =>
    `rocketmq-cluster  ${name}                ${bid}     ${addr}        V4_9_7                   0.00(0,0ms)         0.00(0,0ms)          0 498742.62 0.2300`;

function check(clusterList: string, expected: string): number {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "rmq-cc-"));
    const cfg = validateConfig(existingRaw({ appRoot: root }));
    const ctx = { cfg, plan: planCluster(cfg), hosts: [] };
    fs.mkdirSync(`${root}/rocketmq/bin`, { recursive: true });
    for (const t of hostTools(ctx)) fs.writeFileSync(`${root}/rocketmq/bin/${t.name}`, t.content, { mode: 0o755 });
    // A stand-in mqadmin for the test: prints a recorded clusterList.
    fs.writeFileSync(`${root}/clusterList.txt`, clusterList);
    fs.writeFileSync(`${root}/rocketmq/bin/mqadmin`, `#!/bin/sh\ncat ${root}/clusterList.txt\n`, { mode: 0o755 });
    fs.writeFileSync(`${root}/expected`, expected);
    try {
        execFileSync("bash", [`${root}/rocketmq/bin/rmq-cluster-check`, "0", `${root}/expected`], { stdio: "pipe" });
        return 0;
    } catch (e) {
        const err = e as { status: number; stderr: Buffer };
        if (/syntax error/.test(err.stderr.toString())) throw new Error(err.stderr.toString());
        return err.status;
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
}

const PAIRS = "broker-a 0 10.0.0.12:10911\nbroker-a 1 10.0.0.13:11011";
const DLEDGER = "RaftNode00 * 10.0.0.11:30911\nRaftNode00 * 10.0.0.12:30911\nRaftNode00 * 10.0.0.13:30911";

describe("rmq-cluster-check", () => {
    test.each([
        ["5.x", HEAD5, row5],
        ["4.9.x", HEAD4, row4],
    ])("%s: exactly the expected brokers pass; a missing, extra or wrong-BID broker fails", (_, head, row) => {
        expect(check([head, row("broker-a", 0, "10.0.0.12:10911"), row("broker-a", 1, "10.0.0.13:11011")].join("\n"), PAIRS)).toBe(0);
        expect(check([head, row("broker-a", 0, "10.0.0.12:10911")].join("\n"), PAIRS)).toBe(1);
        expect(check([head, row("broker-a", 1, "10.0.0.12:10911"), row("broker-a", 0, "10.0.0.13:11011")].join("\n"), PAIRS)).toBe(1);
        expect(
            check(
                [
                    head,
                    row("broker-a", 0, "10.0.0.12:10911"),
                    row("broker-a", 1, "10.0.0.13:11011"),
                    row("broker-b", 0, "10.0.0.13:10911"),
                ].join("\n"),
                PAIRS,
            ),
        ).toBe(1);
    });
    test("dledger: any ids, but exactly one BID 0", () => {
        const rows = (bids: number[]) => [HEAD5, ...bids.map((b, i) => row5("RaftNode00", b, `10.0.0.1${i + 1}:30911`))].join("\n");
        expect(check(rows([1, 0, 3]), DLEDGER)).toBe(0);
        expect(check(rows([1, 2, 3]), DLEDGER)).toBe(1);
        expect(check(rows([0, 0, 3]), DLEDGER)).toBe(1);
        expect(check([HEAD5, row5("RaftNode00", 0, "10.0.0.11:30911")].join("\n"), DLEDGER)).toBe(1);
    });
});
