// The recovery resource's provider (components/instanceRunning.ts) against a fake `ssh`: refresh
// reads the instance's state from the host, a dead instance is a change and only a dead one, update
// runs the ensure script, and the key only ever exists as a 0600 file that is gone afterwards.
import { EventEmitter } from "events";
import * as fs from "fs";

jest.mock("child_process", () => ({ spawn: jest.fn() }));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const childProcess = require("child_process") as { spawn: jest.Mock };

import { forTests, instanceRunningProvider as provider } from "../../components/instanceRunning";

const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nUNIT-TEST-KEY-MATERIAL\n-----END OPENSSH PRIVATE KEY-----";
const props = {
    connection: { host: "192.0.2.13", port: 2222, user: "root", privateKey: KEY },
    hostName: "worker3",
    instance: "broker-a-s",
    script: "set -euo pipefail\necho probe-or-ensure\n",
    timeoutSeconds: 300,
};

interface Call {
    argv: string[];
    stdin: string;
    keyMode?: number;
    keyText?: string;
    keyFile: string;
    /** The known_hosts file ssh was given, as it was then (undefined: none). */
    knownHosts?: string;
}

/** Each spawn answers with the next reply; records what it was given and the key file as it was then. */
function fakeSsh(...replies: { code: number; stdout?: string; stderr?: string }[]): Call[] {
    const calls: Call[] = [];
    childProcess.spawn.mockImplementation((cmd: string, argv: string[]) => {
        expect(cmd).toBe("ssh");
        const reply = replies.shift() ?? { code: 0, stdout: "" };
        const keyFile = argv[argv.indexOf("-i") + 1];
        const call: Call = { argv, stdin: "", keyFile };
        const known = argv.find((a) => a.startsWith("UserKnownHostsFile="))?.slice("UserKnownHostsFile=".length);
        if (known && known !== "/dev/null" && fs.existsSync(known)) call.knownHosts = fs.readFileSync(known, "utf8");
        if (fs.existsSync(keyFile)) {
            call.keyMode = fs.statSync(keyFile).mode & 0o777;
            call.keyText = fs.readFileSync(keyFile, "utf8");
        }
        calls.push(call);
        const child = Object.assign(new EventEmitter(), {
            stdout: new EventEmitter(),
            stderr: new EventEmitter(),
            stdin: Object.assign(new EventEmitter(), {
                end: (text: string) => {
                    call.stdin = text;
                    setImmediate(() => {
                        if (reply.stdout) child.stdout.emit("data", Buffer.from(reply.stdout));
                        if (reply.stderr) child.stderr.emit("data", Buffer.from(reply.stderr));
                        child.emit("close", reply.code, null);
                    });
                },
            }),
            kill: jest.fn(),
        });
        return child;
    });
    return calls;
}

afterEach(() => childProcess.spawn.mockReset());

