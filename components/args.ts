// Argument checks for the components: before a component creates any child, every problem with
// its args is reported at once, naming the component, the property, the value and what is allowed
// (the stack's own config is checked earlier, in config/, against `rocketmq:` keys).
import { RunError } from "@pulumi/pulumi/errors";
import { parseSizeMiB } from "../config/sizes";
import { SUPPORTED_VERSIONS } from "../config/schema";
import { ADDRESS_ALLOWED, validAddress } from "../config/validate/patterns";
import { BROKER_PORT, HOST_NAME, Rule } from "../config/validate/rules";

export interface ArgProblem {
    property: string;
    value: unknown;
    allowed: string;
}

export class ComponentArgsError extends RunError {
    constructor(
        readonly component: string,
        readonly problems: ArgProblem[],
    ) {
        super(
            `invalid arguments to ${component} (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems
                    .map((p) => `  - args.${p.property} = ${p.value === undefined ? "(not set)" : JSON.stringify(p.value)}: ${p.allowed}`)
                    .join("\n"),
        );
        this.name = "ComponentArgsError";
    }
}

/**
 * Checks values that are only known at deploy time (Outputs): run inside the apply that renders
 * them, so a bad one fails the deployment before it reaches a host script.
 */
export function checkResolved(component: string, fn: (c: ArgChecks) => void): void {
    const c = new ArgChecks(component);
    fn(c);
    c.done();
}

/** Collects problems; `done()` throws them all. */
export class ArgChecks {
    readonly problems: ArgProblem[] = [];

    constructor(private readonly component: string) {}

    check(ok: boolean, property: string, value: unknown, allowed: string): void {
        if (!ok) this.problems.push({ property, value, allowed });
    }

    /** A heap like 512m or 2g; returns MiB (undefined when not set). */
    heap(property: string, value: string | undefined): number | undefined {
        if (value === undefined) return undefined;
        const mib = parseSizeMiB(value);
        this.check(mib !== undefined && mib >= 64, property, value, "a size of at least 64m, like 512m or 2g");
        return mib;
    }

    /** PROPERTY = VALUE against a rule of config/validate/rules.ts (the stack's config uses the same). */
    rule<T>(property: string, value: T, rule: Rule<T>): void {
        this.check(rule.ok(value), property, value, rule.allowed);
    }

    /** A broker's listenPort. */
    port(property: string, value: number | undefined): void {
        if (value !== undefined) this.rule(property, value, BROKER_PORT);
    }

    version(property: string, value: string | undefined): void {
        if (value === undefined) return;
        this.check((SUPPORTED_VERSIONS as readonly string[]).includes(value), property, value, `one of ${SUPPORTED_VERSIONS.join(", ")}`);
    }

    /** A name that becomes part of paths, unit names and host scripts (ids, host names). */
    name(property: string, value: string): void {
        this.rule(property, value, HOST_NAME);
    }

    /** `host:port` as brokers and tools dial a name server. */
    nameServer(property: string, value: string): void {
        const m = /^(.+):([0-9]{1,5})$/.exec(value);
        this.check(
            m !== null && validAddress(m[1]) && Number(m[2]) >= 1 && Number(m[2]) <= 65535,
            property,
            value,
            `host:port, the host ${ADDRESS_ALLOWED}`,
        );
    }

    done(): void {
        if (this.problems.length > 0) throw new ComponentArgsError(this.component, this.problems);
    }
}
