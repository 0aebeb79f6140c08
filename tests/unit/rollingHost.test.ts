// rmq-roll and rmq-wait, rendered as the hosts get them and run by bash against stand-in host tools:
// the peer checks refuse a restart that would degrade its group (and touch nothing), a roll whose new
// files fail goes back to the files the instance ran before, a name server's turn waits until it
// lists the brokers again, and the health gate only accepts the instance's own new process.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { RawConfig } from "../../config/validate";
import { hostTools, rollArgs } from "./render";
import { rollingOrder } from "../../planning/rolling";
import { existingRaw } from "./fixtures";
import { contextOf } from "./scripts";

interface Run {
    status: number;
    stdout: string;
    stderr: string;
    /** Calls of the stand-in rmq-service and rmq-wait, in order. */
    calls: string[];
}

interface Host {
    dir: string;
    root: string;
    /** Instance dir of ID. */
    inst: (id: string) => string;
    write: (rel: string, text: string) => void;
    read: (rel: string) => string;
    exists: (rel: string) => boolean;
    run: (tool: string, args: string[], env?: Record<string, string>) => Run;
}

/**
 * A fake host: the real rmq-roll/rmq-wait under ROOT/bin, and stand-ins driven by files in ROOT/state:
 *   brokers-up      addresses that answer rmq-probe broker (with state/boot-ADDR as boot time, default now)
 *   ns-up           name servers that answer rmq-probe cluster NAMESRV
 *   cluster         clusterList's table through the cluster's name servers (the probe prints its rows)
 *   ns-ADDR         clusterList of that name server alone (default: cluster); ns-ADDR.after-N: from call N on
 *   (rmq-probe watch prints snapshots of these, as RmqSmoke's watch mode does, until its reader goes away)
 * rmq-wait fails when the instance's live broker.properties holds "bad" (the new files do not start).
 */
function fakeHost(over: RawConfig = {}, realWait = false): Host {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rmq-roll-"));
    const ctx = contextOf(existingRaw({ appRoot: dir, ...over }));
    const root = `${dir}/rocketmq`;
    fs.mkdirSync(`${root}/bin`, { recursive: true });
    fs.mkdirSync(`${root}/state`, { recursive: true });
    for (const t of hostTools(ctx)) fs.writeFileSync(`${root}/bin/${t.name}`, t.content, { mode: 0o755 });
    const log = `${root}/state/calls`;
    fs.writeFileSync(log, "");
    const stub = (name: string, body: string) => fs.writeFileSync(`${root}/bin/${name}`, `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
    stub(
        "rmq-service",
        `echo "rmq-service $*" >>${log}
case $1 in
  pid) cat ${root}/state/pid 2>/dev/null || echo 4242 ;;
  status) exit 0 ;;
esac
exit 0`,
    );
    if (!realWait) {
        stub("rmq-wait", `echo "rmq-wait $*" >>${log}\n! grep -qs bad ${root}/instances/$1/broker.properties`);
    }
    stub(
        "rmq-probe",
        `s=${root}/state
