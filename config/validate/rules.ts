// Rules a value is held to, each with the words that say what it may be: one table for the stack's
// config (Collector.rule, config/validate/) and the components' args (ArgChecks.rule,
// components/args.ts), so a rule and its message are written once.
import { CLUSTER_NAME, NAME } from "./patterns";

export interface Rule<T> {
    ok(value: T): boolean;
    /** What is allowed, as the error says it after `KEY = VALUE: `. */
    allowed: string;
}

/** A host name or an instance id: part of paths, unit names and host scripts. */
export const HOST_NAME: Rule<string> = {
    ok: (v) => NAME.test(v),
    allowed: "lower-case letters, digits and - (1-63), starting with a letter",
};

/** clusterName, a broker group's name (brokerName, a DLedger group), a member id. */
export const GROUP_NAME: Rule<string> = { ok: (v) => CLUSTER_NAME.test(v), allowed: "letters, digits, - and _ (1-64)" };

/** An SSH port. */
export const TCP_PORT: Rule<number> = { ok: (v) => Number.isInteger(v) && v >= 1 && v <= 65535, allowed: "a TCP port 1-65535" };

/** A broker's listenPort: the broker also binds port-2 (its fast remoting port) and port+1 (HA). */
export const BROKER_PORT: Rule<number> = {
    ok: (v) => Number.isInteger(v) && v >= 1026 && v <= 65534,
    allowed: "a TCP port from 1026 to 65534 (a broker also binds port-2 and port+1)",
};
