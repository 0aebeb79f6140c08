import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { AuthUser, ClusterConfig } from "../config/schema";
import { AuthSecrets, hostAuthRemoveCommand, hostAuthScript, userApplyScript, userDeleteCommand } from "../planning/auth";
import { RenderContext } from "../planning/context";
import { hostCommand } from "./hostCommand";
import { Host } from "./hosts/host";

/** No special characters: the passwords land in JSON, YAML and properties lines. */
const PASSWORD = { length: 32, special: false };

export interface AuthCredentialsArgs {
    cfg: ClusterConfig;
    hosts: Host[];
    ctx: pulumi.Output<RenderContext>;
    /** The install on each host (the directories and the service user exist). */
    dependsOn: pulumi.Resource[];
}

/**
 * rocketmq:authEnabled: the administrator (used by the stack's tools and the dashboard) and the
 * brokers' inner user, both with generated passwords, and on every host the files that carry
 * them (the brokers' secret settings, the tools' root-only credentials). Created before any broker
 * starts; the brokers depend on it.
 */
export class AuthCredentials extends pulumi.ComponentResource {
    readonly adminPassword: pulumi.Output<string>;
    readonly secrets: pulumi.Output<AuthSecrets>;
    readonly hostFiles: command.remote.Command[];

    constructor(name: string, args: AuthCredentialsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rocketmq:index:AuthCredentials", name, {}, opts);
        const admin = new random.RandomPassword(`${name}-admin-password`, PASSWORD, { parent: this });
        const inner = new random.RandomPassword(`${name}-inner-password`, PASSWORD, { parent: this });
        this.adminPassword = pulumi.secret(admin.result);
        this.secrets = pulumi.secret(
            pulumi.all([admin.result, inner.result]).apply(([adminPassword, innerPassword]) => ({ adminPassword, innerPassword })),
        );
        this.hostFiles = args.hosts.map((host, i) =>
            hostCommand(
                `${name}-${host.name}-files`,
                host,
                {
                    script: pulumi.all([args.ctx, this.secrets]).apply(([ctx, s]) => hostAuthScript(ctx, i, s)),
                    remove: hostAuthRemoveCommand(args.cfg),
                    claim: { key: "auth-files" },
                    secret: true,
                },
                { parent: this, dependsOn: [args.dependsOn[i]] },
            ),
        );
        this.registerOutputs({ adminPassword: this.adminPassword });
    }
}

export interface AuthUsersArgs {
    users: AuthUser[];
    cfg: ClusterConfig;
    /** Where rmq-auth runs (worker1). */
    host: Host;
    ctx: pulumi.Output<RenderContext>;
    /** The cluster check: users are created once every broker is listed. */
    dependsOn: pulumi.Resource[];
}

/**
 * rocketmq:authUsers: one generated password and one command per user, so a preview names the
 * user that changes. The command creates or updates the user with exactly its permissions on
 * every broker (each broker keeps its own users), and deletes it when the user leaves the config.
 */
export class AuthUsers extends pulumi.ComponentResource {
    readonly passwords: pulumi.Output<Record<string, string>>;
    readonly commands: command.remote.Command[];

    constructor(name: string, args: AuthUsersArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rocketmq:index:AuthUsers", name, {}, opts);
        const entries = args.users.map((user) => {
            const pw = new random.RandomPassword(`${name}-${user.name}-password`, PASSWORD, { parent: this });
            const cmd = hostCommand(
                `${name}-${user.name}`,
                args.host,
                {
                    script: pulumi.all([args.ctx, pw.result]).apply(([ctx, p]) => userApplyScript(ctx, user, p)),
                    remove: userDeleteCommand(args.cfg, user.name),
                    // A replacement (rename, --replace) must not delete the user it just wrote.
                    claim: { key: `auth-user-${user.name}` },
                    secret: true,
                },
                { parent: this, dependsOn: args.dependsOn },
            );
            return { user, pw, cmd };
        });
        this.commands = entries.map((e) => e.cmd);
        this.passwords = pulumi.secret(
            pulumi.all(entries.map((e) => e.pw.result)).apply((pws) => Object.fromEntries(entries.map((e, i) => [e.user.name, pws[i]]))),
        );
        this.registerOutputs({ passwords: this.passwords });
    }
}
