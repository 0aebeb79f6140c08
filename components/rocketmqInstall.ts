import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { uploadPath } from "../planning/render";
import { hostCommand } from "./hostCommand";
import { Host } from "./hosts/host";

export interface RocketMqInstallArgs {
    host: Host;
    /** Rendered install.sh: Java, the verified RocketMQ archive, the `current` link, host tools. */
    script: pulumi.Input<string>;
    /** Rendered uninstall.sh, run on destroy. */
    removeScript: string;
    /** Local files to copy to the host first (RocketMQ zip and/or JDK archive): the guide's upload way. */
    uploads: string[];
    /** Must finish first (OsTuning creates the user and directories). */
    dependsOn: pulumi.Resource[];
}

/** JDK + RocketMQ distribution + host tools on one host. */
export class RocketMqInstall extends pulumi.ComponentResource {
    readonly command: command.remote.Command;

    constructor(name: string, args: RocketMqInstallArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rocketmq:index:RocketMqInstall", name, {}, opts);
        const copies = args.uploads.map(
            (file, i) =>
                new command.remote.CopyToRemote(
                    `${name}-upload-${i}`,
                    { connection: args.host.connection, source: new pulumi.asset.FileAsset(file), remotePath: uploadPath(file) },
                    { parent: this, dependsOn: [args.host.ready], deletedWith: args.host.machine },
                ),
        );
        this.command = hostCommand(
            `${name}-apply`,
            args.host,
            { script: args.script, remove: args.removeScript },
            { parent: this, dependsOn: [...args.dependsOn, ...copies] },
        );
        this.registerOutputs({ stdout: this.command.stdout });
    }
}
