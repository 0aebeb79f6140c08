// Recovery: one InstanceRunning per RocketMQ instance, a Pulumi dynamic resource whose state says
// whether the instance runs on its host. remote.Command never looks at the host on refresh, so
// without this a dead process is invisible to the stack. Here `read` (run by refresh) asks the host
// over SSH (the instance's probe script); `diff` reports a change when the refreshed state says it
// is not running; `update` starts it and waits for it as its deploy does (the ensure script). So
// `pulumi up --refresh` restarts exactly the instances that are down, and changes nothing on a
// healthy cluster. create verifies (and starts an instance found down); delete does nothing (the
// instance's service command removes the instance).
//
// The provider runs in the engine's pulumi-nodejs plugin from a serialized copy of these
// functions: they require their modules inside, and every helper they call is serialized with them.
import * as pulumi from "@pulumi/pulumi";

/** How the provider reaches the host (secret: it holds the private key). */
export interface SshTarget {
    host: string;
    port: number;
    user: string;
    privateKey: string;
    /** The host's pinned public key line (`TYPE BASE64`); unset: the host is not verified. */
    hostKey?: string;
}

export interface InstanceRunningInputs {
    connection: pulumi.Input<SshTarget>;
    /** Host name (worker1..3): for messages and the resource id. */
    hostName: pulumi.Input<string>;
    /** The instance id (namesrv-worker1, broker-a, n0, dashboard, ...). */
    instance: pulumi.Input<string>;
    /** templates/host/instance-ensure.sh rendered for the instance: `probe` or `ensure` as $1. */
    script: pulumi.Input<string>;
    /** Bound of one ensure run (the health gate's timeout plus the SSH round trips). */
    timeoutSeconds: pulumi.Input<number>;
}

/** The inputs as the provider sees them: plain values. */
interface Props {
    connection: SshTarget;
    hostName: string;
    instance: string;
    script: string;
    timeoutSeconds: number;
    running?: boolean;
    observed?: string;
}

/** Inputs whose change makes the engine run ensure again (cheap: a running instance is left alone). */
const COMPARED = ["connection", "hostName", "instance", "script", "timeoutSeconds"];

interface SshResult {
    code: number;
    stdout: string;
    stderr: string;
}

/**
 * Runs `script MODE` as root on the host through the system `ssh`: the key goes to a 0600 file in
 * a private temporary directory, removed afterwards; the script goes through stdin. The key and
 * the script never appear in argv or in messages.
 */
