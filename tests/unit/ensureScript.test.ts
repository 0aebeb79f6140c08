// The recovery script (templates/host/instance-ensure.sh) run by bash against stand-in host tools:
// probe only looks; ensure acts on exactly the state it finds (and on nothing when it runs).
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { instanceEnsureScript } from "./render";
import { findInstance } from "../../planning/topology";
import { existingRaw } from "./fixtures";
import { contextOf } from "./scripts";

interface Run {
    status: number;
    stdout: string;
    stderr: string;
    /** rmq-service and rmq-wait calls, in order. */
    calls: string[];
}

/** Runs the ensure script of broker-a-s in MODE on a fake root whose rmq-service reports STATE. */
function run(mode: string, state: string | undefined, waitFails = false): Run {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rmq-ensure-"));
    try {
        const ctx = contextOf(existingRaw({ appRoot: dir }));
        const script = instanceEnsureScript(ctx, { instance: findInstance(ctx.plan, "broker-a-s") });
        const root = `${dir}/rocketmq`;
        fs.mkdirSync(`${root}/bin`, { recursive: true });
        if (state !== undefined) fs.mkdirSync(`${root}/instances/broker-a-s`, { recursive: true });
        const log = `${dir}/calls`;
        fs.writeFileSync(log, "");
        const stub = (name: string, body: string) =>
            fs.writeFileSync(`${root}/bin/${name}`, `#!/bin/sh\necho "${name} $*" >>${log}\n${body}\n`, { mode: 0o755 });
        stub("rmq-service", `[ "$1" = state ] && echo ${state ?? "running"}; exit 0`);
        stub("rmq-wait", waitFails ? "echo 'rmq-wait: broker-a-s: port 11011 not listening' >&2; exit 1" : "exit 0");
        let status = 0;
        let stdout = "";
        let stderr = "";
        try {
            stdout = execFileSync("bash", ["-s", "--", mode], { input: script, stdio: "pipe" }).toString();
        } catch (e) {
            const err = e as { status: number; stdout: Buffer; stderr: Buffer };
            status = err.status;
            stdout = err.stdout.toString();
            stderr = err.stderr.toString();
        }
        const calls = fs.readFileSync(log, "utf8").trim().split("\n").filter(Boolean);
        return { status, stdout, stderr, calls };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("instance-ensure.sh", () => {
    test.each(["running", "stopped", "disabled", "unsupervised"])("probe reports %s and changes nothing", (state) => {
        const r = run("probe", state);
        expect(r.status).toBe(0);
        expect(r.stdout).toBe(`state=${state}\n`);
        expect(r.calls).toEqual(["rmq-service state broker-a-s"]);
    });

    test("probe: an instance whose files are gone is missing", () => {
        expect(run("probe", undefined)).toMatchObject({ status: 0, stdout: "state=missing\n", calls: [] });
    });

    test("ensure on a running instance touches nothing", () => {
        const r = run("ensure", "running");
        expect(r.status).toBe(0);
        expect(r.calls).toEqual(["rmq-service state broker-a-s"]);
        expect(r.stdout).toMatch(/state=running\n$/);
    });

    test("ensure on a stopped instance: unit enabled again, started, then the deploy's health gate", () => {
        const r = run("ensure", "stopped");
        expect(r.status).toBe(0);
        expect(r.calls).toEqual([
            "rmq-service state broker-a-s",
            "rmq-service install broker-a-s",
            "rmq-service start broker-a-s",
            expect.stringMatching(/^rmq-wait broker-a-s 180 11011 --since \d{13} broker-a 1 192\.0\.2\.13:11011$/),
        ]);
        expect(r.stdout).toMatch(/state=running\n$/);
    });

    test("ensure: a disabled unit is enabled again, no restart; an unsupervised one restarts under a supervisor", () => {
        expect(run("ensure", "disabled").calls).toEqual(["rmq-service state broker-a-s", "rmq-service install broker-a-s"]);
        expect(run("ensure", "unsupervised").calls).toEqual([
            "rmq-service state broker-a-s",
            "rmq-service restart broker-a-s",
            expect.stringMatching(/^rmq-wait broker-a-s 180 11011 --since \d{13} broker-a 1 192\.0\.2\.13:11011$/),
        ]);
    });

    test("ensure fails (never claims running) when the start does not become healthy or the instance is gone", () => {
        const r = run("ensure", "stopped", true);
        expect(r.status).toBe(1);
        expect(r.stdout).not.toContain("state=running");
        expect(r.stderr).toContain("port 11011 not listening");
        const gone = run("ensure", undefined);
        expect(gone.status).toBe(1);
        expect(gone.stderr).toContain("broker-a-s: not installed on worker3");
    });
});
