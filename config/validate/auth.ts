// rocketmq:authEnabled and rocketmq:authUsers: authentication and authorization (ACL 2.0) on every
// broker. Only RocketMQ 5.3.3+ has ACL 2.0; 4.9.x has ACL 1.0 (aclEnable + plain_acl.yml), which
// this stack does not manage, so the switch is refused there at preview.
import {
    AUTH_ADMIN_USER,
    AUTH_INNER_USER,
    AuthSettings,
    AuthUser,
    Environment,
    RocketMqVersion,
    TOPIC_PERMISSIONS,
    TopicPermission,
} from "../schema";
import { versionFacts } from "../versions";
import { Reader } from "./reader";

/** A user name: it reaches the brokers and a host script, so nothing a shell would read. */
export const AUTH_USER_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
/** Topic and group names (RocketMQ allows also % and |, which are kept out of scripts here). */
export const AUTH_RESOURCE_NAME = /^[A-Za-z0-9_-]{1,127}$/;
const NAME_ALLOWED = "a user name: a letter, then letters, digits, _ and - (at most 64)";
const RESOURCE_ALLOWED = "a topic or group name: letters, digits, _ and - (1-127)";

export function authSettings(r: Reader, version: RocketMqVersion, environment: Environment): AuthSettings {
    const acl2 = versionFacts(version).acl === "acl2";
    const given = r.raw.authEnabled;
    const unset = given === undefined || given === null || given === "" || given === "auto";
    // Production is authenticated unless the stack says otherwise: on a version without ACL 2.0
    // that must be said explicitly, not fall back silently to an open cluster.
    if (unset && environment === "prod" && !acl2)
        r.c.add(
            "authEnabled",
            given ?? "auto",
            `false, set explicitly: environment prod turns authentication on by default, and RocketMQ ${version} has no ACL 2.0 ` +
                "(use 5.3.3 or later, or run this prod cluster without authentication on purpose)",
        );
    const enabled = r.bool("authEnabled", environment === "prod" && acl2);
    if (enabled && !acl2)
        r.c.add(
            "authEnabled",
            true,
            `false on RocketMQ ${version}: authentication and authorization (ACL 2.0) need version 5.3.3 or 5.5.0; ` +
                `${version} has only ACL 1.0 (aclEnable, plain_acl.yml), which this stack does not support`,
        );
    const raw = r.json("authUsers");
    const users: AuthUser[] = [];
    if (raw === undefined || raw === null) return { enabled, users };
    if (typeof raw !== "object" || Array.isArray(raw)) {
        r.c.add("authUsers", raw, 'a map of user name to {topics: {TOPIC: "PUB" | "SUB" | "PUB|SUB"}, groups: [GROUP, ...]}');
        return { enabled, users };
    }
    if (!enabled && Object.keys(raw).length > 0)
        r.c.add("authUsers", raw, "empty unless rocketmq:authEnabled is true (users exist only with authentication on)");
    for (const [name, spec] of Object.entries(raw as Record<string, unknown>)) {
        const at = `authUsers.${name}`;
        if (!AUTH_USER_NAME.test(name)) {
            r.c.add(at, spec, `${NAME_ALLOWED}; the user name is the key`);
            continue;
        }
        if (name === AUTH_ADMIN_USER || name === AUTH_INNER_USER) {
            r.c.add(at, spec, `another name: ${name} is the stack's own super user`);
            continue;
        }
        if (spec === null || typeof spec !== "object" || Array.isArray(spec)) {
            r.c.add(at, spec, '{topics: {TOPIC: "PUB" | "SUB" | "PUB|SUB"}, groups: [GROUP, ...]}');
            continue;
        }
        const o = spec as Record<string, unknown>;
        const user: AuthUser = { name, topics: {}, groups: [] };
        for (const extra of Object.keys(o).filter((k) => k !== "topics" && k !== "groups"))
            r.c.add(`${at}.${extra}`, o[extra], "only topics and groups (the password is generated)");
        if (o.topics !== undefined) {
            if (o.topics === null || typeof o.topics !== "object" || Array.isArray(o.topics))
                r.c.add(`${at}.topics`, o.topics, 'a map of topic name to "PUB", "SUB" or "PUB|SUB"');
            else
                for (const [topic, perm] of Object.entries(o.topics as Record<string, unknown>)) {
                    if (!AUTH_RESOURCE_NAME.test(topic))
                        r.c.add(`${at}.topics.${topic}`, perm, `${RESOURCE_ALLOWED}; the topic is the key`);
                    else if (typeof perm !== "string" || !(TOPIC_PERMISSIONS as readonly string[]).includes(perm))
                        r.c.add(`${at}.topics.${topic}`, perm, TOPIC_PERMISSIONS.join(", "));
                    else user.topics[topic] = perm as TopicPermission;
                }
        }
        if (o.groups !== undefined) {
            if (!Array.isArray(o.groups)) r.c.add(`${at}.groups`, o.groups, "a list of consumer group names");
            else
                o.groups.forEach((g, i) => {
                    if (typeof g !== "string" || !AUTH_RESOURCE_NAME.test(g)) r.c.add(`${at}.groups[${i}]`, g, RESOURCE_ALLOWED);
                    else if (!user.groups.includes(g)) user.groups.push(g);
                });
        }
        users.push(user);
    }
    return { enabled, users };
}