async function runOnHost(target: SshTarget, script: string, mode: string, timeoutSeconds: number): Promise<SshResult> {
    // Required here, not imported: this function is serialized into the provider (see the top).
    /* eslint-disable @typescript-eslint/no-require-imports */
    const childProcess = require("child_process");
    const fs = require("fs");
    const os = require("os");
    const path = require("path");
    /* eslint-enable @typescript-eslint/no-require-imports */
    const dir: string = fs.mkdtempSync(path.join(os.tmpdir(), "rmq-ssh-"));
    try {
        const keyFile = path.join(dir, "id");
        const key = target.privateKey.endsWith("\n") ? target.privateKey : `${target.privateKey}\n`;
        fs.writeFileSync(keyFile, key, { mode: 0o600 });
        const port = target.port || 22;
        // The same pin as the stack's commands: a known_hosts file holding only it, and ssh refuses
        // any other key before it authenticates or sends a byte of the script. Without a pin (a
        // stack that set none) the host is not verified, as its commands are not.
        let hostKeyOpts = ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"];
        if (target.hostKey) {
            const knownHosts = path.join(dir, "known_hosts");
            const name = port === 22 ? target.host : `[${target.host}]:${port}`;
            fs.writeFileSync(knownHosts, `${name} ${target.hostKey.trim().split(/\s+/).slice(0, 2).join(" ")}\n`, { mode: 0o600 });
            hostKeyOpts = [
                "-o",
                "StrictHostKeyChecking=yes",
                "-o",
                `UserKnownHostsFile=${knownHosts}`,
                "-o",
                "GlobalKnownHostsFile=/dev/null",
            ];
        }
        const shell = `bash -s -- ${mode}`;
        const argv = [
            ...["-i", keyFile, "-p", String(port), "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes"],
            ...hostKeyOpts,
            ...["-o", "CheckHostIP=no", "-o", "LogLevel=ERROR"],
            ...["-o", "ConnectTimeout=20", "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=4"],
            "--",
            `${target.user || "root"}@${target.host}`,
            target.user === "root" || !target.user ? shell : `sudo -n ${shell}`,
        ];
        return await new Promise<SshResult>((resolve, reject) => {
            const child = childProcess.spawn("ssh", argv, { stdio: ["pipe", "pipe", "pipe"] });
            let stdout = "";
            let stderr = "";
            const timer = setTimeout(() => child.kill("SIGKILL"), timeoutSeconds * 1000);
            child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
            child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
            child.on("error", (e: Error) => {
                clearTimeout(timer);
                reject(e);
            });
            child.on("close", (code: number | null, signal: string | null) => {
                clearTimeout(timer);
                if (signal === "SIGKILL") stderr += `\n(killed after ${timeoutSeconds} s)`;
                resolve({ code: code ?? 255, stdout, stderr });
            });
            child.stdin.on("error", () => undefined);
            child.stdin.end(script);
        });
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

function where(p: Props): string {
    return `${p.instance} on ${p.hostName} (${p.connection.host})`;
}

function tail(text: string, lines: number): string {
    return text.trim().split("\n").slice(-lines).join("\n");
}

/** ssh refused the host's key (exit 255 and its message): say so, naming the host. */
function hostKeyCheck(p: Props, r: SshResult): void {
    if (r.code === 255 && /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No .* host key is known/.test(r.stderr))
        throw new Error(
            `SSH host key mismatch: ${p.hostName} (${p.connection.host}:${p.connection.port || 22}) did not prove the pinned key ` +
                `${(p.connection.hostKey ?? "").split(/\s+/)[0]}; nothing was run there. ${tail(r.stderr, 5)}`,
        );
}

/** The instance's state word as the probe prints it (state=WORD). */
async function probe(p: Props): Promise<string> {
    const r = await runOnHost(p.connection, p.script, "probe", 90);
    hostKeyCheck(p, r);
    const word = /^state=(\S+)$/m.exec(r.stdout)?.[1];
    if (r.code !== 0 || word === undefined) {
        throw new Error(`cannot tell whether ${where(p)} runs (ssh exit ${r.code}): ${tail(`${r.stdout}\n${r.stderr}`, 20)}`);
    }
    return word;
}

/** Starts the instance unless it runs (and waits until it is healthy); fails with its last logs. */
async function ensure(p: Props): Promise<void> {
    const r = await runOnHost(p.connection, p.script, "ensure", p.timeoutSeconds);
    hostKeyCheck(p, r);
    if (r.code !== 0 || !/^state=running$/m.test(r.stdout)) {
        throw new Error(`could not bring ${where(p)} back (exit ${r.code}):\n${tail(`${r.stdout}\n${r.stderr}`, 80)}`);
    }
}

/** A change: the last look found the instance not running, or what reaches or checks it changed. */
function needsEnsure(olds: Record<string, unknown>, news: Record<string, unknown>): boolean {
    if (olds.running !== true) return true;
    return COMPARED.some((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
}

export const instanceRunningProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: Props) {
        await ensure(inputs);
        return { id: `${inputs.hostName}/${inputs.instance}`, outs: { ...inputs, running: true, observed: "running" } };
    },
    async read(id: string, props: Props) {
        const observed = await probe(props);
        return { id, props: { ...props, running: observed === "running", observed } };
    },
    async diff(_id: string, olds: Props, news: Props) {
        return { changes: needsEnsure(olds as unknown as Record<string, unknown>, news as unknown as Record<string, unknown>) };
    },
    async update(_id: string, _olds: Props, news: Props) {
        await ensure(news);
        return { outs: { ...news, running: true, observed: "running" } };
    },
    async delete() {
        // The instance's service command removes the instance; this only stops watching it.
    },
};

/** Whether one instance runs on its host, as the last refresh found it; update brings it back. */
export class InstanceRunning extends pulumi.dynamic.Resource {
    /** The last look (refresh) found it running; after create/update always true. */
    declare readonly running: pulumi.Output<boolean>;
    /** rmq-service state as last seen: running, stopped, disabled, unsupervised, missing. */
    declare readonly observed: pulumi.Output<string>;

    constructor(name: string, args: InstanceRunningInputs, opts?: pulumi.CustomResourceOptions) {
        super(
            instanceRunningProvider,
            name,
            { ...args, connection: pulumi.secret(args.connection), running: undefined, observed: undefined },
            { ...opts, additionalSecretOutputs: ["connection"] },
            "rocketmq",
            "InstanceRunning",
        );
    }
}

/** The provider's own logic, for the unit tests. */
export const forTests = { needsEnsure, runOnHost, COMPARED };
