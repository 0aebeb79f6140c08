// Renders what is generated from the key table (config/keys.ts): Pulumi.yaml's config block and the
// configuration reference, docs/configuration.md. tests/unit/keys.test.ts checks both files are
// current; `RMQ_WRITE_GENERATED=1 npx jest tests/unit/keys.test.ts` rewrites them.
import { ALL_KEYS, ChangePolicy, KEYS, KeySpec } from "./keys";

const yamlScalar = (v: string | number | boolean): string =>
    typeof v === "string" ? (v === "" || /^[\s"'{[\]}&*!|>%@`#,?:-]|: | #|\s$/.test(v) ? JSON.stringify(v) : v) : String(v);

const defaultText = (d: KeySpec["default"]): string =>
    Array.isArray(d) ? "[]" : typeof d === "object" ? "{}" : yamlScalar(d as string | number | boolean);

/** The `config:` block of Pulumi.yaml, one entry per key in the table's order. */
export function pulumiYamlConfigBlock(): string {
    const lines = ["config:"];
    for (const key of ALL_KEYS) {
        const k: KeySpec = KEYS[key];
        lines.push(`  rocketmq:${key}:`);
        if (k.secret) lines.push("    secret: true");
        else {
            lines.push(`    type: ${k.type}`);
            if (k.items) lines.push("    items:", `      type: ${k.items}`);
            lines.push(`    default: ${defaultText(k.default)}`);
        }
        lines.push(`    description: ${JSON.stringify(k.description)}`);
    }
    return `${lines.join("\n")}\n`;
}

const POLICY_TEXT: Record<ChangePolicy, string> = {
    rolling: "rolling: exactly the affected instances restart, one at a time, each gated on health and replication",
    "in-place": "in place: nothing restarts",
    refused: "refused on a running cluster: the preview fails naming the key, the deployed value and the new value",
    procedure: "a documented procedure",
};

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** docs/configuration.md: every key, its default, what it does and what changing it does. */
export function configurationDoc(): string {
    const out = [
        "# Configuration reference",
        "",
        "<!-- Generated from config/keys.ts by tests/unit/keys.test.ts (RMQ_WRITE_GENERATED=1): do not edit. -->",
        "",
        "Every key is set with `pulumi config set rocketmq:KEY VALUE` (`--path` for nested values) or in",
        "`Pulumi.STACK.yaml`. The last column says what changing the key does to a running cluster:",
        "",
        ...(Object.keys(POLICY_TEXT) as ChangePolicy[]).map((p) => `- **${p}**: ${POLICY_TEXT[p].replace(/^[^:]*: /, "")}`),
        "",
        "| key | type | default | what it is | on a running cluster |",
        "| --- | --- | --- | --- | --- |",
    ];
    for (const key of ALL_KEYS) {
        const k: KeySpec = KEYS[key];
        const type = k.secret ? "secret" : k.items ? `${k.type} of ${k.items}` : (k.type as string);
        const def = k.secret ? "(required)" : `\`${defaultText(k.default)}\``;
        const change = `**${k.change}**${k.effect ? `: ${k.effect}` : ""}${k.refused ? `${k.effect ? " Refused part" : ""}: ${k.refused}` : ""}`;
        out.push(`| \`${key}\`${k.mode ? ` (${k.mode})` : ""} | ${type} | ${cell(def)} | ${cell(k.description)} | ${cell(change)} |`);
    }
    return `${out.join("\n")}\n`;
}
