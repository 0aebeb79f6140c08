// The broker property names each supported RocketMQ version actually reads.
// RocketMQ ignores unknown keys silently, so a typo in an override would otherwise be a
// setting that quietly does nothing. The lists are data produced by the broker itself:
// regenerate with `scripts/gen-broker-keys.sh VERSION` (runs `BrokerStartup -p`).
import keys498 from "./brokerKeys/4.9.8.json";
import keys533 from "./brokerKeys/5.3.3.json";
import { RocketMqVersion } from "./schema";

const LISTS: Record<RocketMqVersion, ReadonlySet<string>> = {
    "4.9.8": new Set(keys498 as string[]),
    "5.3.3": new Set(keys533 as string[]),
};

export function brokerKeys(version: RocketMqVersion): ReadonlySet<string> {
    return LISTS[version];
}

/** Closest known key by edit distance, to suggest in an error (`mapedFile...` -> `mappedFile...`). */
export function suggestKey(version: RocketMqVersion, key: string): string | undefined {
    let best: string | undefined;
    let bestDistance = Math.max(3, Math.floor(key.length / 5)) + 1;
    for (const k of LISTS[version]) {
        const d = editDistance(key.toLowerCase(), k.toLowerCase());
        if (d < bestDistance) {
            best = k;
            bestDistance = d;
        }
    }
    return best;
}

function editDistance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
        let prev = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const tmp = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
            prev = tmp;
        }
    }
    return row[b.length];
}
