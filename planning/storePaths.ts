// The store paths of a broker as RocketMQ resolves them: what two brokers on one host must not share,
// and what a running broker cannot move away from (planning/layout.ts).
import { STORE_PATH_KEYS } from "../config/validate/brokerProperties";
import type { BrokerPlan } from "./topology";

/** Where RocketMQ puts each store path a broker does not set (relative to storePathRootDir). */
const STORE_PATH_DEFAULTS: Record<string, string> = {
    storePathRootDir: "",
    storePathCommitLog: "/commitlog",
    // DLedger keeps its log under the root unless told otherwise.
    storePathDLedgerCommitLog: "",
    storePathEpochFile: "/epochFileCheckpoint",
    storePathBrokerIdentity: "/brokerIdentity",
    storePathConsumeQueue: "/consumequeue",
    storePathIndex: "/index",
    storeCheckpoint: "/checkpoint",
    abortFile: "/abort",
};

/** Every store path of a broker as the broker resolves it: its override, or its place under the root. */
export function storePaths(b: Pick<BrokerPlan, "storePathRootDir" | "overrides">): Record<string, string> {
    const out: Record<string, string> = {};
    for (const k of STORE_PATH_KEYS)
        out[k] = k === "storePathRootDir" ? b.storePathRootDir : (b.overrides[k] ?? `${b.storePathRootDir}${STORE_PATH_DEFAULTS[k]}`);
    return out;
}

/** Where RocketMQ puts store path KEY when it is not set, relative to storePathRootDir ("" = the root). */
export function storePathDefault(key: string): string {
    return STORE_PATH_DEFAULTS[key];
}

/** Whether two paths are the same or one lies inside the other. */
export function overlaps(a: string, b: string): boolean {
    return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}
