// SSH host keys (components/hosts/hostKeys.ts): what is pinned from what a host prints, how a pin is
// compared with what a host offers, and the error that stops `pulumi up` naming the host.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    HostKeyMismatchError,
    HostKeyTarget,
    fingerprint,
    hostKeyMismatches,
    normalizeHostKey,
    pickHostKey,
    verifyHostKeys,
} from "../../components/hosts/hostKeys";

const ED = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMbH94EaABhfFVROyFuoud9zkajkMHYnDzLYfILc2WUr";
const OTHER = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIH/549pNo5u3B1RBZ2okAvsdTWr/99t7usr0yLJedRum";
const ECDSA = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTY=";

const targets: HostKeyTarget[] = [
    { name: "worker1", host: "192.0.2.11", port: 22, hostKey: `${ED} root@worker1`, setting: "hosts[0].hostKey" },
    { name: "worker2", host: "192.0.2.12", port: 2222, hostKey: ED, setting: "hosts[1].hostKey" },
    { name: "worker3", host: "192.0.2.13", port: 22, setting: "hosts[2].hostKey" },
];

describe("host keys", () => {
    test("a key line is TYPE BASE64, the comment dropped; anything else is not a key", () => {
        expect(normalizeHostKey(`${ED} root@worker1`)).toBe(ED);
        expect(normalizeHostKey(`  ${ED}\n`)).toBe(ED);
        expect(normalizeHostKey("ssh-ed25519")).toBeUndefined();
        expect(normalizeHostKey("ssh-ed25519 not*base64")).toBeUndefined();
    });

    test("the fingerprint is the one ssh-keygen prints", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hk-"));
        try {
            fs.writeFileSync(path.join(dir, "k.pub"), `${ED} root@unit\n`);
            const printed = execFileSync("ssh-keygen", ["-lf", path.join(dir, "k.pub")], { encoding: "utf8" });
            expect(printed.split(" ")[1]).toBe(fingerprint(ED));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    test("first contact pins the host's ed25519 key, else the next preferred type; none printed is an error naming the host", () => {
        expect(pickHostKey("worker1", `${ECDSA} root@a\n${ED} root@a\nssh-rsa AAAAB3NzaC1yc2E= root@a\n`)).toBe(ED);
        expect(pickHostKey("worker1", `${ECDSA} root@a\n`)).toBe(ECDSA);
        expect(() => pickHostKey("worker2", "cat: /etc/ssh/ssh_host_*_key.pub: No such file or directory\n")).toThrow(
            /^worker2: found no SSH host key to pin/,
        );
    });

    test("a host offering its pinned key passes; unpinned or unreachable hosts are left to the connection's own check", () => {
        expect(hostKeyMismatches(targets, [[ED], [ECDSA, ED], undefined])).toEqual([]);
        expect(hostKeyMismatches(targets, [[], [ED], [OTHER]])).toEqual([]);
    });

    test("a host offering another key is named, with its address, both fingerprints and where the pin is set", () => {
        const problems = hostKeyMismatches(targets, [[ED], [OTHER], [OTHER]]);
        expect(problems).toEqual([
            `worker2 (192.0.2.12:2222) offers SSH host key ssh-ed25519 ${fingerprint(OTHER)}, not the pinned ssh-ed25519 ${fingerprint(ED)} (hosts[1].hostKey)`,
        ]);
    });

    test("verify scans only pinned hosts, all of them, and throws one error naming every mismatching host", async () => {
        const scanned: string[] = [];
        const scan = async (host: string, port: number) => {
            scanned.push(`${host}:${port}`);
            return host === "192.0.2.12" ? [OTHER] : [ED];
        };
        const err = await verifyHostKeys(targets, scan).then(
            () => undefined,
            (e: Error) => e,
        );
        expect(err).toBeInstanceOf(HostKeyMismatchError);
        expect(err?.message).toMatch(/^SSH host key mismatch; nothing was run on any host:\n {2}- worker2 \(192\.0\.2\.12:2222\) offers/);
        expect(err?.message).not.toMatch(/worker1|worker3/);
        expect(scanned.sort()).toEqual(["192.0.2.11:22", "192.0.2.12:2222"]);
        await expect(verifyHostKeys(targets, async () => [ED])).resolves.toBeUndefined();
    });
});
