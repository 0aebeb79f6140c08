import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { HostClaim } from "../planning/claims";
import { dashboardDeployScript } from "../planning/dashboard";
import { RenderContext } from "../planning/context";
import { uploadPath } from "../planning/installation";
import { hostCommand } from "./hostCommand";
import { Host } from "./hosts/host";

export interface DashboardArgs {
    host: Host;
    ctx: pulumi.Output<RenderContext>;
    /** rocketmq:authEnabled: the console signs its broker requests as the stack's administrator. */
    brokerAdminPassword?: pulumi.Output<string>;
    /** Upload the jar instead of downloading it (rocketmq:dashboardLocalJar). */
    localJar?: string;
    /** Stops and removes the service on destroy. */
    remove: string;
    /** What its create claims (rmq-claim): `remove` drops the claim, up --replace keeps the console. */
    claim: HostClaim;
    /** Name servers must run first. */
    dependsOn: pulumi.Resource[];
}

/** rocketmq-dashboard (guide section 8) with login required and a generated admin password. */
export class Dashboard extends pulumi.ComponentResource {
    readonly adminPassword: pulumi.Output<string>;
    readonly service: command.remote.Command;

    constructor(name: string, args: DashboardArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rocketmq:index:Dashboard", name, {}, opts);
        // No special characters: the password lands in a properties file as `admin=PASSWORD,1`.
        const password = new random.RandomPassword(`${name}-admin-password`, { length: 24, special: false }, { parent: this });
        this.adminPassword = pulumi.secret(password.result);
        const copies = args.localJar
            ? [
                  new command.remote.CopyToRemote(
                      `${name}-upload`,
                      {
                          connection: args.host.connection,
                          source: new pulumi.asset.FileAsset(args.localJar),
                          remotePath: uploadPath(args.localJar),
                      },
                      { parent: this, dependsOn: [args.host.ready], deletedWith: args.host.machine },
                  ),
              ]
            : [];
        this.service = hostCommand(
            `${name}-service`,
            args.host,
            {
                script: pulumi
                    .all([args.ctx, password.result, args.brokerAdminPassword ?? ""])
                    .apply(([ctx, pw, brokerPw]) => dashboardDeployScript(ctx, pw, brokerPw || undefined)),
                remove: args.remove,
                claim: args.claim,
                secret: true,
            },
            { parent: this, dependsOn: [...args.dependsOn, ...copies] },
        );
        this.registerOutputs({ adminPassword: this.adminPassword });
    }
}
