// Safe defaults: production authenticates and keeps the clear-HTTP console off the network; brokers
// take messages of upstream's size; auto heaps leave room for direct memory and the page cache.
import { RawConfig, validateConfig } from "../../config/validate";
import { dashboardDeployScript } from "../../planning/dashboard";
import { planFirewall } from "../../planning/firewall";
import { BrokerPlan, allBrokers, planCluster } from "../../planning/topology";
import { existingRaw, parseProperties, pinnedHosts } from "./fixtures";
import { contextOf } from "./scripts";
import { renderBrokerProperties } from "./render";

const brokerA = (ctx: ReturnType<typeof contextOf>) => allBrokers(ctx.plan).find((b) => b.id === "broker-a") as BrokerPlan;
const prod = (over: RawConfig = {}) => existingRaw({ environment: "prod", hosts: pinnedHosts(), ...over });
const problems = (raw: RawConfig): string => {
    try {
        planCluster(validateConfig(raw));
        return "";
    } catch (e) {
        return (e as Error).message;
    }
};

describe("production defaults", () => {
    test("authentication is on for prod unless set false, off elsewhere unless set true", () => {
        expect(validateConfig(prod()).auth.enabled).toBe(true);
        expect(validateConfig(prod({ authEnabled: "false" })).auth.enabled).toBe(false);
        expect(validateConfig(existingRaw()).auth.enabled).toBe(false);
        expect(validateConfig(existingRaw({ authEnabled: "auto" })).auth.enabled).toBe(false);
        expect(validateConfig(existingRaw({ authEnabled: "true" })).auth.enabled).toBe(true);
    });
    test("prod on a version without ACL 2.0 must say authEnabled false explicitly", () => {
        expect(problems(prod({ version: "4.9.7" }))).toMatch(
            /rocketmq:authEnabled = .*false, set explicitly: environment prod turns authentication on/,
        );
        expect(problems(prod({ version: "4.9.7", authEnabled: "false" }))).toBe("");
    });
    test("the console listens on loopback in prod (port closed), on every address elsewhere", () => {
        const address = (raw: RawConfig) => /server\.address=(\S+)/.exec(dashboardDeployScript(contextOf(raw), "pw"))?.[1];
        const open = (raw: RawConfig) => {
            const cfg = validateConfig(raw);
            return planFirewall(cfg, planCluster(cfg)).clientPorts.includes(cfg.dashboard.port);
        };
        expect([address(prod()), open(prod())]).toEqual(["127.0.0.1", false]);
        expect([address(existingRaw()), open(existingRaw())]).toEqual(["0.0.0.0", true]);
        expect([address(prod({ dashboardListen: "all" })), open(prod({ dashboardListen: "all" }))]).toEqual(["0.0.0.0", true]);
        expect([address(existingRaw({ dashboardListen: "loopback" })), open(existingRaw({ dashboardListen: "loopback" }))]).toEqual([
            "127.0.0.1",
            false,
        ]);
        expect(problems(existingRaw({ dashboardListen: "public" }))).toMatch(
            /rocketmq:dashboardListen = "public": one of auto, loopback, all/,
        );
    });
});

describe("broker defaults", () => {
    test("maxMessageSize is upstream's 4 MiB unless set", () => {
        const ctx = contextOf(existingRaw());
        expect(parseProperties(renderBrokerProperties(ctx, brokerA(ctx))).maxMessageSize).toBe("4194304");
        const set = contextOf(existingRaw({ brokerProperties: JSON.stringify({ maxMessageSize: "65536" }) }));
        expect(parseProperties(renderBrokerProperties(set, brokerA(set))).maxMessageSize).toBe("65536");
    });
    test("heaps that fit only without the brokers' direct memory are refused", () => {
        // worker2: name server 512m + two brokers of 2g (+2g direct each) = 8704 MiB > 8192.
        expect(problems(existingRaw({ brokerHeap: "2g" }))).toMatch(
            /heaps that fit in worker2's 8192 MiB \(they add up to 8704 MiB, a broker counted twice/,
        );
        expect(problems(existingRaw({ brokerHeap: "1g" }))).toBe("");
    });
});
