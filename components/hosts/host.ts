import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";

/** What the rest of the program needs of a machine, whichever way it was obtained. */
export interface Host {
    /** Short name (worker1..3): /etc/hosts entry and broker config use it. */
    name: string;
    /** Address the deployer's SSH dials. */
    address: pulumi.Output<string>;
    /** Address cluster members use among themselves (brokerIP2: HA replication; DLedger peers). */
    privateAddress: pulumi.Output<string>;
    /** Address clients are told (brokerIP1, the namesrvAddr output). */
    clientAddress: pulumi.Output<string>;
    /** SSH connection (secret: it holds the private key). */
    connection: pulumi.Input<command.types.input.remote.ConnectionArgs>;
    /** SSH user: commands use sudo unless it is root. */
    user: string;
    /** Waits until SSH answers and reports the host's cores and memory; everything depends on it. */
    ready: command.remote.Command;
    /** Cores and MiB of memory, read from the host once. */
    facts: pulumi.Output<{ cpus: number; memoryMiB: number }>;
    /** The machine resource, when the stack owns it: commands are deleted with it. */
    machine?: pulumi.Resource;
    /** Block device of the data volume, when the stack created one (IO scheduler target). */
    dataDevice?: pulumi.Output<string>;
    /** Example SSH command for the outputs. */
    sshCommand: pulumi.Output<string>;
}

/** Runs a root script fed through stdin, so long or secret content never appears in argv or logs. */
export function asRoot(user: string, shell = "bash -s"): string {
    return user === "root" ? shell : `sudo -n ${shell}`;
}

/**
 * Runs `script`, carried inline (base64), as root with `args`, and leaves stdin to what the script
 * starts: the claim wrappers around a host command's create and update, which feed the command's
 * own script (stdin) to `bash -s`. Decoded by root's bash, so the login shell only sees one quoted word.
 */
export function asRootInline(user: string, script: string, args = ""): string {
    const run = `bash -c 'eval "$(echo ${Buffer.from(script).toString("base64")} | base64 -d)"' rmq-claimed${args ? ` ${args}` : ""}`;
    return user === "root" ? run : `sudo -n ${run}`;
}

/** A delete command carrying its script inline (base64), since delete runs without stdin. */
export function inlineScript(user: string, script: string): string {
    return `echo ${Buffer.from(script).toString("base64")} | base64 -d | ${asRoot(user)}`;
}

/** Prints cores and memory so sizing uses what the host really has. */
export const FACTS_COMMAND = "echo \"cpus=$(nproc) memKiB=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)\"";

export function parseFacts(stdout: string): { cpus: number; memoryMiB: number } {
    const cpus = /cpus=(\d+)/.exec(stdout);
    const mem = /memKiB=(\d+)/.exec(stdout);
    if (!cpus || !mem) throw new Error(`could not read host facts from: ${stdout}`);
    return { cpus: Number(cpus[1]), memoryMiB: Math.floor(Number(mem[1]) / 1024) };
}

/** The first command on a host: retries dialing until SSH answers (new VMs take a while). */
export function waitForSsh(
    name: string,
    connection: pulumi.Input<command.types.input.remote.ConnectionArgs>,
    opts: pulumi.CustomResourceOptions,
): command.remote.Command {
    return new command.remote.Command(
        name,
        { connection, create: FACTS_COMMAND, addPreviousOutputInEnv: false },
        { customTimeouts: { create: "10m" }, ...opts },
    );
}
