// Runs commands on the local test hosts over real SSH, as the stack's remote commands do:
// `bash -s` with the script on stdin.
import { spawn } from "child_process";

export interface RunResult {
    code: number;
    stdout: string;
    stderr: string;
}

export function sshArgs(key: string, ip: string): string[] {
    return [
        "-i",
        key,
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "LogLevel=ERROR",
        "-o",
        "BatchMode=yes",
        `root@${ip}`,
    ];
}

export function run(key: string, ip: string, command: string, stdin = "", timeoutMs = 600_000): Promise<RunResult> {
    return new Promise((resolve, reject) => {
        const child = spawn("ssh", [...sshArgs(key, ip), command], { stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", reject);
        child.on("close", (code) => {
            clearTimeout(timer);
            resolve({ code: code ?? -1, stdout, stderr });
        });
        child.stdin.end(stdin);
    });
}

/** Like run(), but a non-zero exit is an error carrying the output (what Pulumi shows on failure). */
export async function runOk(key: string, ip: string, what: string, command: string, stdin = "", timeoutMs?: number): Promise<string> {
    const r = await run(key, ip, command, stdin, timeoutMs);
    if (r.code !== 0) throw new Error(`${what} on ${ip} failed (exit ${r.code}):\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
    return r.stdout;
}
