// The key table (config/keys.ts) is the one declaration of every rocketmq: key: Pulumi.yaml's config
// block and docs/configuration.md are generated from it and must be current; the loader reads
// exactly its keys; every key has a change policy, and a refused one says the way to do it.
import * as fs from "fs";
import * as path from "path";
import { CONFIG_KEYS } from "../../config/load";
import { ALL_KEYS, KEYS, KeySpec } from "../../config/keys";
import { configurationDoc, pulumiYamlConfigBlock } from "../../config/keysDocs";

const root = path.join(__dirname, "..", "..");
const write = process.env.RMQ_WRITE_GENERATED === "1";

/** Pulumi.yaml with its config block (the file's tail, from `config:`) replaced by the generated one. */
function generatedPulumiYaml(): string {
    const text = fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8");
    const at = text.indexOf("\nconfig:\n");
    if (at < 0) throw new Error("Pulumi.yaml has no config: block");
    return text.slice(0, at + 1) + pulumiYamlConfigBlock();
}

describe("files generated from the key table are current", () => {
    test.each([
        ["Pulumi.yaml", generatedPulumiYaml],
        ["docs/configuration.md", configurationDoc],
    ] as const)("%s", (file, gen) => {
        const want = gen();
        const at = path.join(root, file);
        if (write) fs.writeFileSync(at, want);
        const have = fs.existsSync(at) ? fs.readFileSync(at, "utf8") : "";
        // On failure: RMQ_WRITE_GENERATED=1 npx jest tests/unit/keys.test.ts
        expect(have).toBe(want);
    });
});

describe("the key table", () => {
    test("the loader reads every key but the secret one, which Pulumi reads as a secret", () => {
        expect([...CONFIG_KEYS, "sshPrivateKey"].sort()).toEqual([...ALL_KEYS].sort());
    });
    test.each(ALL_KEYS)("%s: documented, with a change policy; refused keys say the way to do it", (key) => {
        const k: KeySpec = KEYS[key];
        expect(k.description.length).toBeGreaterThan(10);
        expect(["rolling", "in-place", "refused", "procedure"]).toContain(k.change);
        if (k.change === "refused") expect((k.refused ?? "").length).toBeGreaterThan(40);
        else expect((k.effect ?? "").length).toBeGreaterThan(20);
        if (!k.secret) expect(k.default).toBeDefined();
    });
});
