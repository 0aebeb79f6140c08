// Argument checks for the components: before a component creates any child, every problem with
// its args is reported at once, naming the component, the property, the value and what is allowed
// (the stack's own config is checked earlier, in config/, against `rocketmq:` keys).
import { RunError } from "@pulumi/pulumi/errors";
import { parseSizeMiB } from "../config/sizes";
import { SUPPORTED_VERSIONS } from "../config/schema";

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

    port(property: string, value: number | undefined): void {
        if (value === undefined) return;
        this.check(
            Number.isInteger(value) && value >= 1026 && value <= 65534,
            property,
            value,
            "a TCP port from 1026 to 65534 (a broker also binds port-2 and port+1)",
        );
    }

    version(property: string, value: string | undefined): void {
        if (value === undefined) return;
        this.check((SUPPORTED_VERSIONS as readonly string[]).includes(value), property, value, `one of ${SUPPORTED_VERSIONS.join(", ")}`);
    }

    done(): void {
        if (this.problems.length > 0) throw new ComponentArgsError(this.component, this.problems);
    }
}
