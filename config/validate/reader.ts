// Reads raw stack config values (strings and JSON, as Pulumi hands them over) while collecting a
// problem for every value that is not what its key allows, so all of them are reported at once.
import { ConfigProblem } from "../errors";
import { parseSizeMiB } from "../sizes";
import { Rule } from "./rules";

export type RawConfig = Record<string, unknown>;

export class Collector {
    readonly problems: ConfigProblem[] = [];
    add(key: string, value: unknown, allowed: string): void {
        this.problems.push({ key, value, allowed });
    }
    /** KEY = VALUE against a rule of config/validate/rules.ts (shown as `raw` when given: the text as set). */
    rule<T>(key: string, value: T, rule: Rule<T>, raw: unknown = value): void {
        if (!rule.ok(value)) this.add(key, raw, rule.allowed);
    }
}

export class Reader {
    constructor(
        readonly raw: RawConfig,
        readonly c: Collector,
    ) {}

    /** The text of a scalar key; `def` when unset or empty (Pulumi passes a declared default of "" as ""). */
    str(key: string, def: string): string {
        const v = this.raw[key];
        if (v === undefined || v === null || v === "") return def;
        if (typeof v === "string") return v;
        if (typeof v === "number" || typeof v === "boolean") return String(v);
        this.c.add(key, v, "a string");
        return def;
    }

    optStr(key: string): string | undefined {
        const v = this.str(key, "");
        return v === "" ? undefined : v;
    }

    oneOf<T extends string>(key: string, allowed: readonly T[], def: T): T {
        const v = this.str(key, def);
        if ((allowed as readonly string[]).includes(v)) return v as T;
        this.c.add(key, v, `one of ${allowed.join(", ")}`);
        return def;
    }

    int(key: string, def: number, min: number, max: number): number {
        const v = this.raw[key];
        if (v === undefined || v === null || v === "") return def;
        const n = typeof v === "number" ? v : /^-?[0-9]+$/.test(String(v)) ? Number(v) : NaN;
        if (!Number.isInteger(n) || n < min || n > max) {
            this.c.add(key, v, `a whole number from ${min} to ${max}`);
            return def;
        }
        return n;
    }

    bool(key: string, def: boolean): boolean {
        const v = this.raw[key];
        if (v === undefined || v === null || v === "" || v === "auto") return def;
        if (v === true || v === "true") return true;
        if (v === false || v === "false") return false;
        this.c.add(key, v, "true, false or auto");
        return def;
    }

    json(key: string): unknown {
        const v = this.raw[key];
        if (typeof v !== "string") return v;
        try {
            return JSON.parse(v);
        } catch {
            this.c.add(key, v, "valid JSON (set it with `pulumi config set --path` or as YAML in the stack file)");
            return undefined;
        }
    }

    /** A map of names to scalars, as strings. */
    stringMap(key: string, v: unknown): Record<string, string> {
        if (v === undefined || v === null) return {};
        if (typeof v !== "object" || Array.isArray(v)) {
            this.c.add(key, v, "a map of names to values");
            return {};
        }
        const out: Record<string, string> = {};
        for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
            if (typeof val === "string" || typeof val === "number" || typeof val === "boolean") {
                out[k] = String(val);
            } else {
                this.c.add(`${key}.${k}`, val, "a string, number or boolean");
            }
        }
        return out;
    }

    /** A JVM heap size; the text itself never reaches a script (only its MiB do), but it must be exact. */
    heap(key: string, text: string): string {
        const mib = parseSizeMiB(text);
        if (mib === undefined || mib < 64) {
            this.c.add(key, text, "a JVM size such as 512m or 2g (at least 64m)");
            return "512m";
        }
        return text;
    }
}

export function checkUnique(c: Collector, key: string, values: string[]): void {
    const seen = new Set<string>();
    for (const v of values) {
        if (seen.has(v)) c.add(key, v, "unique values: this one appears more than once");
        seen.add(v);
    }
}
