// The rolling restart plan: who restarts in which order, gated on what.
import { RawConfig } from "../../config/validate";
import { RenderContext, instanceRevision, rollArgs, rollScript } from "./render";
import { CATCH_UP_BOUND_BYTES, rollingOrder } from "../../planning/rolling";
import { allInstances } from "../../planning/topology";
import { existingRaw } from "./fixtures";
import { contextOf } from "./scripts";

const context = (over: RawConfig = {}): RenderContext => contextOf(existingRaw(over));
const order = (ctx: RenderContext) => rollingOrder(ctx.plan).map((s) => `${s.inst.id}${s.finish ? "*" : ""}`);
const argsOf = (ctx: RenderContext, id: string, finish = false) => {
    const step = rollingOrder(ctx.plan).find((s) => s.inst.id === id && s.finish === finish);
    return rollArgs(ctx, step!).join(" ");
};

describe("rolling restarts", () => {
    test("2m-2s: name servers one by one, then each slave before its master", () => {
        expect(order(context())).toEqual([
            "namesrv-worker1",
            "namesrv-worker2",
            "namesrv-worker3",
            "broker-a-s",
            "broker-a",
            "broker-b-s",
            "broker-b",
        ]);
    });

    test("dledger: every member once, then a second pass that restarts the deferred leader", () => {
        expect(order(context({ topology: "dledger" }))).toEqual([
            "namesrv-worker1",
            "namesrv-worker2",
            "namesrv-worker3",
            "n0",
            "n1",
            "n2",
            "n0*",
            "n1*",
            "n2*",
        ]);
        const ctx = context({ topology: "dledger" });
        expect(argsOf(ctx, "n1")).toBe(
            `n1 180 30911 --broker RaftNode00 '*' 192.0.2.12:30911 --follows dledger --dledger n1 'n0-worker1:40911;n1-worker2:40911;n2-worker3:40911' --defer-leader --bound ${CATCH_UP_BOUND_BYTES}`,
        );
        expect(argsOf(ctx, "n1", true)).not.toContain("--defer-leader");
    });

    test("a slave is gated on catching up with its master, a master on its slave catching up again; each names the peers it needs up", () => {
        const ctx = context();
        expect(argsOf(ctx, "broker-a-s")).toBe(
            `broker-a-s 180 11011 --broker broker-a 1 192.0.2.13:11011 --follows 192.0.2.12:10911 --bound ${CATCH_UP_BOUND_BYTES}`,
        );
        expect(argsOf(ctx, "broker-a")).toBe(
            `broker-a 180 10911 --broker broker-a 0 192.0.2.12:10911 --leads 192.0.2.13:11011 --master broker-b 192.0.2.13:10911 --bound ${CATCH_UP_BOUND_BYTES}`,
        );
        expect(argsOf(ctx, "namesrv-worker2")).toBe("namesrv-worker2 180 9876 --namesrv worker2:9876");
        expect(argsOf(context({ topology: "2m-noslave" }), "broker-b")).toBe(
            `broker-b 180 10911 --broker broker-b 0 192.0.2.13:10911 --master broker-a 192.0.2.12:10911 --bound ${CATCH_UP_BOUND_BYTES}`,
        );
    });

    test("a roll step's script changes exactly when its instance's files change", () => {
        const before = context();
        const after = context({ instances: JSON.stringify({ "broker-a": { heap: "640m" } }) });
        const changed = allInstances(before.plan)
            .filter(
                (inst) =>
                    instanceRevision(before, inst) !== instanceRevision(after, allInstances(after.plan).find((i) => i.id === inst.id)!),
            )
            .map((i) => i.id);
        expect(changed).toEqual(["broker-a"]);
        const step = (ctx: RenderContext) => rollingOrder(ctx.plan).find((s) => s.inst.id === "broker-a")!;
        expect(rollScript(before, step(before))).not.toBe(rollScript(after, step(after)));
        const other = (ctx: RenderContext) => rollingOrder(ctx.plan).find((s) => s.inst.id === "broker-b")!;
        expect(rollScript(before, other(before))).toBe(rollScript(after, other(after)));
    });
});
