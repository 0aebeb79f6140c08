import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { HostClaim, claimedCreateScript, claimedRemoveScript, claimedUpdateScript } from "../planning/claims";
import { Host, asRoot, asRootInline, inlineScript } from "./hosts/host";

export interface HostCommandArgs {
    /** Script run as root on create and whenever it changes (fed through stdin). */
    script: pulumi.Input<string>;
    /** Script run as root on destroy or replacement, with the inputs of the last deploy. */
    remove?: string;
    /** The script holds a secret: keep it and the output out of diffs and logs. */
    secret?: boolean;
    /** Arguments the script gets on update instead of create (e.g. "stage"); default: the same run. */
    updateArgs?: string;
    /** Create runs nothing (the script is only recorded): for steps that matter on updates only. */
    updateOnly?: boolean;
    /**
     * What `remove` removes, counted on the host (planning/claims.ts): a create that succeeds takes
     * a claim, a delete drops one and removes only when none is left. So `pulumi up --replace`
     * (create, then delete of the old resource) keeps what the replacement has just deployed.
     */
    claim?: HostClaim;
}

/**
 * One idempotent root script on one host. Nothing runs while its text is unchanged; a change runs
 * it again, so a script that restarts a service restarts it exactly when its inputs changed.
 */
export function hostCommand(name: string, host: Host, args: HostCommandArgs, opts: pulumi.CustomResourceOptions): command.remote.Command {
    return new command.remote.Command(
        name,
        {
            connection: host.connection,
            ...hostCommandLines(name, host.user, args),
            stdin: args.secret ? pulumi.secret(args.script) : args.script,
            addPreviousOutputInEnv: false,
            logging: args.secret ? "none" : undefined,
        },
        {
            ...opts,
            dependsOn: [host.ready, ...toArray(opts.dependsOn)],
            deletedWith: host.machine,
            additionalSecretOutputs: args.secret ? ["stdout", "stderr"] : undefined,
            customTimeouts: { create: "30m", update: "30m", delete: "10m" },
        },
    );
}

function toArray(d: pulumi.CustomResourceOptions["dependsOn"]): pulumi.Input<pulumi.Resource>[] {
    if (d === undefined) return [];
    return Array.isArray(d) ? d : [d as pulumi.Input<pulumi.Resource>];
}

/**
 * The create, update and delete command lines of a host command run as `user`: pure, so tests run
 * them in a shell. Deleting before creating would need no claims, but `up --replace` would then
 * stop the instance (and with purgeDataOnDestroy delete its store) before anything replaces it.
 */
export function hostCommandLines(
    name: string,
    user: string,
    args: Omit<HostCommandArgs, "script" | "secret">,
): { create: string; update?: string; delete?: string } {
    const claim = args.claim;
    if (claim && (args.updateOnly || args.remove === undefined)) throw new Error(`${name}: a claim needs a create that runs and a remove`);
    return {
        create: args.updateOnly ? "cat >/dev/null" : claim ? asRootInline(user, claimedCreateScript(claim)) : asRoot(user),
        // With a claim, an update must not run the create: that would take a second claim.
        update: claim
            ? asRootInline(user, claimedUpdateScript(claim), args.updateArgs)
            : args.updateArgs !== undefined
              ? asRoot(user, `bash -s -- ${args.updateArgs}`)
              : args.updateOnly
                ? asRoot(user)
                : undefined,
        delete:
            args.remove === undefined
                ? undefined
                : inlineScript(user, claim && !claim.serviceRemove ? claimedRemoveScript(claim, args.remove) : args.remove),
    };
}
