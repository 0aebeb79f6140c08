// templates/host/mount-data.sh (aws data volumes) run against stub tools: a grown volume grows its
// file system (xfs_growfs, or growpart then resize2fs inside a partition), idempotently.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { render } from "../../planning/templates";

interface Run {
    code: number;
    out: string;
    calls: string[];
    fstab: string;
}

const STUBS: Record<string, string> = {
    blkid: 'case "$*" in *UUID*) echo 1111-2222 ;; esac',
    blockdev: 'echo "$SIZE"',
    findmnt: 'case "$*" in *SOURCE*) echo "$SRC" ;; *FSTYPE*) echo "$FSTYPE" ;; esac',
    lsblk: 'echo "$PARENT"',
    growpart: 'echo "growpart $*" >>"$LOG"; [ -z "${GROWPART_SAYS:-}" ] || { echo "$GROWPART_SAYS"; exit 1; }',
    xfs_growfs: 'echo "xfs_growfs $*" >>"$LOG"; touch "$T/grown"',
    resize2fs: 'echo "resize2fs $*" >>"$LOG"; touch "$T/grown"',
    df: 'echo "1B-blocks"; if [ -e "$T/grown" ]; then echo "$DF_AFTER"; else echo "$DF_BEFORE"; fi',
    mountpoint: "exit 0",
    mount: 'echo "mount $*" >>"$LOG"',
    "mkfs.xfs": 'echo "mkfs.xfs $*" >>"$LOG"',
    sleep: "exit 0",
};

function run(env: Record<string, string>, partition?: string): Run {
    const t = fs.mkdtempSync(path.join(os.tmpdir(), "mount-data-"));
    try {
        fs.mkdirSync(path.join(t, "bin"));
        fs.mkdirSync(path.join(t, "dev"));
        fs.writeFileSync(path.join(t, "dev", "nvme-vol0abc"), "");
        fs.writeFileSync(path.join(t, "fstab"), "");
        if (partition) {
            fs.mkdirSync(path.join(t, "sys", path.basename(env.SRC)), { recursive: true });
            fs.writeFileSync(path.join(t, "sys", path.basename(env.SRC), "partition"), `${partition}\n`);
        }
        for (const [name, body] of Object.entries(STUBS))
            fs.writeFileSync(path.join(t, "bin", name), `#!/bin/bash\n${body}\n`, { mode: 0o755 });
        const script = render("host/mount-data.sh.mustache", {
            volumeId: "vol-0abc",
            volumeIdNoDash: "vol0abc",
            storeRoot: `${t}/store`,
            sizeGiB: 60,
        })
            .replace("/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_", `${t}/dev/nvme-`)
            .replace(/\/etc\/fstab/g, `${t}/fstab`)
            .replace("/sys/class/block/", `${t}/sys/`);
        const calls = () => (fs.existsSync(path.join(t, "log")) ? fs.readFileSync(path.join(t, "log"), "utf8").trim().split("\n") : []);
        const r = spawnSync("bash", ["-s"], {
            input: script,
            encoding: "utf8",
            env: { PATH: `${t}/bin:${process.env.PATH}`, T: t, LOG: path.join(t, "log"), SIZE: String(60 * 2 ** 30), ...env },
        });
        return {
            code: r.status ?? -1,
            out: `${r.stdout}${r.stderr}`.replaceAll(t, "T"),
            calls: calls().map((c) => c.replaceAll(t, "T")),
            fstab: fs.readFileSync(path.join(t, "fstab"), "utf8").replaceAll(t, "T"),
        };
    } finally {
        fs.rmSync(t, { recursive: true, force: true });
    }
}

const GiB = 2 ** 30;

describe("mount-data.sh grows the file system with its volume", () => {
    test("xfs on the whole disk: xfs_growfs, and the new size is printed; mounted by UUID once", () => {
        const r = run({ SRC: "/dev/nvme1n1", FSTYPE: "xfs", PARENT: "", DF_BEFORE: String(50 * GiB), DF_AFTER: String(60 * GiB) });
        expect(r.code).toBe(0);
        expect(r.calls).toEqual(["xfs_growfs T/store"]);
        expect(r.out).toContain("mount-data: grew T/store from 51200 MiB to 61440 MiB");
        expect(r.out).toMatch(/device=nvme-vol0abc\n$/);
        expect(r.fstab).toBe("UUID=1111-2222 T/store auto defaults,noatime,nofail 0 2\n");
    });

    test("nothing to grow: no growth reported, still exit 0 (reruns are harmless)", () => {
        const r = run({ SRC: "/dev/nvme1n1", FSTYPE: "xfs", PARENT: "", DF_BEFORE: String(60 * GiB), DF_AFTER: String(60 * GiB) });
        expect(r.code).toBe(0);
        expect(r.out).not.toContain("grew");
    });

    test("ext4 in a partition: growpart of that partition first, then resize2fs; growpart's NOCHANGE is not an error", () => {
        const env = { SRC: "/dev/nvme1n1p1", FSTYPE: "ext4", PARENT: "nvme1n1", DF_BEFORE: String(50 * GiB), DF_AFTER: String(60 * GiB) };
        const r = run(env, "1");
        expect(r.code).toBe(0);
        expect(r.calls).toEqual(["growpart /dev/nvme1n1 1", "resize2fs /dev/nvme1n1p1"]);
        const again = run({ ...env, GROWPART_SAYS: "NOCHANGE: partition 1 is size 125827039. it cannot be grown" }, "1");
        expect(again.code).toBe(0);
        const broken = run({ ...env, GROWPART_SAYS: "FAILED: failed to resize" }, "1");
        expect(broken.code).toBe(1);
        expect(broken.out).toContain("growpart /dev/nvme1n1 1 failed: FAILED: failed to resize");
    });

    test("the disk not yet at its new size: said, not fatal (the next run grows it)", () => {
        const r = run({
            SIZE: String(50 * GiB),
            SRC: "/dev/nvme1n1",
            FSTYPE: "xfs",
            PARENT: "",
            DF_BEFORE: String(50 * GiB),
            DF_AFTER: String(50 * GiB),
        });
        expect(r.code).toBe(0);
        expect(r.out).toContain("is still smaller than 60 GiB");
    });
});
