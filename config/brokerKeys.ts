// The broker property names each supported RocketMQ version actually reads.
// RocketMQ ignores unknown keys silently, so a typo in an override would otherwise be a
// setting that quietly does nothing. The lists are data produced by the broker itself:
// regenerate with `scripts/gen-broker-keys.sh VERSION` (runs `BrokerStartup -p`).
import * as fs from "fs";
import * as path from "path";
import { RocketMqVersion, SUPPORTED_VERSIONS } from "./schema";

/** One file per entry of SUPPORTED_VERSIONS: supporting a version is adding it there and its list here. */
export const BROKER_KEYS_DIR = path.join(__dirname, "brokerKeys");

export function brokerKeysFile(version: string): string {
    return path.join(BROKER_KEYS_DIR, `${version}.json`);
}

const LISTS = new Map<RocketMqVersion, ReadonlySet<string>>();

export function brokerKeys(version: RocketMqVersion): ReadonlySet<string> {
    let keys = LISTS.get(version);
    if (keys === undefined) {
        if (!(SUPPORTED_VERSIONS as readonly string[]).includes(version)) throw new Error(`no broker key list for RocketMQ ${version}`);
        keys = new Set(JSON.parse(fs.readFileSync(brokerKeysFile(version), "utf8")) as string[]);
        LISTS.set(version, keys);
    }
    return keys;
}

/** Closest known key by edit distance, to suggest in an error (`mapedFile...` -> `mappedFile...`). */
export function suggestKey(version: RocketMqVersion, key: string): string | undefined {
    let best: string | undefined;
    let bestDistance = Math.max(3, Math.floor(key.length / 5)) + 1;
    for (const k of brokerKeys(version)) {
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
