// The GitHub workflows: unit tests before anything reaches a stack; destroy lifts the protection
// of hosts and data volumes on purpose (docs/aws.md: "Replacing hosts, and what destroy keeps").
import * as fs from "fs";
import * as path from "path";

const workflow = (file: string) => fs.readFileSync(path.join(__dirname, "..", "..", ".github", "workflows", file), "utf8");

/** The `run:` commands and `uses:` actions of the steps, in order. */
function steps(text: string): string[] {
    return [...text.matchAll(/^\s+- (run|uses): (.+)$/gm)].map((m) => `${m[1]}: ${m[2].trim()}`);
}

const position = (list: string[], pattern: RegExp) => list.findIndex((s) => pattern.test(s));

describe("GitHub workflows", () => {
    test.each([
        ["preview.yml", "preview"],
        ["up.yml", "up"],
    ])("%s installs without scripts and runs the unit tests before pulumi %s", (file, command) => {
        const text = workflow(file);
        const list = steps(text);
        const install = position(list, /^run: npm ci --ignore-scripts$/);
        const unit = position(list, /^run: .*\bnpm test\b/);
        const pulumi = position(list, /^uses: pulumi\/actions@/);
        expect(install).toBeGreaterThanOrEqual(0);
        expect(unit).toBeGreaterThan(install);
        expect(pulumi).toBeGreaterThan(unit);
        expect(text).toMatch(new RegExp(`\\n\\s+command: ${command}\\n`));
        expect(list.filter((s) => /^run: npm ci\b/.test(s))).toEqual(["run: npm ci --ignore-scripts"]);
    });

    test("destroy unprotects the stack's resources before destroying it", () => {
        const list = steps(workflow("destroy.yml"));
        const unprotect = position(list, /^run: pulumi state unprotect --all --yes --stack /);
        const destroy = list.lastIndexOf("uses: pulumi/actions@v6");
        expect(unprotect).toBeGreaterThan(0);
        expect(destroy).toBeGreaterThan(unprotect);
        expect(workflow("destroy.yml")).toMatch(/\n\s+command: destroy\n/);
    });
});
