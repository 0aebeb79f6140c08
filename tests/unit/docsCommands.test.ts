// The docs' `pulumi config set rocketmq:...` commands run as written: every key they (or any text of
// the docs) name is a key of the table (config/keys.ts), and each value given literally passes the
// stack's validation, so a renamed key or a tightened rule cannot leave a stale command behind.
import * as fs from "fs";
import * as path from "path";
import { ALL_KEYS, KEYS, KeySpec } from "../../config/keys";
import { validateConfig } from "../../config/validate";
import { awsRaw, existingRaw } from "./fixtures";

const root = path.join(__dirname, "..", "..");
const docs = ["README.md", ...fs.readdirSync(path.join(root, "docs")).map((f) => path.join("docs", f))].filter((f) => f.endsWith(".md"));
const text = (f: string) => fs.readFileSync(path.join(root, f), "utf8");

describe("the docs' commands", () => {
    test("every rocketmq: key the docs name is in the key table", () => {
        const known = new Set<string>(ALL_KEYS);
        const unknown = docs.flatMap((f) =>
            [...text(f).matchAll(/rocketmq:([a-z][A-Za-z0-9]*)/g)]
                .map((m) => m[1])
                .filter((k) => k !== "KEY" && !known.has(k) && !["index"].includes(k))
                .map((k) => `${f}: rocketmq:${k}`),
        );
        expect(unknown).toEqual([]);
    });

    test("every literal `pulumi config set rocketmq:KEY VALUE` passes validation", () => {
        const commands = docs.flatMap((f) =>
            [...text(f).matchAll(/pulumi config set rocketmq:([A-Za-z0-9]+) ([^\s`;&#]+)/g)].map((m) => ({
                file: f,
                key: m[1],
                value: m[2],
            })),
        );
        expect(commands.length).toBeGreaterThan(5);
        const literal = commands.filter((c) => c.key !== "KEY" && !/[<>$"'.]{3}|\.\.\.|^["'<$]/.test(c.value));
        expect(literal.length).toBeGreaterThan(3);
        for (const c of literal) {
            const spec: KeySpec = KEYS[c.key as keyof typeof KEYS];
            const base = spec.mode === "aws" ? awsRaw() : existingRaw();
            let problem = "";
            try {
                validateConfig({ ...base, [c.key]: c.value });
            } catch (e) {
                problem = (e as Error).message;
            }
            expect([`${c.file}: pulumi config set rocketmq:${c.key} ${c.value}`, problem]).toEqual([
                `${c.file}: pulumi config set rocketmq:${c.key} ${c.value}`,
                "",
            ]);
        }
    });
});
