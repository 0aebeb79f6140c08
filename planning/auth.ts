// Authentication and authorization (ACL 2.0, RocketMQ 5.3.3+), rendered. Pure functions.
//
// What is where on a host (rocketmq:authEnabled):
// - each broker.properties: the switch and the providers (no secret: it is shown in diffs);
// - ROOT/auth/broker-auth.properties (root:SERVICE_USER 0640): initAuthenticationUser (the
//   administrator) and innerClientAuthenticationCredentials (broker to broker), which every broker's
//   launcher appends to its properties at start (the broker reads one file);
// - ROOT/auth/conf/tools.yml (root 0600): the administrator's accessKey/secretKey, which the
//   mqadmin wrapper (and through it the health checks and rolling restarts), rmq-smoke and rmq-auth
//   read; only root can, so an unprivileged user of the host runs the tools anonymously.
// Users of rocketmq:authUsers are created on every broker by `rmq-auth apply` (tools/java/RmqAuth.java): each
// broker keeps its own users and ACLs (STORE/config), nothing replicates them.
import { AUTH_ADMIN_USER, AUTH_INNER_USER, AuthUser, ClusterConfig } from "../config/schema";
import type { Installation } from "./installation";
import type { RenderContext } from "./context";
import { render } from "./templates";

export { AUTH_ADMIN_USER, AUTH_INNER_USER };

/** The generated passwords every host needs (secret outputs of @pulumi/random). */
export interface AuthSecrets {
    adminPassword: string;
    innerPassword: string;
}

export function authDir(cfg: Pick<Installation, "appRoot">): string {
    return `${cfg.appRoot}/rocketmq/auth`;
}

export function brokerAuthFile(cfg: Pick<Installation, "appRoot">): string {
    return `${authDir(cfg)}/broker-auth.properties`;
}

export function toolsCredentialsFile(cfg: Pick<Installation, "appRoot">): string {
    return `${authDir(cfg)}/conf/tools.yml`;
}

/** broker.properties lines: everything but the secrets. */
export const BROKER_AUTH_KEYS: readonly { key: string; value: string }[] = [
    { key: "authenticationEnabled", value: "true" },
    { key: "authenticationProvider", value: "org.apache.rocketmq.auth.authentication.provider.DefaultAuthenticationProvider" },
    {
        key: "authenticationMetadataProvider",
        value: "org.apache.rocketmq.auth.authentication.provider.LocalAuthenticationMetadataProvider",
    },
    { key: "authorizationEnabled", value: "true" },
    { key: "authorizationProvider", value: "org.apache.rocketmq.auth.authorization.provider.DefaultAuthorizationProvider" },
    {
        key: "authorizationMetadataProvider",
        value: "org.apache.rocketmq.auth.authorization.provider.LocalAuthorizationMetadataProvider",
    },
];

/** The secret broker settings: each broker creates both super users in its own store at start if absent. */
export function brokerAuthSecrets(s: AuthSecrets): string {
    return [
        `initAuthenticationUser=${JSON.stringify({ username: AUTH_ADMIN_USER, password: s.adminPassword })}`,
        `innerClientAuthenticationCredentials=${JSON.stringify({ accessKey: AUTH_INNER_USER, secretKey: s.innerPassword })}`,
    ].join("\n");
}

/** Per host: writes the broker secrets and the tools' credentials (root-only). Fed through stdin, secret. */
export function hostAuthScript(ctx: RenderContext, hostIndex: number, s: AuthSecrets): string {
    const { cfg } = ctx;
    return render("host/auth-files.sh.mustache", {
        hostName: ctx.hosts[hostIndex].name,
        authDir: authDir(cfg),
        serviceUser: cfg.serviceUser,
        brokerSecrets: brokerAuthSecrets(s),
        adminUser: AUTH_ADMIN_USER,
        adminPassword: s.adminPassword,
    });
}

/** Runs when authentication is turned off (or on destroy): the credentials leave the host. */
export function hostAuthRemoveCommand(cfg: ClusterConfig): string {
    return `rm -rf ${authDir(cfg)}`;
}

/** RocketMQ's names for a user's permissions: resource -> actions. */
export function userPermissions(user: AuthUser): { resource: string; actions: string }[] {
    const actions = (p: string) =>
        p
            .split("|")
            .map((a) => (a === "PUB" ? "Pub" : "Sub"))
            .join(",");
    return [
        ...Object.entries(user.topics).map(([topic, p]) => ({ resource: `Topic:${topic}`, actions: actions(p) })),
        ...user.groups.map((g) => ({ resource: `Group:${g}`, actions: "Sub" })),
    ];
}

/** Creates or updates one user with exactly its permissions on every broker. Secret: holds the password. */
export function userApplyScript(ctx: RenderContext, user: AuthUser, password: string): string {
    return render("host/auth-user.sh.mustache", {
        rocketmqRoot: `${ctx.cfg.appRoot}/rocketmq`,
        name: user.name,
        password,
        permissions: userPermissions(user),
    });
}

/** Removes the user from every broker; best effort (brokers already gone on destroy). */
export function userDeleteCommand(cfg: ClusterConfig, user: string): string {
    return (
        `${cfg.appRoot}/rocketmq/bin/rmq-auth delete ${user} || ` +
        `echo "rmq-auth: could not delete user ${user}; it stays in the brokers' stores" >&2`
    );
}
