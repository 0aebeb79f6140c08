// Host-side claims: which host commands own a thing on a host, so that the delete of a replaced
// resource (create-before-delete) does not remove what its replacement has just created.
// templates/host/bin/rmq-claim.mustache keeps the counts; these are the scripts wrapped around a
// host command's create, update and delete. Pure functions.
import { render, shellQuote } from "./templates";

/** Root-only (0700), outside the install root, so uninstall keeps it and no service user writes it. */
export const CLAIMS_DIR = "/var/lib/rocketmq-pulumi/claims";

/** What a host command deploys and its remove removes. */
export interface HostClaim {
    /**
     * Names the thing, not the resource: the same for every resource that ever manages it (a
     * replacement, a renamed resource), e.g. `instance-broker-a-s`, `install`. Letters, digits, . _ -.
     */
    key: string;
    /**
     * The remove command drops the claim itself (rmq-service remove): so do the deletes recorded
     * by stacks deployed before claims. `deployed` exists while the thing is deployed: a create
     * that finds it with no count yet counts its older owner, whose delete will drop a claim.
     */
    serviceRemove?: { deployed: string };
}

const KEY = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * The claim key of a named thing (a topic, a consumer group): KIND-NAME, each character of NAME
 * outside letters, digits, _ and - written as .XX (its hex code; RocketMQ names never hold a dot,
 * so no two names share a key).
 */
export function claimKeyOf(kind: string, name: string): string {
    return `${kind}-${name.replace(/[^A-Za-z0-9_-]/g, (c) => `.${c.charCodeAt(0).toString(16).padStart(2, "0")}`)}`;
}
const REMOVE_EOF = "RMQ_REMOVE_EOF";

function claimFunctions(claim: HostClaim): string {
    if (!KEY.test(claim.key)) throw new Error(`claim key ${JSON.stringify(claim.key)}: letters, digits, . _ - only`);
    // Without the tool's header (usage and why): the command lines stay short in previews.
    const tool = render("host/bin/rmq-claim.mustache", { inline: true });
    return tool.slice(tool.indexOf("\nset -euo pipefail\n") + 1);
}

/** Create: the script from stdin, then one claim more; a create that fails claims nothing. */
export function claimedCreateScript(claim: HostClaim): string {
    const deployed = claim.serviceRemove ? ` ${shellQuote(claim.serviceRemove.deployed)}` : "";
    return [
        claimFunctions(claim),
        `rmq_claim prepare ${claim.key}${deployed} </dev/null`,
        'bash -s -- "$@"',
        `rmq_claim take ${claim.key} </dev/null`,
        "",
    ].join("\n");
}

/** Update: the script from stdin; the resource keeps (or, deployed before claims, gets) its claim. */
export function claimedUpdateScript(claim: HostClaim): string {
    return [claimFunctions(claim), 'bash -s -- "$@"', `rmq_claim keep ${claim.key} </dev/null`, ""].join("\n");
}

/**
 * Delete (run without stdin): drops this resource's claim and runs `remove` only when no claim is
 * left; else a replacement created before this delete owns the thing, and nothing is removed.
 */
export function claimedRemoveScript(claim: HostClaim, remove: string): string {
    if (claim.serviceRemove) throw new Error(`claim ${claim.key}: its remove command drops the claim itself`);
    if (remove.split("\n").includes(REMOVE_EOF)) throw new Error(`a remove script may not hold a line ${REMOVE_EOF}`);
    return [
        claimFunctions(claim),
        `left=$(rmq_claim release ${claim.key})`,
        'if [ "$left" != 0 ]; then',
        `  echo "${claim.key}: still claimed by $left newer resource(s) (a replacement created before this delete): nothing removed"`,
        "  exit 0",
        "fi",
        `bash -s <<'${REMOVE_EOF}'`,
        remove.replace(/\n+$/, ""),
        REMOVE_EOF,
        `rmq_claim forget ${claim.key}`,
        "",
    ].join("\n");
}

/**
 * Forgets the claims of KINDS (e.g. topic, group) whose keys are not in KEEP. A thing removed from
 * the config without opt-in is dropped from the state with no delete run (retainOnDelete), so its
 * claim would stay: re-added and later deleted with opt-in, its delete would count that stale claim
 * and keep it forever. Run whenever the declared set changes (and with an empty KEEP when none is
 * left), this leaves exactly the declared things claimed; the deletes of a run come after it.
 */
export function claimsReconcileScript(kinds: string[], keep: string[]): string {
    for (const k of [...kinds, ...keep]) if (!KEY.test(k)) throw new Error(`claim key ${JSON.stringify(k)}: letters, digits, . _ - only`);
    return [
        "set -euo pipefail",
        "# Claims of things still declared; the rest were dropped from the state without a delete.",
        `keep=$(cat <<'RMQ_EOF'`,
        ...keep,
        "RMQ_EOF",
        ")",
        `[ -d ${CLAIMS_DIR} ] || exit 0`,
        `for f in ${kinds.map((k) => `${CLAIMS_DIR}/${k}-*`).join(" ")}; do`,
        '  [ -f "$f" ] || continue',
        '  if ! grep -qxF -- "${f##*/}" <<<"$keep"; then',
        '    rm -f "$f"',
        '    echo "claims: forgot ${f##*/} (no longer declared)"',
        "  fi",
        "done",
        "",
    ].join("\n");
}
