// The end-to-end scenarios are named once, in tests/e2e/scenarios.tsv (name, host set, time budget,
// what it proves): every name the scripts run or block is there, every one there is run, and
// docs/e2e.md, the index, is generated from it.
import * as fs from "fs";
import * as path from "path";

const root = path.join(__dirname, "..", "..");
const e2e = path.join(root, "tests", "e2e");

interface Scenario {
    name: string;
    set: string;
    budget: number;
    proves: string;
}

function scenarios(): Scenario[] {
    return fs
        .readFileSync(path.join(e2e, "scenarios.tsv"), "utf8")
        .split("\n")
        .filter((l) => l !== "" && !l.startsWith("#"))
        .map((l) => {
            const [name, set, budget, proves, ...rest] = l.split("\t");
            if (rest.length > 0 || proves === undefined) throw new Error(`scenarios.tsv: not 4 tab-separated fields: ${l}`);
            return { name, set, budget: Number(budget), proves };
        });
}

/** docs/e2e.md: the scenarios by host set, with their budgets. */
export function e2eIndex(list: Scenario[]): string {
    const out = [
        "# The end-to-end scenarios",
        "",
        "<!-- Generated from tests/e2e/scenarios.tsv; tests/unit/e2eIndex.test.ts checks it is current",
        "     (RMQ_WRITE_GENERATED=1 npx jest tests/unit/e2eIndex.test.ts rewrites it). -->",
        "",
        "Each scenario is one test of `bash tests/e2e/run.sh` ([development.md](development.md) says how",
        "to run them). They run by host set: a set boots fresh test machines and deploys once, and its",
        "scenarios run one after the other on that cluster. The budget is the most a scenario should take",
        "on the CI machine, warm; the run prints each scenario's time against it at the end and marks the",
        "ones over it. `{version}` is the run's RocketMQ version (`RMQ_E2E_VERSION`, default the stack's).",
        "",
        "| scenario | host set | budget | what it proves |",
        "| --- | --- | --- | --- |",
    ];
    for (const s of list) out.push(`| \`${s.name}\` | ${s.set} | ${s.budget} s | ${s.proves.replace(/\|/g, "\\|")} |`);
    const total = list.reduce((a, s) => a + s.budget, 0);
    out.push(
        "",
        `Budgets add up to ${Math.round(total / 60)} minutes (host boots and deploys of each set included in its first scenario).`,
    );
    return `${out.join("\n")}\n`;
}

const scripts = fs
    .readdirSync(e2e)
    .filter((f) => f.endsWith(".sh"))
    .map((f) => fs.readFileSync(path.join(e2e, f), "utf8"))
    .join("\n");

describe("tests/e2e/scenarios.tsv", () => {
    test("names are unique, descriptive (no letter codes), with a known host set and a budget", () => {
        const list = scenarios();
        const names = list.map((s) => s.name);
        expect(new Set(names).size).toBe(names.length);
        for (const s of list) {
            expect([s.name, /^[a-z0-9]+(-[a-z0-9]+)+$/.test(s.name)]).toEqual([s.name, true]);
            expect([s.name, s.budget > 0]).toEqual([s.name, true]);
        }
        const sets = /SETS=\(([^)]*)\)/.exec(fs.readFileSync(path.join(e2e, "run.sh"), "utf8"))![1];
        const known = [...sets.matchAll(/(\w+):set_\w+:\d+/g)].map((m) => m[1]);
        expect(list.filter((s) => !known.includes(s.set)).map((s) => s.name)).toEqual([]);
    });

    test("every scenario the scripts run or block is listed, and every listed one is run", () => {
        const listed = new Set(scenarios().map((s) => s.name));
        const run = [...scripts.matchAll(/^\s*run_test ([a-z0-9-]+) /gm)].map((m) => m[1]);
        const blocked = [
            ...[...scripts.matchAll(/blocked ([a-z0-9-]+) /g)].map((m) => m[1]),
            ...[...scripts.matchAll(/for t in ([a-z0-9 -]+); do blocked "\$t"/g)].flatMap((m) => m[1].split(" ")),
        ];
        expect(run.length).toBeGreaterThan(40);
        expect([...run, ...blocked].filter((n) => !listed.has(n))).toEqual([]);
        expect([...listed].filter((n) => !run.includes(n))).toEqual([]);
    });

    test("docs/e2e.md is generated from it and current", () => {
        const at = path.join(root, "docs", "e2e.md");
        const want = e2eIndex(scenarios());
        if (process.env.RMQ_WRITE_GENERATED === "1") fs.writeFileSync(at, want);
        // On failure: RMQ_WRITE_GENERATED=1 npx jest tests/unit/e2eIndex.test.ts
        expect(fs.existsSync(at) ? fs.readFileSync(at, "utf8") : "").toBe(want);
    });
});
