// Which `rocketmq:version` changes a running cluster can take. A change is a rolling upgrade (or
// rollback): the new release is installed beside the old one and the instances restart one at a
// time onto it, reading the stores the old release wrote. That is only safe when both releases
// read each other's store files, so moves are allowed within one store format family and refused
// across families (config/versions.ts `storeFormat`). Facts, checked in the released jars and the
// apache/rocketmq tags rocketmq-all-4.9.7 and rocketmq-all-5.3.3:
//
// - 5.3.3 <-> 5.5.0: the same commit log magic codes (V1 -626843481, V2 -626843477, blank
//   -875286124), the same consume queue unit, the same DLedger entry coder (dledger 0.3.1.2 in
//   5.3.3, 0.3.2 in 5.5.0: byte-identical DLedgerEntryCoder, header 44 bytes), metadata in JSON
//   (configManagerVersion v1, storeType default in both), and a checkpoint each release extends at
//   its tail only (5.3.3 writes 40 bytes, 5.5.0 48: 5.3.3 reads its prefix). 5.5.0's new store
//   features (timer/index/transaction RocksDB, combined consume queues) are off by default; the
//   5.3.3 key list refuses their keys, so a rollback cannot carry them over.
// - 5.x -> 4.9.7: unsafe. 4.9.7's recovery knows only magic code V1: at the first V2 message (5.x
//   writes V2 for topics longer than 127 characters, autoMessageVersionOnTopicLen=true by default)
//   it stops and truncates the commit log behind it (CommitLog.checkMessageAndReturnSize ->
//   truncateDirtyFiles); messages held by 5.x's timer store (timerWheelEnable=true) have no reader
//   in 4.9.7. Upstream documents no downgrade.
// - 4.9.7 -> 5.x: the formats allow it (5.x reads V1 messages and the 24-byte 4.x checkpoint as a
//   prefix; 4.9.7 and 5.3.3 ship the same dledger 0.3.1.2), but this stack does not test that roll
//   (mixed 4.x/5.x replication under load, the 4.x logging layout swapped for 5.x's): refused
//   until an end-to-end scenario covers it. Deploy 5.x on new hosts and move clients instead.
import { ConfigError, ConfigProblem } from "./errors";
import { RocketMqVersion, VERSIONS, versionFacts } from "./versions";

export interface VersionMove {
    allowed: boolean;
    /** Why a move is refused (empty when allowed). */
    why: string;
}

const isKnown = (v: string): v is RocketMqVersion => Object.prototype.hasOwnProperty.call(VERSIONS, v);

/** Can a cluster running `from` roll to `to`? */
export function versionMove(from: string, to: RocketMqVersion): VersionMove {
    if (from === to) return { allowed: true, why: "" };
    if (!isKnown(from))
        return { allowed: false, why: `${from} is not a version this stack knows, so it cannot tell whether ${to} reads its stores` };
    const a = versionFacts(from).storeFormat;
    const b = versionFacts(to).storeFormat;
    if (a === b) return { allowed: true, why: "" };
    if (a === "5.x" && b === "4.x")
        return {
            allowed: false,
            why:
                `unsafe: ${to} cannot read what ${from} writes (its recovery truncates the commit log at the first message in ` +
                `5.x's V2 format, and messages held by 5.x's timer store are never delivered); upstream has no downgrade`,
        };
    return {
        allowed: false,
        why:
            `untested: RocketMQ ${to} can read ${from}'s stores, but this stack does not test a rolling ${from} -> ${to} ` +
            `(mixed ${a}/${b} replication under load); deploy ${to} on new hosts and move clients`,
    };
}

/** Versions a cluster running `from` can roll to (itself included), in the table's order. */
export function rollTargets(from: string): RocketMqVersion[] {
    return (Object.keys(VERSIONS) as RocketMqVersion[]).filter((to) => versionMove(from, to).allowed);
}

/** Versions from which a running cluster can roll to `to` (itself included): the install script's check. */
export function rollSources(to: RocketMqVersion): RocketMqVersion[] {
    return (Object.keys(VERSIONS) as RocketMqVersion[]).filter((from) => versionMove(from, to).allowed);
}

/**
 * The preview-time check: `deployed` is the version the last `pulumi up` deployed (the stack's own
 * `version` output; undefined before the first). Returns the problem, or undefined when allowed.
 */
export function versionChangeProblem(deployed: string | undefined, wanted: RocketMqVersion): ConfigProblem | undefined {
    if (deployed === undefined) return undefined;
    const move = versionMove(deployed, wanted);
    if (move.allowed) return undefined;
    return {
        key: "version",
        value: wanted,
        allowed:
            `the cluster runs ${deployed} (stack output \`version\`, set by the last \`pulumi up\`); ${deployed} -> ${wanted} is refused, ${move.why}. ` +
            `From ${deployed} this stack rolls to: ${rollTargets(deployed).join(", ")}`,
    };
}

/** Throws a ConfigError (reported like Pulumi's own config errors) when the change is refused. */
export function checkVersionChange(deployed: string | undefined, wanted: RocketMqVersion): void {
    const p = versionChangeProblem(deployed, wanted);
    if (p) throw new ConfigError([p]);
}
