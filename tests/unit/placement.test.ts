// An instance of a program built from the components records the host it was deployed on; its
// provider's check refuses another host at preview (components/instancePlacement.ts).
import { placementProvider } from "../../components/instancePlacement";
import { existingRaw } from "./fixtures";
import { runProgram } from "./programHarness";

jest.setTimeout(120_000);

const at = (hostName: string) => ({ argument: "slave.install", instance: "broker-a-s", hostName });

describe("InstancePlacement", () => {
    test("first deploy, the same host (a replaced machine keeps its name): accepted", async () => {
        expect(await placementProvider.check!({}, at("worker3"))).toEqual({ inputs: at("worker3") });
        expect(await placementProvider.check!(at("worker3"), at("worker3"))).toEqual({ inputs: at("worker3") });
    });

    test("another host: the preview fails naming the argument, the instance, both hosts and the way", async () => {
        const r = await placementProvider.check!(at("worker3"), at("worker1"));
        expect(r.failures).toHaveLength(1);
        expect(r.failures![0].property).toBe("hostName");
        expect(r.failures![0].reason).toContain(
            "slave.install: broker-a-s runs on worker3, the program now puts it on worker1: refused. An update would start it on worker1 while it keeps running on worker3",
        );
        expect(r.failures![0].reason).toContain("remove the member in one up");
    });

    test("the stack records none: it refuses host changes from its own layout output", async () => {
        const { resources } = await runProgram(existingRaw());
        expect(resources.filter((r) => r.name.endsWith("-placement")).map((r) => r.name)).toEqual([]);
    });
});
