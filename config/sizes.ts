// JVM-style sizes ("512m", "2g") <-> MiB.

const SIZE = /^([1-9][0-9]*)([mMgG])$/;

/** MiB for a size like `512m` or `2g`; undefined when the text is not such a size. */
export function parseSizeMiB(text: string): number | undefined {
    const m = SIZE.exec(text);
    if (!m) return undefined;
    const n = Number(m[1]);
    return m[2].toLowerCase() === "g" ? n * 1024 : n;
}

/** The JVM spelling of a MiB amount: whole gigabytes as `g`, else `m`. */
export function formatSizeMiB(mib: number): string {
    return mib % 1024 === 0 ? `${mib / 1024}g` : `${mib}m`;
}

/** Memory of common EC2 instance types, so heaps can be sized and checked at preview. */
export const EC2_MEMORY_MIB: Record<string, { memoryMiB: number; cpus: number }> = {
    "t3.medium": { memoryMiB: 4096, cpus: 2 },
    "t3.large": { memoryMiB: 8192, cpus: 2 },
    "t3.xlarge": { memoryMiB: 16384, cpus: 4 },
    "t3.2xlarge": { memoryMiB: 32768, cpus: 8 },
    "m6i.large": { memoryMiB: 8192, cpus: 2 },
    "m6i.xlarge": { memoryMiB: 16384, cpus: 4 },
    "m6i.2xlarge": { memoryMiB: 32768, cpus: 8 },
    "m7i.large": { memoryMiB: 8192, cpus: 2 },
    "m7i.xlarge": { memoryMiB: 16384, cpus: 4 },
    "r6i.large": { memoryMiB: 16384, cpus: 2 },
    "r6i.xlarge": { memoryMiB: 32768, cpus: 4 },
};
