// SSH host keys: whoever answers on a host's address gets every root script (passwords included),
// so each host's key is pinned and checked. Two layers:
// - every connection carries `hostKey` (@pulumi/command 1.2.1 then verifies the server's signature
//   with that exact key and offers only its algorithm); the recovery provider writes the same key
//   to a known_hosts file and runs ssh with StrictHostKeyChecking=yes;
// - before `pulumi up` registers any command, the program reads the key each host offers
//   (ssh-keyscan: no login) and stops on a mismatch with an error naming the host. The provider
//   alone would fail too, but only per command, after the other hosts' scripts ran, and with
//   `dialErrorLimit: -1` it would redial the wrong host until the command's timeout.
import * as pulumi from "@pulumi/pulumi";
import { RunError } from "@pulumi/pulumi/errors";
import { createHash } from "crypto";

/** Key types in the order a pin is chosen from what a host offers: ed25519 first (what OpenSSH prefers). */
export const HOST_KEY_PREFERENCE = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa"];

/** `TYPE BASE64` of a public key line (comment dropped), or undefined when it is not one. */
export function normalizeHostKey(line: string): string | undefined {
    const m = /^\s*(\S+)\s+([A-Za-z0-9+/]+={0,2})(\s.*)?$/.exec(line);
    return m ? `${m[1]} ${m[2]}` : undefined;
}

/** OpenSSH's fingerprint of a key line (what `ssh-keygen -lf` prints): for messages. */
export function fingerprint(line: string): string {
    const key = normalizeHostKey(line);
    if (!key) return "(not a key)";
    const blob = Buffer.from(key.split(" ")[1], "base64");
    return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/**
 * The key to pin from public key lines a host printed (its /etc/ssh/ssh_host_*_key.pub): the first
 * type of HOST_KEY_PREFERENCE it has. Throws when it printed none.
 */
export function pickHostKey(hostName: string, text: string): string {
    const keys = text
        .split("\n")
        .map(normalizeHostKey)
        .filter((k): k is string => k !== undefined && HOST_KEY_PREFERENCE.includes(k.split(" ")[0]));
    for (const type of HOST_KEY_PREFERENCE) {
        const k = keys.find((key) => key.startsWith(`${type} `));
        if (k) return k;
    }
    throw new RunError(`${hostName}: found no SSH host key to pin in what the host printed:\n${text.trim().slice(0, 500)}`);
}

/** The commands' text that prints a host's public host keys (run once, on first contact). */
export const PRINT_HOST_KEYS = "cat /etc/ssh/ssh_host_*_key.pub";

/** One host whose pinned key is checked before anything runs. */
export interface HostKeyTarget {
    name: string;
    host: string;
    port: number;
    /** The pinned key line; undefined: not pinned, not checked. */
    hostKey?: string;
    /** Where to set it, for the message (e.g. `rocketmq:hosts[1].hostKey`). */
    setting: string;
}

/** What a host offered, as `TYPE BASE64` lines; empty when it could not be reached. */
export type KeyScanner = (host: string, port: number) => Promise<string[]>;

/** Compares what each host offered with its pin; returns one message per mismatching host. */
export function hostKeyMismatches(targets: HostKeyTarget[], offered: (string[] | undefined)[]): string[] {
    const problems: string[] = [];
    targets.forEach((t, i) => {
        const pinned = t.hostKey === undefined ? undefined : normalizeHostKey(t.hostKey);
        const keys = offered[i];
        // Not pinned, or not reachable now: the provider's own check (with the pin) still applies.
        if (pinned === undefined || keys === undefined || keys.length === 0) return;
        if (keys.includes(pinned)) return;
        problems.push(
            `${t.name} (${t.host}:${t.port}) offers SSH host key ${keys.map((k) => `${k.split(" ")[0]} ${fingerprint(k)}`).join(", ")}, ` +
                `not the pinned ${pinned.split(" ")[0]} ${fingerprint(pinned)} (${t.setting})`,
        );
    });
    return problems;
}

export class HostKeyMismatchError extends RunError {
    constructor(readonly problems: string[]) {
        super(
            `SSH host key mismatch; nothing was run on any host:\n${problems.map((p) => `  - ${p}`).join("\n")}\n` +
                "Someone else may be answering on that address. If the host was reinstalled on purpose, read its new key " +
                "on the host itself (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub, or its console), then set the pin to it.",
        );
        this.name = "HostKeyMismatchError";
    }
}

/** Reads the keys every pinned host offers (in parallel) and throws HostKeyMismatchError on any mismatch. */
export async function verifyHostKeys(targets: HostKeyTarget[], scan: KeyScanner = keyscan): Promise<void> {
    const pinned = targets.filter((t) => t.hostKey !== undefined);
    if (pinned.length === 0) return;
    const offered = await Promise.all(targets.map((t) => (t.hostKey === undefined ? Promise.resolve(undefined) : scan(t.host, t.port))));
    const problems = hostKeyMismatches(targets, offered);
    if (problems.length > 0) throw new HostKeyMismatchError(problems);
}

/**
 * `ssh-keyscan` of one host: the key lines it offers, `TYPE BASE64`. No login (nothing runs there);
 * an unreachable host gives none.
 */
export const keyscan: KeyScanner = (host, port) =>
    new Promise((resolve) => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { execFile } = require("child_process") as typeof import("child_process");
        execFile("ssh-keyscan", ["-T", "10", "-p", String(port), "--", host], { timeout: 30_000 }, (_err, stdout) => {
            const keys = String(stdout ?? "")
                .split("\n")
                .filter((l) => !l.startsWith("#"))
                .map((l) => normalizeHostKey(l.replace(/^\S+\s+/, "")))
                .filter((k): k is string => k !== undefined);
            resolve(keys);
        });
    });

/**
 * A promise that settles once every pinned host's key was checked: at `pulumi up` only (preview
 * contacts no host). Each host's connection waits for it, so a mismatch on one host stops the
 * commands of all hosts before any is sent.
 */
export function hostKeyGate(targets: HostKeyTargetInput[]): pulumi.Output<true> {
    return pulumi.all(targets.map((t) => pulumi.output(t))).apply(async (ts) => {
        if (!pulumi.runtime.isDryRun()) await verifyHostKeys(ts as HostKeyTarget[], hostKeyScanner.scan);
        return true as const;
    });
}

/** What the gate reads keys with: ssh-keyscan; the unit tests put a fake here (no network in tests). */
export const hostKeyScanner: { scan: KeyScanner } = { scan: keyscan };

/** A HostKeyTarget whose fields may be Outputs (an AWS host's address and learned key). */
export type HostKeyTargetInput = { [K in keyof HostKeyTarget]: pulumi.Input<HostKeyTarget[K]> };
