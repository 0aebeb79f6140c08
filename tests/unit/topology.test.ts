import { validateConfig } from "../../config/validate";
import { planFirewall } from "../../planning/firewall";
import { allBrokers, planCluster } from "../../planning/topology";
import { existingRaw } from "./fixtures";

const plan = (over = {}) => planCluster(validateConfig(existingRaw(over)));

describe("topology planning", () => {
    test("2m-2s-async follows the guide's table", () => {
        const p = plan();
        const where = Object.fromEntries(
            allBrokers(p).map((b) => [
                b.id,
                [p.hosts[b.hostIndex].name, b.brokerName, b.brokerId, b.role, b.listenPort, b.storePathRootDir],
            ]),
        );
        expect(where).toEqual({
            "broker-a": ["worker2", "broker-a", 0, "ASYNC_MASTER", 10911, "/app/rocketmq/store"],
            "broker-a-s": ["worker3", "broker-a", 1, "SLAVE", 11011, "/app/rocketmq/storeSlave"],
            "broker-b": ["worker3", "broker-b", 0, "ASYNC_MASTER", 10911, "/app/rocketmq/store"],
            "broker-b-s": ["worker2", "broker-b", 1, "SLAVE", 11011, "/app/rocketmq/storeSlave"],
        });
        expect(p.nameServers.map((n) => `${n.id}@${p.hosts[n.hostIndex].name}`)).toEqual([
            "namesrv-worker1@worker1",
            "namesrv-worker2@worker2",
            "namesrv-worker3@worker3",
        ]);
        expect(p.namesrvAddr).toBe("worker1:9876;worker2:9876;worker3:9876");
        expect(allBrokers(p).every((b) => b.flushDiskType === "ASYNC_FLUSH")).toBe(true);
    });

    test("2m-2s-sync uses SYNC_MASTER and SYNC_FLUSH", () => {
        const p = plan({ topology: "2m-2s-sync" });
        expect(allBrokers(p).map((b) => `${b.id}:${b.role}:${b.flushDiskType}`)).toEqual([
            "broker-a:SYNC_MASTER:SYNC_FLUSH",
            "broker-a-s:SLAVE:SYNC_FLUSH",
            "broker-b:SYNC_MASTER:SYNC_FLUSH",
            "broker-b-s:SLAVE:SYNC_FLUSH",
        ]);
    });

    test("2m-noslave has two masters and no slaves", () => {
        expect(allBrokers(plan({ topology: "2m-noslave" })).map((b) => b.id)).toEqual(["broker-a", "broker-b"]);
    });

    test("dledger: n0..n2, one per host, peers by host name", () => {
        const p = plan({ topology: "dledger" });
        expect(p.groups).toHaveLength(1);
        const nodes = allBrokers(p);
        expect(nodes.map((b) => [b.id, p.hosts[b.hostIndex].name, b.dledger?.selfId])).toEqual([
            ["n0", "worker1", "n0"],
            ["n1", "worker2", "n1"],
            ["n2", "worker3", "n2"],
        ]);
        expect(nodes[0].dledger?.peers).toBe("n0-worker1:40911;n1-worker2:40911;n2-worker3:40911");
        expect(nodes[0].ports).toEqual([30909, 30911, 30912, 40911]);
    });

    test("auto broker heap is sized to the host: half of what the name server leaves, heap and direct memory, split per broker", () => {
        // 8192 - 512 (namesrv) = 7680; half = 3840 for the JVMs, each heap + as much direct memory:
        // 1920 of heap per host; two brokers per host -> 960 -> 768 (256 steps).
        expect(allBrokers(plan()).map((b) => b.heapMiB)).toEqual([768, 768, 768, 768]);
        // dledger: one broker per host; worker1 also runs the dashboard (512 reserved): 7168/4 -> 1792, 7680/4 -> 1920 -> 1792.
        expect(allBrokers(plan({ topology: "dledger" })).map((b) => b.heapMiB)).toEqual([1792, 1792, 1792]);
        // per-instance heap wins
        expect(allBrokers(plan({ instances: JSON.stringify({ "broker-a": { heap: "1g" } }) }))[0].heapMiB).toBe(1024);
    });

    test("firewall: cluster ports between hosts, client ports to the allowed CIDRs, SSH apart", () => {
        const cfg = validateConfig(existingRaw());
        const fw = planFirewall(cfg, planCluster(cfg));
        expect(fw.clusterPorts).toEqual([9876, 10909, 10911, 10912, 11009, 11011, 11012]);
        expect(fw.clientPorts).toEqual([8080, 9876, 10909, 10911, 11009, 11011]);
        expect(fw.sshPort).toBe(22);
        const dl = validateConfig(existingRaw({ topology: "dledger", dashboardEnabled: "false" }));
        expect(planFirewall(dl, planCluster(dl)).clusterPorts).toEqual([9876, 30909, 30911, 30912, 40911]);
        expect(planFirewall(dl, planCluster(dl)).clientPorts).toEqual([9876, 30909, 30911]);
    });
});
