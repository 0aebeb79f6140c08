// rocketmq:hosts[].hostKey (config/validate/hosts.ts): optional for dev and test stacks, required for
// prod, and a value must be one OpenSSH public key line.
import { validateConfig } from "../../config/validate";
import { existingRaw } from "./fixtures";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMbH94EaABhfFVROyFuoud9zkajkMHYnDzLYfILc2WUr";
const hosts = (keys: (string | undefined)[]) =>
    JSON.stringify(
        keys.map((hostKey, i) => ({ name: `worker${i + 1}`, host: `192.0.2.1${i + 1}`, ...(hostKey === undefined ? {} : { hostKey }) })),
    );
const problems = (over: Record<string, string>): string[] => {
    try {
        validateConfig(existingRaw(over));
        return [];
    } catch (e) {
        return (e as Error).message.split("\n").filter((l) => l.includes("hostKey"));
    }
};

describe("hosts[].hostKey", () => {
    test("kept as given (the comment too) when set; absent when not", () => {
        const cfg = validateConfig(existingRaw({ hosts: hosts([`${KEY} root@worker1`, undefined, KEY]) }));
        expect(cfg.existingHosts.map((h) => h.hostKey)).toEqual([`${KEY} root@worker1`, undefined, KEY]);
        expect(Object.keys(cfg.existingHosts[1])).not.toContain("hostKey");
    });

    test("prod refuses a host without one, naming it and saying where the key comes from", () => {
        expect(problems({ environment: "prod", hosts: hosts([KEY, undefined, KEY]) })).toEqual([
            expect.stringMatching(
                /^ {2}- rocketmq:hosts\[1\]\.hostKey = \(not set\): required when environment is prod: .*\/etc\/ssh\/ssh_host_ed25519_key\.pub read on the host itself/,
            ),
        ]);
        expect(problems({ environment: "prod", hosts: hosts([KEY, KEY, KEY]) })).toEqual([]);
        expect(problems({ environment: "dev", hosts: hosts([undefined, undefined, undefined]) })).toEqual([]);
    });

    test("not a key line: refused", () => {
        for (const bad of [
            "ssh-ed25519",
            "AAAAC3NzaC1lZDI1NTE5AAAAIMbH94",
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMbH94EaABhfFVROyFuoud9zkajkMHYnDzLYfILc2W",
            `${KEY}; rm -rf /`,
        ])
            expect([bad, problems({ hosts: hosts([bad, KEY, KEY]) })]).toEqual([
                bad,
                [expect.stringMatching(/^ {2}- rocketmq:hosts\[0\]\.hostKey = /)],
            ]);
    });
});
