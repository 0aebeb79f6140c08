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
        // What the script could not do (kernel settings on a host whose /proc/sys is read-only)
        // must reach the user as a warning, not only as text in a command's output.
        this.command.stderr.apply((stderr) => {
            for (const line of (stderr ?? "").split("\n")) {
                if (line.startsWith("WARNING: ")) pulumi.log.warn(`${args.host.name}: ${line.slice("WARNING: ".length)}`, this);
            }
        });
        this.registerOutputs({ stdout: this.command.stdout });
    }
}
