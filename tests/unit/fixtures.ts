// Shared stack configurations for the unit tests: a valid `existing` one, and an `aws` one.
import { RawConfig } from "../../config/validate";

export const SHA = "a".repeat(128);

export function existingRaw(over: RawConfig = {}): RawConfig {
    return {
        hostMode: "existing",
        hosts: JSON.stringify([
            { name: "worker1", host: "192.0.2.11", user: "root", memoryMiB: 8192, cpus: 4 },
            { name: "worker2", host: "192.0.2.12", user: "root", memoryMiB: 8192, cpus: 4 },
            { name: "worker3", host: "192.0.2.13", user: "root", memoryMiB: 8192, cpus: 4 },
        ]),
        sha512: SHA,
        dashboardUrl: "http://192.0.2.1/rocketmq-dashboard-2.0.0.jar",
        dashboardSha512: SHA,
        ...over,
    };
}

/** hosts of existingRaw with a pinned SSH host key each (required when environment is prod). */
export function pinnedHosts(): string {
    const hosts = JSON.parse(existingRaw().hosts as string) as Record<string, unknown>[];
    return JSON.stringify(
        hosts.map((h, i) => ({ ...h, hostKey: `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMbH94EaABhfFVROyFuoud9zkajkMHYnDzLYfILc2WU${i}` })),
    );
}

export const PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGxS0mQq0vQbq8V3yB1Qh9b0n2l7mXz1c9wqf2j3J4k5 deployer";

export function awsRaw(over: RawConfig = {}): RawConfig {
    return {
        hostMode: "aws",
        allowedCidrs: JSON.stringify(["203.0.113.0/24"]),
        sshPublicKey: PUBLIC_KEY,
        instanceType: "t3.large",
        sha512: SHA,
        dashboardUrl: "http://192.0.2.1/rocketmq-dashboard-2.0.0.jar",
        dashboardSha512: SHA,
        ...over,
    };
}

/** Properties text -> map (comments and blank lines dropped). */
export function parseProperties(text: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const line of text.split("\n")) {
        if (line.trim() === "" || line.startsWith("#")) continue;
        const i = line.indexOf("=");
        out[line.slice(0, i)] = line.slice(i + 1);
    }
    return out;
}
