// Config problems, reported the way Pulumi reports its own config errors: a RunError, which the
// nodejs language host prints as its message alone (no "unhandled exception", no stack trace).
import { RunError } from "@pulumi/pulumi/errors";

/** One problem in the stack configuration: which key, what value, what would be accepted. */
export interface ConfigProblem {
    key: string;
    value: unknown;
    allowed: string;
}

export function formatProblem(p: ConfigProblem): string {
    const shown = p.value === undefined ? "(not set)" : JSON.stringify(p.value);
    return `rocketmq:${p.key} = ${shown}: ${p.allowed}`;
}

/** Thrown before any resource is created; lists every problem found, not just the first. */
export class ConfigError extends RunError {
    constructor(readonly problems: ConfigProblem[]) {
        super(
            `invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${formatProblem(p)}`).join("\n") +
                "\nset values with `pulumi config set rocketmq:KEY VALUE` (`--path` for nested keys) or in Pulumi.STACK.yaml",
        );
        this.name = "ConfigError";
    }
}
