// docs/api.md covers every argument of every component with the default its JSDoc states, and
// shows examples/existing-hosts/index.ts as it is.
import * as fs from "fs";
import * as path from "path";
import { properties } from "./interfaces";

const root = path.join(__dirname, "..", "..");
const read = (file: string) => fs.readFileSync(path.join(root, file), "utf8");
// The component tables (from the first "## " heading on).
const api = read("docs/api.md");

/** Interface name -> source file: what docs/api.md documents, table by table. */
const INTERFACES: Record<string, string> = {
    ExistingHostsArgs: "components/hosts/existingHosts.ts",
    ExistingHost: "components/hosts/existingHosts.ts",
    AwsHostsArgs: "components/hosts/awsHosts.ts",
    Host: "components/hosts/host.ts",
    OsTuningArgs: "components/osTuning.ts",
    RocketMqInstallArgs: "components/rocketmqInstall.ts",
    NameServerNodeArgs: "components/nameServerNode.ts",
    BrokerGroupArgs: "components/brokerMembers.ts",
    BrokerMemberArgs: "components/brokerMembers.ts",
    BrokerPairArgs: "components/brokerPair.ts",
    DLedgerGroupArgs: "components/dledgerGroup.ts",
    RocketMqClusterArgs: "components/cluster.ts",
};

/** The table rows under the heading that names the interface in backticks. */
function rows(name: string): string[] {
    const sections = api.split("\n## ").filter((s) => s.split("\n")[0].includes(`\`${name}\``));
    expect(`${name}: ${sections.length} section(s)`).toBe(`${name}: 1 section(s)`);
    return sections[0].split("\n").filter((l) => l.startsWith("| `"));
}

describe("docs/api.md", () => {
    test.each(Object.keys(INTERFACES))("%s: every property has a row, with the JSDoc's default", (name) => {
        const table = rows(name);
        const prefix = name === "ExistingHost" ? "hosts[]." : "";
        const documented = properties(INTERFACES[name], name);
        expect(documented.length).toBeGreaterThan(0);
        for (const p of documented) {
            const row = table.find((r) => r.startsWith(`| \`${prefix}${p.name}\` |`));
            expect(`${name}.${p.name}: ${row === undefined ? "no row" : "row"}`).toBe(`${name}.${p.name}: row`);
            const d = /Default: `?([^\s`,;.]+(?:\.[^\s`,;.]+)*)/.exec(p.doc);
            if (d && row) expect(`${name}.${p.name}: ${row.split(" | ")[1]}`).toContain(d[1]);
        }
    });

    test("the tables name no argument the components do not have", () => {
        const known = new Set(
            Object.entries(INTERFACES).flatMap(([name, file]) =>
                properties(file, name).map((p) => `${name === "ExistingHost" ? "hosts[]." : ""}${p.name}`),
            ),
        );
        const named = [...api.slice(api.indexOf("\n## ")).matchAll(/^\| `([\w[\].]+)` \|/gm)].map((m) => m[1]);
        expect(named.filter((n) => !known.has(n))).toEqual([]);
    });

    test("shows examples/existing-hosts/index.ts as it is", () => {
        const example = read("examples/existing-hosts/index.ts").replace(/^(\/\/.*\n)+/, "");
        expect(api).toContain("```ts\n" + example + "```\n");
    });
});
