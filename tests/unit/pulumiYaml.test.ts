import * as fs from "fs";
import * as path from "path";
import { CONFIG_KEYS } from "../../config/load";
import { ConfigError } from "../../config/errors";
import { DEFAULT_VERSION, SUPPORTED_VERSIONS } from "../../config/schema";
import { RawConfig, validateConfig } from "../../config/validate";
import { awsRaw, existingRaw } from "./fixtures";

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

describe("Pulumi.yaml defaults are the defaults validation applies", () => {
    // The engine hands the program a declared default whenever the stack does not set the key;
    // validation applies its own when a key is absent (unit tests, other front ends). They must agree:
    // for every key, "absent" and "set to Pulumi.yaml's default, as the engine passes it" validate to
    // the same configuration (or, for a key the config cannot do without, the same problems).
    const text = fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8");
    const defaults = text
        .split(/\n {2}rocketmq:/)
        .slice(1)
        .flatMap((b) => {
            const m = /\n {4}default: (.*)/.exec(b);
            if (!m) return [];
            // As the engine passes them: scalars as their text, lists and maps as JSON.
            const v = m[1].trim();
            return [[b.split(":")[0], v === '""' ? "" : v] as const];
        });
    /** The validated config (or the problems) as path -> value, to name what differs. */
    const outcome = (raw: RawConfig): Map<string, string> => {
        const flat = new Map<string, string>();
        const walk = (v: unknown, at: string): unknown =>
            v !== null && typeof v === "object"
                ? Object.entries(v).forEach(([k, x]) => walk(x, `${at}.${k}`))
                : flat.set(at, JSON.stringify(v));
        try {
            walk(validateConfig(raw), "cfg");
        } catch (e) {
            if (!(e instanceof ConfigError)) throw e;
            walk(e.problems, "problems");
        }
        return flat;
    };
    test("every declared key but the secret has a default to compare", () => {
        expect(defaults.map(([k]) => k).sort()).toEqual([...CONFIG_KEYS].sort());
    });
    test.each([
        ["existing", existingRaw()],
        ["aws", awsRaw()],
        ["prod", awsRaw({ environment: "prod" })],
    ])("%s", (_, base) => {
        const differ: string[] = [];
        for (const [key, def] of defaults) {
            const absent = Object.fromEntries(Object.entries(base).filter(([k]) => k !== key));
            const a = outcome(absent);
            const d = outcome({ ...absent, [key]: def });
            for (const p of new Set([...a.keys(), ...d.keys()]))
                if (a.get(p) !== d.get(p))
                    differ.push(`${key}: ${p} is ${d.get(p)} with Pulumi.yaml's default ${JSON.stringify(def)}, ${a.get(p)} without`);
        }
        expect(differ).toEqual([]);
    });
});

describe("the example stack files deploy as written", () => {
    // js-yaml comes with the test toolchain (jest's coverage); the stack files are plain YAML.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const yaml = require("js-yaml") as { load(text: string): unknown };
    const raw = (file: string): RawConfig => {
        const doc = yaml.load(fs.readFileSync(path.join(root, file), "utf8")) as { config: Record<string, unknown> };
        const out: RawConfig = {};
        for (const [k, v] of Object.entries(doc.config)) out[k.replace("rocketmq:", "")] = typeof v === "string" ? v : JSON.stringify(v);
        return out;
    };
    test("Pulumi.prod.yaml: valid with the secrets and sshPublicKey it asks for; prod authenticates", () => {
        const cfg = validateConfig({
            ...raw("Pulumi.prod.yaml"),
            sshPublicKey: PUBLIC_KEY_FOR_PROD,
            sha512: "a".repeat(128),
            dashboardUrl: "http://192.0.2.1/d.jar",
            dashboardSha512: "a".repeat(128),
        });
        expect(cfg.auth.enabled).toBe(true);
        expect(cfg.aws?.clientAddress).toBe("private");
    });
    test("aws: SSH allowed only from private ranges cannot reach the public addresses SSH dials: refused", () => {
        const prod: RawConfig = {
            ...raw("Pulumi.prod.yaml"),
            sshPublicKey: PUBLIC_KEY_FOR_PROD,
            sha512: "a".repeat(128),
            dashboardUrl: "http://192.0.2.1/d.jar",
            dashboardSha512: "a".repeat(128),
        };
        delete prod.sshAllowedCidrs;
        expect(() => validateConfig(prod)).toThrow(
            /rocketmq:allowedCidrs = \["10.0.0.0\/8"\]: SSH from the deployer .*sshAllowedCidrs is not set/,
        );
        expect(() => validateConfig({ ...prod, sshAllowedCidrs: JSON.stringify(["192.168.0.0/24"]) })).toThrow(
            /rocketmq:sshAllowedCidrs = /,
        );
    });
});

const PUBLIC_KEY_FOR_PROD = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGxS0mQq0vQbq8V3yB1Qh9b0n2l7mXz1c9wqf2j3J4k5 deployer";
