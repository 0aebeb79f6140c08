// The broker property names each supported RocketMQ version actually reads, with the type each
// one's setter takes. RocketMQ ignores unknown keys and unparsable values silently, so a typo in an
// override would otherwise be a setting that quietly does nothing. The lists are data produced by
// the broker itself: regenerate with `scripts/gen-broker-keys.sh VERSION`.
import * as fs from "fs";
import * as path from "path";
import { RocketMqVersion, SUPPORTED_VERSIONS } from "./schema";

/** One file per entry of SUPPORTED_VERSIONS: supporting a version is adding it there and its list here. */
export const BROKER_KEYS_DIR = path.join(__dirname, "brokerKeys");

/** What a setter takes (MixAll.properties2Object parses the text accordingly). */
export const BROKER_KEY_TYPES = ["int", "long", "float", "double", "boolean", "string"] as const;
export type BrokerKeyType = (typeof BROKER_KEY_TYPES)[number];

export function brokerKeysFile(version: string): string {
    return path.join(BROKER_KEYS_DIR, `${version}.json`);
}

const LISTS = new Map<RocketMqVersion, ReadonlyMap<string, readonly BrokerKeyType[]>>();

/** Key -> the types its setter(s) take (more than one when the setter is overloaded). */
export function brokerKeyTypes(version: RocketMqVersion): ReadonlyMap<string, readonly BrokerKeyType[]> {
    let keys = LISTS.get(version);
    if (keys === undefined) {
        if (!(SUPPORTED_VERSIONS as readonly string[]).includes(version)) throw new Error(`no broker key list for RocketMQ ${version}`);
        const data = JSON.parse(fs.readFileSync(brokerKeysFile(version), "utf8")) as Record<string, string>;
        keys = new Map(Object.entries(data).map(([k, t]) => [k, t.split("|") as BrokerKeyType[]]));
        LISTS.set(version, keys);
    }
    return keys;
}

const NAMES = new Map<RocketMqVersion, ReadonlySet<string>>();

export function brokerKeys(version: RocketMqVersion): ReadonlySet<string> {
    let names = NAMES.get(version);
    if (names === undefined) NAMES.set(version, (names = new Set(brokerKeyTypes(version).keys())));
    return names;
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
