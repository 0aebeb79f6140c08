import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { osUntuneScript } from "../planning/render";
import { hostCommand } from "./hostCommand";
import { Host } from "./hosts/host";

export interface OsTuningArgs {
    /** Host to prepare. */
    host: Host;
    /** Rendered os-tuning.sh (service user, /app layout, sysctl.d, limits.d, IO scheduler, /etc/hosts). */
    script: pulumi.Input<string>;
}

/** Per-host OS preparation (guide sections 2, 3 and 9.3), persisted and idempotent. */
export class OsTuning extends pulumi.ComponentResource {
    readonly command: command.remote.Command;

    constructor(name: string, args: OsTuningArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rocketmq:index:OsTuning", name, {}, opts);
        this.command = hostCommand(`${name}-apply`, args.host, { script: args.script, remove: osUntuneScript() }, { parent: this });
        this.registerOutputs({ stdout: this.command.stdout });
    }
}
