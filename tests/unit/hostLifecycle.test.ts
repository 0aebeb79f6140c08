// The decisions that keep AWS machines and data alive (planning/hostLifecycle.ts), every
// combination of the keys; program.test.ts checks the same options reach the engine.
import { AMI_FAMILIES, PROTECTION_NOTICE, hostLifecycle, imageChoice } from "../../planning/hostLifecycle";

describe("host lifecycle: image, protection, data volumes", () => {
    test("a family is looked up (newest image at creation); an ami-... id is used as is", () => {
        expect(imageChoice("ubuntu-24.04")).toEqual({
            lookup: { owner: "099720720", name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*" },
            user: "ubuntu",
        });
        expect(imageChoice("al2023").user).toBe("ec2-user");
        expect(imageChoice("ami-0123456789abcdef0")).toEqual({ id: "ami-0123456789abcdef0", user: "ubuntu" });
    });

    test.each(Object.keys(AMI_FAMILIES))("family %s: the image is kept once the instance exists", (ami) => {
        expect(hostLifecycle({ ami, allowHostReplacement: false, purgeDataOnDestroy: false }).instance.ignoreChanges).toEqual(["ami"]);
    });

    test("explicit id: a change of id is the user's request, so it is not ignored", () => {
        expect(hostLifecycle({ ami: "ami-0123456789abcdef0", allowHostReplacement: false, purgeDataOnDestroy: false }).instance).toEqual({
            protect: true,
            ignoreChanges: [],
        });
    });

    test.each([
        [false, false, { protect: true, retainOnDelete: true }],
        [false, true, { protect: true, retainOnDelete: false }],
        [true, false, { protect: false, retainOnDelete: true }],
        [true, true, { protect: false, retainOnDelete: false }],
    ])("allowHostReplacement=%s purgeDataOnDestroy=%s: data volume %j", (allowHostReplacement, purgeDataOnDestroy, volume) => {
        const life = hostLifecycle({ ami: "ubuntu-24.04", allowHostReplacement, purgeDataOnDestroy });
        expect(life.dataVolume).toEqual(volume);
        expect(life.instance.protect).toBe(!allowHostReplacement);
        // Detach only a stopped instance's volume, and before attaching it elsewhere.
        expect(life.attachment).toEqual({ deleteBeforeReplace: true, stopInstanceBeforeDetaching: true });
        expect(life.notice).toBe(allowHostReplacement ? undefined : PROTECTION_NOTICE);
    });

    test("the notice names the key that lifts the protection and where docs/aws.md explains it", () => {
        expect(PROTECTION_NOTICE).toContain("pulumi config set rocketmq:allowHostReplacement true");
        expect(PROTECTION_NOTICE).toContain("docs/aws.md: Replacing hosts");
    });
});