describe("InstanceRunning provider", () => {
    test("refresh: read asks the host (probe) and records what it found", async () => {
        const calls = fakeSsh({ code: 0, stdout: "state=stopped\n" }, { code: 0, stdout: "state=running\n" });
        const down = await provider.read!("worker3/broker-a-s", { ...props, running: true, observed: "running" });
        expect(down).toEqual({ id: "worker3/broker-a-s", props: { ...props, running: false, observed: "stopped" } });
        const up = await provider.read!("worker3/broker-a-s", { ...props, running: true, observed: "running" });
        expect(up.props).toMatchObject({ running: true, observed: "running" });
        expect(calls[0].stdin).toBe(props.script);
        expect(calls[0].argv.slice(-2)).toEqual(["root@192.0.2.13", "bash -s -- probe"]);
        expect(calls[0].argv).toEqual(expect.arrayContaining(["-p", "2222", "BatchMode=yes"]));
    });

    test("a disabled unit or a lost supervisor is not running either", async () => {
        fakeSsh({ code: 0, stdout: "state=disabled\n" }, { code: 0, stdout: "state=unsupervised\n" });
        expect((await provider.read!("x", props)).props.running).toBe(false);
        expect((await provider.read!("x", props)).props.running).toBe(false);
    });

    test("refresh fails loudly when the host cannot say (no guess either way), without the key", async () => {
        fakeSsh({ code: 255, stderr: "ssh: connect to host 192.0.2.13 port 2222: Connection refused" });
        const err = await provider.read!("x", props).then(
            () => undefined,
            (e: Error) => e,
        );
        expect(err?.message).toMatch(/cannot tell whether broker-a-s on worker3 \(192\.0\.2\.13\) runs \(ssh exit 255\): ssh: connect/);
        expect(err?.message).not.toContain("UNIT-TEST-KEY");
    });

    test("diff: a change exactly when the last look found it down, or what reaches or checks it changed", async () => {
        const { diff } = provider;
        expect((await diff!("x", { ...props, running: true }, props)).changes).toBe(false);
        expect((await diff!("x", { ...props, running: false }, props)).changes).toBe(true);
        expect((await diff!("x", { ...props }, props)).changes).toBe(true);
        expect((await diff!("x", { ...props, running: true }, { ...props, script: "other" })).changes).toBe(true);
        const rotated = { ...props, connection: { ...props.connection, privateKey: "other" } };
        expect((await diff!("x", { ...props, running: true }, rotated)).changes).toBe(true);
        expect(forTests.COMPARED).toEqual(["connection", "hostName", "instance", "script", "timeoutSeconds"]);
    });

    test("update runs ensure (start and wait) and records it running; a failed start fails the update with the host's output", async () => {
        const calls = fakeSsh(
            { code: 0, stdout: "broker-a-s: not running: starting it\nbroker-a-s registered as broker-a BID 1\nstate=running\n" },
            {
                code: 1,
                stdout: "broker-a-s: not running: starting it\n",
                stderr: "rmq-wait: broker-a-s: port 11011 not listening after 180s\n",
            },
        );
        const res = await provider.update!("worker3/broker-a-s", { ...props, running: false }, props);
        expect(res.outs).toEqual({ ...props, running: true, observed: "running" });
        expect(calls[0].argv.at(-1)).toBe("bash -s -- ensure");
        expect(calls[0].stdin).toBe(props.script);
        await expect(provider.update!("x", { ...props, running: false }, props)).rejects.toThrow(
            /could not bring broker-a-s on worker3 \(192\.0\.2\.13\) back \(exit 1\):[\s\S]*port 11011 not listening/,
        );
    });

    test("create verifies (ensure is a no-op on a running instance) and names the resource host/instance", async () => {
        const calls = fakeSsh({ code: 0, stdout: "broker-a-s: running, nothing to do\nstate=running\n" });
        const res = await provider.create!(props);
        expect(res.id).toBe("worker3/broker-a-s");
        expect(res.outs).toMatchObject({ running: true, observed: "running" });
        expect(calls[0].argv.at(-1)).toBe("bash -s -- ensure");
        await provider.delete!("worker3/broker-a-s", props);
        expect(childProcess.spawn).toHaveBeenCalledTimes(1);
    });

    test("the key: a 0600 file only while ssh runs, never in argv; a non-root user goes through sudo", async () => {
        const calls = fakeSsh({ code: 0, stdout: "state=running\n" });
        await provider.read!("x", { ...props, connection: { ...props.connection, user: "ubuntu" } });
        const [call] = calls;
        expect(call.keyMode).toBe(0o600);
        expect(call.keyText).toBe(`${KEY}\n`);
        expect(fs.existsSync(call.keyFile)).toBe(false);
        expect(JSON.stringify(call.argv)).not.toContain("UNIT-TEST-KEY");
        expect(call.argv.slice(-2)).toEqual(["ubuntu@192.0.2.13", "sudo -n bash -s -- probe"]);
    });

    test("a pinned host: ssh trusts exactly that key (its own known_hosts file, StrictHostKeyChecking=yes), removed afterwards", async () => {
        const pin = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMbH94EaABhfFVROyFuoud9zkajkMHYnDzLYfILc2WUr";
        const calls = fakeSsh({ code: 0, stdout: "state=running\n" }, { code: 0, stdout: "state=running\n" });
        await provider.read!("x", { ...props, connection: { ...props.connection, hostKey: `${pin} root@worker3` } });
        await provider.read!("x", { ...props, connection: { ...props.connection, port: 22, hostKey: pin } });
        expect(calls[0].argv).toEqual(expect.arrayContaining(["StrictHostKeyChecking=yes", "GlobalKnownHostsFile=/dev/null"]));
        expect(calls[0].argv).not.toContain("StrictHostKeyChecking=no");
        expect(calls[0].knownHosts).toBe(`[192.0.2.13]:2222 ${pin}\n`);
        expect(calls[1].knownHosts).toBe(`192.0.2.13 ${pin}\n`);
        const file = calls[0].argv.find((a) => a.startsWith("UserKnownHostsFile="))!.slice("UserKnownHostsFile=".length);
        expect(fs.existsSync(file)).toBe(false);
    });

    test("a pinned host offering another key: refused, naming the host, nothing run", async () => {
        fakeSsh({
            code: 255,
            stderr: "@@@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\nHost key verification failed.\n",
        });
        const pinned = {
            ...props,
            connection: {
                ...props.connection,
                hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMbH94EaABhfFVROyFuoud9zkajkMHYnDzLYfILc2WUr",
            },
        };
        await expect(provider.update!("x", { ...pinned, running: false }, pinned)).rejects.toThrow(
            /^SSH host key mismatch: worker3 \(192\.0\.2\.13:2222\) did not prove the pinned key ssh-ed25519; nothing was run there/,
        );
    });
});
