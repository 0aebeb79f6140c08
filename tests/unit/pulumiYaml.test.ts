import * as fs from "fs";
import * as path from "path";
import { CONFIG_KEYS } from "../../config/load";

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
