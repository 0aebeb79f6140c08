import * as fs from "fs";
import * as path from "path";
import { CONFIG_KEYS } from "../../config/load";
import { DEFAULT_VERSION, SUPPORTED_VERSIONS } from "../../config/schema";

const root = path.join(__dirname, "..", "..");
const declared = (file: string) =>
    new Set([...fs.readFileSync(path.join(root, file), "utf8").matchAll(/^\s{2}(rocketmq:[A-Za-z0-9]+):/gm)].map((m) => m[1]));

describe("Pulumi.yaml config schema", () => {
    const schema = declared("Pulumi.yaml");
    test("declares every key the program reads, with a description", () => {
        for (const key of [...CONFIG_KEYS, "sshPrivateKey"]) expect(schema).toContain(`rocketmq:${key}`);
        const text = fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8");
        const blocks = text.split(/\n {2}rocketmq:/).slice(1);
        expect(blocks).toHaveLength(schema.size);
        for (const b of blocks) expect(b).toMatch(/description: /);
    });
    test("declares nothing the program ignores", () => {
        for (const key of schema) expect([...CONFIG_KEYS, "sshPrivateKey"]).toContain(key.replace("rocketmq:", ""));
    });
    test.each(["Pulumi.dev.yaml", "Pulumi.prod.yaml", "Pulumi.local.yaml"])("%s only sets declared keys", (file) => {
        for (const key of declared(file)) expect(schema).toContain(key);
    });
});

describe("Pulumi.yaml defaults", () => {
    // The engine treats a declared key without a default as required: only the secret key may be.
    test("every key but sshPrivateKey has a default and a type", () => {
        const text = fs.readFileSync(path.join(__dirname, "..", "..", "Pulumi.yaml"), "utf8");
        for (const block of text.split(/\n {2}rocketmq:/).slice(1)) {
            const name = block.split(":")[0];
            if (name === "sshPrivateKey") continue;
            expect(`${name}: ${/\n {4}default: /.test(block)}`).toBe(`${name}: true`);
            expect(`${name}: ${/\n {4}type: /.test(block)}`).toBe(`${name}: true`);
        }
    });
});

describe("Pulumi.yaml rocketmq:version", () => {
    // The engine cannot restrict values; the description is what users read, so it must name
    // exactly the versions validation accepts (config/schema.ts) and default to the default.
    const text = fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8");
    const block = text.split(/\n {2}rocketmq:/).find((b) => b.startsWith("version:")) ?? "";
    test("default and description follow SUPPORTED_VERSIONS", () => {
        expect(block).toMatch(new RegExp(`\\n {4}default: ${DEFAULT_VERSION.replace(/\./g, "\\.")}\\n`));
        const described = [...(block.match(/description: "([^"]*)"/)?.[1] ?? "").matchAll(/\d+\.\d+\.\d+/g)].map((m) => m[0]);
        expect(described.sort()).toEqual([...SUPPORTED_VERSIONS].sort());
    });
    test.each(["Pulumi.dev.yaml", "Pulumi.prod.yaml", "Pulumi.local.yaml"])("%s sets a supported version", (file) => {
        const v = fs.readFileSync(path.join(root, file), "utf8").match(/^\s+rocketmq:version: "?([^"\s]+)"?/m)?.[1];
        if (v !== undefined) expect(SUPPORTED_VERSIONS).toContain(v);
    });
});