case $1 in
  broker)
    shift; rc=0
    for b in "$@"; do
      if grep -qxF -- "$b" $s/brokers-up 2>/dev/null; then
        echo "$b 1000 $(cat $s/boot-\${b//[:.]/_} 2>/dev/null || echo $(($(date +%s%N) / 1000000 + 1000)))"
      else
        echo "$b - -"; rc=1
      fi
    done
    exit $rc
    ;;
  cluster)
    n=\${2:-}
    f=$s/cluster
    if [ -n "$n" ]; then
      grep -qxF -- "$n" $s/ns-up 2>/dev/null || { echo "connect to $n failed" >&2; exit 1; }
      c=$s/calls-\${n//[:.]/_}; echo x >>"$c"; k=$(wc -l <"$c")
      [ -f $s/ns-\${n//[:.]/_} ] && f=$s/ns-\${n//[:.]/_}
      for a in $s/ns-\${n//[:.]/_}.after-*; do [ -f "$a" ] && [ "$k" -ge "\${a##*-}" ] && f=$a; done
    fi
    # The state files hold clusterList's table: the probe prints NAME BID ADDR of its rows.
    awk '$1 !~ /^#/ && NF >= 4 && $3 ~ /^[0-9]+$/ { print $2, $3, $4 }' "$f" 2>/dev/null || true
    ;;
  watch)
    # Snapshots of the modes above until the reader goes away, as RmqSmoke's watch prints them; a
    # query of the whole name server list reads the cluster's table, one name server its own.
    shift; qs=""; bs=""
    while [ $# -gt 0 ]; do case $1 in --clusters) qs=$2; shift 2 ;; --brokers) bs=$2; shift 2 ;; *) shift ;; esac; done
    IFS='|' read -r -a Q <<<"$qs"
    IFS=',' read -r -a B <<<"$bs"
    while :; do
      for q in "\${Q[@]}"; do
        if [[ $q == *";"* ]]; then out=$("$0" cluster) || out=DOWN; else out=$("$0" cluster "$q" 2>/dev/null) || out=DOWN; fi
        if [ "$out" = DOWN ]; then echo "cluster-down $q"; else printf '%s\n' "$out" | awk -v q="$q" 'NF { print "cluster", q, $0 }'; fi
      done
      for b in "\${B[@]}"; do "$0" broker "$b" | sed 's/^/broker /'; done
      echo end
      sleep 0.05
    done
    ;;
esac`,
    );
    const host: Host = {
        dir,
        root,
        inst: (id) => `${root}/instances/${id}`,
        write: (rel, text) => {
            fs.mkdirSync(path.dirname(`${root}/${rel}`), { recursive: true });
            fs.writeFileSync(`${root}/${rel}`, text);
        },
        read: (rel) => fs.readFileSync(`${root}/${rel}`, "utf8"),
        exists: (rel) => fs.existsSync(`${root}/${rel}`),
        run: (tool, args, env = {}) => {
            fs.writeFileSync(log, "");
            let status = 0;
            let stdout = "";
            let stderr = "";
            try {
                stdout = execFileSync("bash", [`${root}/bin/${tool}`, ...args], {
                    stdio: "pipe",
                    env: { ...process.env, ...env },
                }).toString();
            } catch (e) {
                const err = e as { status: number; stdout: Buffer; stderr: Buffer };
                status = err.status;
                stdout = err.stdout.toString();
                stderr = err.stderr.toString();
            }
            if (/syntax error|unbound variable/.test(stderr)) throw new Error(stderr);
            const calls = fs.readFileSync(log, "utf8").trim().split("\n").filter(Boolean);
            return { status, stdout, stderr, calls };
        },
    };
    return host;
}

/** rmq-roll's arguments for ID's (first-pass) step, as the roll script passes them. */
function argsFor(over: RawConfig, id: string, peersAt?: string): string[] {
    const ctx = contextOf(existingRaw(over));
    const step = rollingOrder(ctx.plan).find((s) => s.inst.id === id && !s.finish)!;
    let line = rollArgs(ctx, step).join(" ");
    // DLedger peers are host:port on the DLedger port; the test dials loopback ports instead.
    if (peersAt !== undefined) line = line.replace(/'n0-[^']*'/, `'${peersAt}'`);
    return (line.match(/'[^']*'|\S+/g) ?? []).map((w) => w.replace(/^'(.*)'$/, "$1"));
}

const HEAD = "#Cluster Name     #Broker Name     #BID  #Addr                  #Version";
const row = (name: string, bid: number, addr: string) => `rocketmq-cluster  ${name}  ${bid}  ${addr}  V5_5_0`;
const FULL = [
    HEAD,
    row("broker-a", 0, "192.0.2.12:10911"),
    row("broker-a", 1, "192.0.2.13:11011"),
    row("broker-b", 0, "192.0.2.13:10911"),
    row("broker-b", 1, "192.0.2.12:11011"),
].join("\n");

/** Staged new files and the marker, as instance-deploy.sh's stage mode leaves them. */
function stage(h: Host, id: string, live: string, next: string) {
    h.write(`instances/${id}/broker.properties`, live);
    h.write(`instances/${id}/run.sh`, "run\n");
    h.write(`instances/${id}/.staged/broker.properties`, next);
    h.write(`instances/${id}/.staged/extra.conf`, "added by the change\n");
    h.write(`instances/${id}/.restart-pending`, "");
}

const hosts: Host[] = [];
const newHost = (over: RawConfig = {}, realWait = false) => {
    const h = fakeHost(over, realWait);
    hosts.push(h);
    return h;
};
afterAll(() => hosts.forEach((h) => fs.rmSync(h.dir, { recursive: true, force: true })));

describe("rmq-roll: peers are checked before a restart (nothing restarts when refused)", () => {
    test("a slave whose master does not answer is not restarted", () => {
        const h = newHost();
        stage(h, "broker-a-s", "old\n", "new\n");
        h.write("state/brokers-up", "192.0.2.13:11011\n192.0.2.13:10911\n");
        const r = h.run("rmq-roll", argsFor({}, "broker-a-s"));
        expect(r.status).toBe(1);
        expect(r.stderr).toContain("refusing to restart broker-a-s: its master 192.0.2.12:10911 (group broker-a) does not answer");
        expect(r.calls).toEqual([]);
        expect(h.read("instances/broker-a-s/broker.properties")).toBe("old\n");
        expect(h.exists("instances/broker-a-s/.restart-pending")).toBe(true);
        expect(h.read("instances/broker-a-s/.staged/broker.properties")).toBe("new\n");
    });

    test("a master is not restarted while the other group's master is down (no writable master), nor while its own slave is", () => {
        const h = newHost();
        stage(h, "broker-a", "old\n", "new\n");
        h.write("state/brokers-up", "192.0.2.13:11011\n192.0.2.12:11011\n");
        let r = h.run("rmq-roll", argsFor({}, "broker-a"));
        expect(r.status).toBe(1);
        expect(r.stderr).toContain(
            "refusing to restart broker-a: no other master answers (broker-b at 192.0.2.13:10911): restarting broker-a would leave no writable master",
        );
        expect(r.calls).toEqual([]);
        h.write("state/brokers-up", "192.0.2.13:10911\n");
        r = h.run("rmq-roll", argsFor({}, "broker-a"));
        expect(r.stderr).toContain("refusing to restart broker-a: its slave 192.0.2.13:11011 (group broker-a) does not answer");
        expect(r.calls).toEqual([]);
        // Everything up: it restarts.
        h.write("state/brokers-up", "192.0.2.13:11011\n192.0.2.13:10911\n192.0.2.12:10911\n");
        h.write("state/cluster", FULL);
        r = h.run("rmq-roll", argsFor({}, "broker-a"));
        expect(r.status).toBe(0);
        expect(r.calls).toContain("rmq-service restart broker-a");
    });

    test("a DLedger member is not restarted when the others are not a quorum without it", async () => {
        const servers = await Promise.all(
            [0, 1].map(
                () =>
                    new Promise<net.Server>((resolve) => {
                        const s = net.createServer();
                        s.listen(0, "127.0.0.1", () => resolve(s));
                    }),
            ),
        );
        const port = (s: net.Server) => (s.address() as net.AddressInfo).port;
        // A port nothing listens on: a server opened and closed again.
        const closed = port(servers[1]);
        await new Promise((resolve) => servers[1].close(resolve));
        try {
            const h = newHost({ topology: "dledger" });
            stage(h, "n0", "old\n", "new\n");
            const peers = (n2: number) => `n0-127.0.0.1:1;n1-127.0.0.1:${port(servers[0])};n2-127.0.0.1:${n2}`;
            const r = h.run("rmq-roll", argsFor({ topology: "dledger" }, "n0", peers(closed)));
            expect(r.status).toBe(1);
            expect(r.stderr).toContain(
                `refusing to restart n0: group RaftNode00 would lose its quorum: n2 (127.0.0.1:${closed}) not answering; 1 other member(s) up, a restart needs 2`,
            );
            expect(r.calls).toEqual([]);
            expect(h.read("instances/n0/broker.properties")).toBe("old\n");
            // With n2 answering the check passes (n0 itself, on port 1, is not counted).
            h.write("state/cluster", [HEAD, row("RaftNode00", 0, "192.0.2.12:30911"), row("RaftNode00", 1, "192.0.2.11:30911")].join("\n"));
            h.write("state/brokers-up", "192.0.2.12:30911\n192.0.2.11:30911\n");
            const ok = h.run("rmq-roll", argsFor({ topology: "dledger" }, "n0", peers(port(servers[0]))));
            expect(ok.stderr).toBe("");
            expect(ok.status).toBe(0);
            expect(ok.calls).toContain("rmq-service restart n0");
        } finally {
            servers[0].close();
        }
    });

    test("a name server is not restarted when no other name server answers", () => {
        const h = newHost();
        h.write("instances/namesrv-worker1/namesrv.properties", "old\n");
        h.write("instances/namesrv-worker1/.restart-pending", "");
        const r = h.run("rmq-roll", argsFor({}, "namesrv-worker1"));
        expect(r.status).toBe(1);
        expect(r.stderr).toContain("refusing to restart namesrv-worker1: no other name server answers (worker2:9876 worker3:9876)");
        expect(r.calls).toEqual([]);
    });

    test("without a marker nothing is checked and nothing restarts", () => {
        const h = newHost();
        const r = h.run("rmq-roll", argsFor({}, "broker-a"));
        expect(r).toMatchObject({ status: 0, stdout: "broker-a: nothing staged, not restarted\n", calls: [] });
    });
});

describe("rmq-roll: a roll whose new files fail goes back to the old ones", () => {
    const UP = "192.0.2.12:10911\n192.0.2.13:10911\n192.0.2.12:11011\n192.0.2.13:11011\n";

    test("success: the staged files are live, nothing kept, the marker gone; the gate is given the restart time", () => {
        const h = newHost();
        stage(h, "broker-a-s", "old\n", "new\n");
        h.write("state/brokers-up", UP);
        const r = h.run("rmq-roll", argsFor({}, "broker-a-s"));
        expect(r.stderr).toBe("");
        expect(r.status).toBe(0);
        expect(h.read("instances/broker-a-s/broker.properties")).toBe("new\n");
        expect(h.read("instances/broker-a-s/extra.conf")).toBe("added by the change\n");
        for (const gone of [".staged", ".previous", ".restart-pending"]) expect(h.exists(`instances/broker-a-s/${gone}`)).toBe(false);
        expect(r.calls[0]).toBe("rmq-service install broker-a-s");
        expect(r.calls[1]).toBe("rmq-service restart broker-a-s");
        expect(r.calls[2]).toMatch(/^rmq-wait broker-a-s 180 11011 --since \d{13} broker-a 1 192\.0\.2\.13:11011$/);
        expect(r.stdout).toContain("192.0.2.13:11011 is 0 bytes behind 192.0.2.12:10911");
    });

    test("failure: back on the old files and restarted on them; the new ones stay staged with the marker; exit 1 naming it", () => {
        const h = newHost();
        stage(h, "broker-a-s", "old\n", "bad\n");
        h.write("state/brokers-up", UP);
        const r = h.run("rmq-roll", argsFor({}, "broker-a-s"));
        expect(r.status).toBe(1);
        expect(r.stderr).toContain("rmq-roll: broker-a-s: the new files failed");
        expect(r.stderr).toContain("broker-a-s: back on its previous files and healthy; the new files stay staged");
        expect(h.read("instances/broker-a-s/broker.properties")).toBe("old\n");
        expect(h.exists("instances/broker-a-s/extra.conf")).toBe(false);
        expect(h.read("instances/broker-a-s/.staged/broker.properties")).toBe("bad\n");
        expect(h.exists("instances/broker-a-s/.restart-pending")).toBe(true);
        expect(h.exists("instances/broker-a-s/.previous")).toBe(false);
        expect(r.calls.filter((c) => c.startsWith("rmq-service restart"))).toHaveLength(2);
        // A revert (instance-deploy.sh stage: the same files as the live ones) finds nothing to restart,
        // and a rerun with a fixed change rolls it.
        h.write("instances/broker-a-s/.staged/broker.properties", "fixed\n");
        const again = h.run("rmq-roll", argsFor({}, "broker-a-s"));
        expect(again.status).toBe(0);
        expect(h.read("instances/broker-a-s/broker.properties")).toBe("fixed\n");
    });

    test("an interrupted roll (files moved in, the old ones kept) is put back before the next try", () => {
        const h = newHost();
        stage(h, "broker-a-s", "bad\n", "bad\n");
        h.write("instances/broker-a-s/.previous/broker.properties", "old\n");
        h.write("instances/broker-a-s/.previous/.added", "extra.conf\n");
        h.write("instances/broker-a-s/extra.conf", "added by the change\n");
        h.write("state/brokers-up", UP);
        const r = h.run("rmq-roll", argsFor({}, "broker-a-s"));
        expect(r.stdout).toContain("an earlier roll was interrupted");
        expect(r.status).toBe(1);
        expect(h.read("instances/broker-a-s/broker.properties")).toBe("old\n");
        expect(h.exists("instances/broker-a-s/extra.conf")).toBe(false);
    });
});

describe("rmq-roll: a name server's turn ends when it lists the brokers again", () => {
    test("waits until the restarted name server itself lists every broker the others list", () => {
        const h = newHost();
        h.write("instances/namesrv-worker1/namesrv.properties", "old\n");
        h.write("instances/namesrv-worker1/.restart-pending", "");
        h.write("state/ns-up", "worker1:9876\nworker2:9876\nworker3:9876\n");
        h.write("state/cluster", FULL);
        // Right after its restart worker1 knows one broker; from its 3rd query on, all four.
        h.write("state/ns-worker1_9876", [HEAD, row("broker-a", 0, "192.0.2.12:10911")].join("\n"));
        h.write("state/ns-worker1_9876.after-3", FULL);
        const r = h.run("rmq-roll", argsFor({}, "namesrv-worker1"));
        expect(r.stderr).toBe("");
        expect(r.status).toBe(0);
        expect(r.stdout).toContain("namesrv-worker1: lists all 4 broker(s) the other name servers list");
        expect(h.read("state/calls-worker1_9876").trim().split("\n").length).toBeGreaterThanOrEqual(3);
    });

    test("a name server that never lists them fails its turn (and goes back, here to the same files)", () => {
        const h = newHost();
        h.write("instances/namesrv-worker1/.staged/namesrv.properties", "new\n");
        h.write("instances/namesrv-worker1/namesrv.properties", "old\n");
        h.write("instances/namesrv-worker1/.restart-pending", "");
        h.write("state/ns-up", "worker1:9876\nworker2:9876\n");
        h.write("state/cluster", FULL);
        h.write("state/ns-worker1_9876", HEAD);
        const args = argsFor({}, "namesrv-worker1");
        args[1] = "3";
        const r = h.run("rmq-roll", args);
        expect(r.status).toBe(1);
        expect(r.stderr).toContain("namesrv-worker1: after 3s still does not list: broker-a 192.0.2.12:10911;");
        expect(h.read("instances/namesrv-worker1/namesrv.properties")).toBe("old\n");
    });
});

describe("rmq-wait: only the instance's own new process passes", () => {
    /** A stand-in `ss` on PATH: the port's listener is PID. */
    function withSs(h: Host, pid: number): Record<string, string> {
        fs.mkdirSync(`${h.dir}/path`, { recursive: true });
        fs.writeFileSync(`${h.dir}/path/ss`, `#!/bin/sh\necho 'LISTEN 0 4096 *:11011 *:* users:(("java",pid=${pid},fd=150))'\n`, {
            mode: 0o755,
        });
        return { PATH: `${h.dir}/path:${process.env.PATH}` };
    }

    test("a port held by another process is not the instance listening", () => {
        const h = newHost({}, true);
        h.write("state/pid", "4242\n");
        const r = h.run("rmq-wait", ["broker-a-s", "2", "11011"], withSs(h, 999));
        expect(r.status).toBe(1);
        expect(r.stderr).toContain("rmq-wait: broker-a-s: port 11011 not listening (by its own process 4242) after 2s");
        expect(h.run("rmq-wait", ["broker-a-s", "2", "11011"], withSs(h, 4242)).status).toBe(0);
    });

    test("with --since, a broker listed but booted before the restart (the old registration) does not pass", () => {
        const h = newHost({}, true);
        h.write("state/pid", "4242\n");
        h.write("state/cluster", FULL);
        h.write("state/brokers-up", "192.0.2.13:11011\n");
        const since = Date.now();
        h.write("state/boot-192_0_2_13_11011", String(since - 60000));
        const args = ["broker-a-s", "3", "11011", "--since", String(since), "broker-a", "1", "192.0.2.13:11011"];
        const stale = h.run("rmq-wait", args, withSs(h, 4242));
        expect(stale.status).toBe(1);
        expect(stale.stderr).toContain(`not in clusterList as broker-a BID 1 at 192.0.2.13:11011 with a boot time after ${since}`);
        h.write("state/boot-192_0_2_13_11011", String(since + 500));
        const fresh = h.run("rmq-wait", args, withSs(h, 4242));
        expect(fresh.status).toBe(0);
        expect(fresh.stdout).toContain(`broker-a-s registered as broker-a BID 1 at 192.0.2.13:11011 (booted after ${since})`);
    });
});
