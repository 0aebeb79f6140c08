// What a RocketMQ version changes lives in config/versions.ts; these tests hold the rendered output
// to that table, and the table to the broker's own key lists.
import * as fs from "fs";
import * as path from "path";
import { brokerKeys, brokerKeysFile } from "../../config/brokerKeys";
import { ConfigError } from "../../config/errors";
import { RocketMqVersion, SUPPORTED_VERSIONS } from "../../config/schema";
import { RawConfig, validateConfig } from "../../config/validate";
import { JAVA_LANG_OPENS, JDK17_ACCESS, VERSIONS, versionFacts } from "../../config/versions";
import { dashboardDeployScript } from "../../planning/dashboard";
import { instanceFiles, renderLauncher } from "./render";
import { allInstances, findInstance } from "../../planning/topology";
import { existingRaw } from "./fixtures";
import { contextOf } from "./scripts";

const root = path.join(__dirname, "..", "..");
const launcher = (version: RocketMqVersion, id: string) => {
    const ctx = contextOf(existingRaw({ version, topology: "dledger" }));
    return renderLauncher(ctx, findInstance(ctx.plan, id)!);
};

describe("the version table", () => {
    test("SUPPORTED_VERSIONS is exactly its keys, each with a key list", () => {
        expect([...SUPPORTED_VERSIONS]).toEqual(Object.keys(VERSIONS));
        for (const v of SUPPORTED_VERSIONS) expect(fs.existsSync(brokerKeysFile(v))).toBe(true);
    });
    test.each(SUPPORTED_VERSIONS)("%s: dist name, and the ACL fact agrees with the broker's key list", (v) => {
        const f = versionFacts(v);
        expect(f.distName).toBe(`rocketmq-all-${v}-bin-release`);
        const keys = brokerKeys(v);
        if (f.acl === "acl2") {
            expect(keys.has("authenticationEnabled") && keys.has("authorizationEnabled") && keys.has("initAuthenticationUser")).toBe(true);
            // 5.x BrokerConfig still has setAclEnable, but plain_acl.yml is gone since 5.3.3 (RIP-77).
        } else {
            expect(keys.has("aclEnable")).toBe(true);
            expect(keys.has("authenticationEnabled")).toBe(false);
        }
    });
    test("5.4+ (5.5.0) needs java.lang opened on JDK 17 besides the flags every version needs", () => {
        expect(VERSIONS["5.5.0"].jdkAccess).toEqual([...JDK17_ACCESS, JAVA_LANG_OPENS]);
        expect(VERSIONS["5.3.3"].jdkAccess).toEqual(JDK17_ACCESS);
        expect(VERSIONS["4.9.7"].jdkAccess).toEqual(JDK17_ACCESS);
    });
    test("planning/ and templates/ never branch on the version string", () => {
        const files = ["planning", "templates"].flatMap((d) =>
            fs.readdirSync(path.join(root, d), { recursive: true, encoding: "utf8" }).map((f) => path.join(root, d, f)),
        );
        for (const f of files.filter((x) => fs.statSync(x).isFile() && !x.endsWith(".java"))) {
            const text = fs.readFileSync(f, "utf8");
            expect([f, text.match(/version\s*[!=]==|startsWith\("[45]\.|is4x|version\.split|"[45]\.\d+\.\d+"/g)]).toEqual([f, null]);
        }
    });
});

describe("the table drives the JVM flags of every name server and broker", () => {
    test.each(SUPPORTED_VERSIONS.flatMap((v) => ["namesrv-worker1", "n0"].map((id) => [v, id] as const)))("%s %s", (v, id) => {
        const text = launcher(v, id);
        for (const flag of versionFacts(v).jdkAccess) expect(text).toContain(`  ${flag} \\\n`);
        expect(text.includes(JAVA_LANG_OPENS)).toBe(versionFacts(v).jdkAccess.includes(JAVA_LANG_OPENS));
    });
    test("5.5.0 launchers open java.lang (the 5.4+ controller/DLedger flag); 5.3.3's do not", () => {
        for (const id of ["namesrv-worker2", "n1"]) {
            expect(launcher("5.5.0", id)).toContain("--add-opens=java.base/java.lang=ALL-UNNAMED");
            expect(launcher("5.3.3", id)).not.toContain("java.lang=");
        }
    });
    test("the dashboard's JVM gets none of them", () => {
        const s = dashboardDeployScript(contextOf(existingRaw({ version: "5.5.0" })), "pw");
        expect(s).not.toContain("--add-opens");
        expect(s).not.toContain("--add-exports");
    });
});

describe("the logging fact", () => {
    test.each(SUPPORTED_VERSIONS)("%s: logback file where the version reads it", (v) => {
        const ctx = contextOf(existingRaw({ version: v }));
        const names = allInstances(ctx.plan).flatMap((i) => instanceFiles(ctx, i).map((f) => f.name));
        const conf = versionFacts(v).logging === "rocketmqHome-conf";
        expect(names.includes("conf/logback_broker.xml")).toBe(conf);
        expect(names.includes("rmq.broker.logback.xml")).toBe(!conf);
    });
});

describe("5.5.0 keys", () => {
    const problems = (raw: RawConfig): string[] => {
        try {
            validateConfig(raw);
            return [];
        } catch (e) {
            if (e instanceof ConfigError) return e.problems.map((p) => `${p.key}: ${p.allowed}`);
            throw e;
        }
    };
    const props = (version: RocketMqVersion, over: object) => existingRaw({ version, brokerProperties: JSON.stringify(over) });
    test("keys new in 5.5.0 are accepted there and refused by 5.3.3", () => {
        expect(problems(props("5.5.0", { enableAcceleratedRecovery: "true", popReviveConcurrency: "4" }))).toEqual([]);
        expect(problems(props("5.3.3", { enableAcceleratedRecovery: "true" }))).toEqual([
            expect.stringMatching(/^brokerProperties\.enableAcceleratedRecovery: a broker property RocketMQ 5\.3\.3 reads/),
        ]);
    });
    test("the combine-consume-queue store names are checked", () => {
        expect(
            problems(props("5.5.0", { combineCQPreferCQType: "defaultRocksDB", combineCQLoadingCQTypes: "default;defaultRocksDB" })),
        ).toEqual([]);
        expect(problems(props("5.5.0", { combineCQPreferCQType: "rocksdb" }))).toEqual([
            "brokerProperties.combineCQPreferCQType: one of default, defaultRocksDB (RocketMQ ignores any other value silently)",
        ]);
    });
});
