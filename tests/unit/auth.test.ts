// rocketmq:authEnabled / rocketmq:authUsers (ACL 2.0): validation, what each broker, host tool and
// the dashboard get, and that no password reaches a command line or a file the stack shows in diffs.
import { ConfigError } from "../../config/errors";
import { RawConfig, validateConfig } from "../../config/validate";
import { hostAuthScript, userApplyScript, userDeleteCommand, userPermissions } from "../../planning/auth";
import { dashboardDeployScript } from "../../planning/dashboard";
import { hostTools, instanceDeployScript, instanceFiles, renderBrokerProperties } from "./render";
import { allBrokers, allInstances } from "../../planning/topology";
import { existingRaw } from "./fixtures";
import { contextOf, shellCodeLines } from "./scripts";

const problems = (raw: RawConfig): string[] => {
    try {
        validateConfig(raw);
        return [];
    } catch (e) {
        if (e instanceof ConfigError) return e.problems.map((p) => `${p.key} = ${JSON.stringify(p.value)}: ${p.allowed}`);
        throw e;
    }
};
const users = (u: unknown) => JSON.stringify(u);
const SECRETS = { adminPassword: "AdminSecret0123456789", innerPassword: "InnerSecret0123456789" };
const USER_PW = "UserSecret0123456789";

describe("validation", () => {
    test("off by default, no users", () => {
        expect(validateConfig(existingRaw()).auth).toEqual({ enabled: false, users: [] });
    });
    test("4.9.7: refused at preview, saying why and which versions have it", () => {
        const p = problems(existingRaw({ version: "4.9.7", authEnabled: "true" }));
        expect(p).toHaveLength(1);
        expect(p[0]).toMatch(/^authEnabled = true: false on RocketMQ 4\.9\.7: .*need version 5\.3\.3 or 5\.5\.0.*ACL 1\.0/);
    });
    test.each(["5.3.3", "5.5.0"])("%s: accepted with users", (version) => {
        const cfg = validateConfig(
            existingRaw({
                version,
                authEnabled: "true",
                authUsers: users({ app: { topics: { A: "PUB|SUB", B: "SUB" }, groups: ["GA", "GA"] } }),
            }),
        );
        expect(cfg.auth).toEqual({ enabled: true, users: [{ name: "app", topics: { A: "PUB|SUB", B: "SUB" }, groups: ["GA"] }] });
    });
    test("users without the switch, bad names, permissions and fields are each named", () => {
        expect(problems(existingRaw({ authUsers: users({ app: {} }) }))).toEqual([
            'authUsers = {"app":{}}: empty unless rocketmq:authEnabled is true (users exist only with authentication on)',
        ]);
        const p = problems(
            existingRaw({
                authEnabled: "true",
                authUsers: users({
                    "rmq-admin": {},
                    "9lives": {},
                    app: { topics: { A: "ALL", "B;x": "PUB" }, groups: ["ok", "bad group"], password: "x" },
                    list: [],
                }),
            }),
        );
        expect(p).toEqual([
            "authUsers.rmq-admin = {}: another name: rmq-admin is the stack's own super user",
            "authUsers.9lives = {}: a user name: a letter, then letters, digits, _ and - (at most 64); the user name is the key",
            'authUsers.app.password = "x": only topics and groups (the password is generated)',
            'authUsers.app.topics.A = "ALL": PUB, SUB, PUB|SUB',
            'authUsers.app.topics.B;x = "PUB": a topic or group name: letters, digits, _ and - (1-127); the topic is the key',
            'authUsers.app.groups[1] = "bad group": a topic or group name: letters, digits, _ and - (1-127)',
            'authUsers.list = []: {topics: {TOPIC: "PUB" | "SUB" | "PUB|SUB"}, groups: [GROUP, ...]}',
        ]);
    });
    test("the auth broker keys are the stack's: refused as overrides", () => {
        for (const key of ["authenticationEnabled", "initAuthenticationUser", "innerClientAuthenticationCredentials", "aclEnable"])
            expect(problems(existingRaw({ brokerProperties: users({ [key]: "true" }) }))[0]).toContain("set by rocketmq:authEnabled");
        // Tuning keys stay open.
        expect(problems(existingRaw({ brokerProperties: users({ userCacheRefreshSecond: "30" }) }))).toEqual([]);
    });
});

describe("rendering", () => {
    const on = contextOf(
        existingRaw({ authEnabled: "true", authUsers: users({ app: { topics: { A: "PUB|SUB", C: "PUB" }, groups: ["GA"] } }) }),
    );
    const off = contextOf(existingRaw());

    test("every broker (masters and slaves) turns both on with the local providers; no secret in broker.properties", () => {
        for (const b of allBrokers(on.plan)) {
            const text = renderBrokerProperties(on, b);
            for (const line of [
                "authenticationEnabled=true",
                "authorizationEnabled=true",
                "authenticationMetadataProvider=org.apache.rocketmq.auth.authentication.provider.LocalAuthenticationMetadataProvider",
                "authorizationMetadataProvider=org.apache.rocketmq.auth.authorization.provider.LocalAuthorizationMetadataProvider",
            ])
                expect(text.split("\n")).toContain(line);
            expect(text).not.toMatch(/^(initAuthenticationUser|innerClientAuthenticationCredentials)=/m);
            const run = instanceFiles(on, b).find((f) => f.name === "run.sh")!.content;
            expect(run).toContain(`cat /app/rocketmq/instances/${b.id}/broker.properties /app/rocketmq/auth/broker-auth.properties >`);
            expect(run).toContain(`-c /app/rocketmq/instances/${b.id}/home/broker-runtime.properties`);
        }
        for (const b of allBrokers(off.plan)) {
            expect(renderBrokerProperties(off, b)).not.toContain("authenticationEnabled");
            expect(instanceFiles(off, b).find((f) => f.name === "run.sh")!.content).not.toContain("auth");
        }
        // Name servers have no authentication in 5.3.3: unchanged.
        for (const n of on.plan.nameServers) expect(instanceDeployScript(on, n)).toBe(instanceDeployScript(off, n));
    });

    test("host files: the JSON formats the broker parses; passwords only inside quoted heredocs, files root-only", () => {
        const script = hostAuthScript(on, 0, SECRETS);
        expect(script).toContain('initAuthenticationUser={"username":"rmq-admin","password":"AdminSecret0123456789"}');
        expect(script).toContain('innerClientAuthenticationCredentials={"accessKey":"rmq-inner","secretKey":"InnerSecret0123456789"}');
        expect(script).toContain("accessKey: rmq-admin\nsecretKey: AdminSecret0123456789");
        expect(script).toContain('chmod 0600 "$dir/conf/tools.yml.new"');
        expect(script).toContain('chmod 0640 "$dir/broker-auth.properties.new"');
        for (const pw of Object.values(SECRETS)) expect(shellCodeLines(script).join("\n")).not.toContain(pw);
    });

    test("users: exact permissions; the password only on stdin of rmq-auth, never on a command line", () => {
        const app = on.cfg.auth.users[0];
        expect(userPermissions(app)).toEqual([
            { resource: "Topic:A", actions: "Pub,Sub" },
            { resource: "Topic:C", actions: "Pub" },
            { resource: "Group:GA", actions: "Sub" },
        ]);
        const script = userApplyScript(on, app, USER_PW);
        expect(script).toContain(
            "/app/rocketmq/bin/rmq-auth apply app <<'RMQ_EOF'\npassword UserSecret0123456789\nallow Topic:A Pub,Sub\n",
        );
        expect(shellCodeLines(script).join("\n")).not.toContain(USER_PW);
        expect(userDeleteCommand(on.cfg, "app")).toMatch(/^\/app\/rocketmq\/bin\/rmq-auth delete app \|\| echo/);
        const tool = hostTools(on).find((t) => t.name === "rmq-auth")!.content;
        expect(tool).toContain('--credentials "$creds" --user "$user"');
        expect(tool.slice(tool.indexOf('exec "$JAVA"'))).not.toMatch(/password|\s-p\s/i);
        expect(hostTools(on).map((t) => t.name)).toEqual(expect.arrayContaining(["rmq-auth", "RmqAuth.java"]));
    });

    test("the stack's tools authenticate: mqadmin (and through it the cluster check), rmq-probe (the waits and rolls), rmq-smoke", () => {
        const tool = (n: string) => hostTools(on).find((t) => t.name === n)!.content;
        expect(tool("mqadmin")).toContain("[ -r /app/rocketmq/auth/conf/tools.yml ] && tools_home=/app/rocketmq/auth");
        expect(tool("mqadmin")).toContain('-Drocketmq.home.dir="$tools_home"');
        expect(tool("rmq-smoke")).toContain('creds=(--credentials "$root/auth/conf/tools.yml")');
        expect(tool("rmq-probe")).toContain('creds=(--credentials "$root/auth/conf/tools.yml")');
        expect(tool("rmq-cluster-check")).toContain('"$root/bin/mqadmin"');
        // rmq-wait waits through rmq-watch.sh (rmq-probe watch); rmq-roll also probes its peers once.
        expect(tool("rmq-watch.sh")).toContain('"/app/rocketmq/bin/rmq-probe" watch "$@"');
        expect(tool("rmq-roll")).toContain('"$root/bin/rmq-probe"');
        for (const n of ["rmq-wait", "rmq-roll"]) {
            expect(tool(n)).toContain('. "$root/bin/rmq-watch.sh"');
            expect(tool(n)).not.toContain("bin/mqadmin");
        }
    });

    test("dashboard: signs broker requests as the administrator, its properties readable by the service user only", () => {
        const script = dashboardDeployScript(on, "consolePw", SECRETS.adminPassword);
        expect(script).toContain("rocketmq.config.accessKey=rmq-admin\nrocketmq.config.secretKey=AdminSecret0123456789");
        expect(script).toContain('chmod 0640 "$dir/application.properties.new"');
        expect(dashboardDeployScript(off, "consolePw")).not.toContain("accessKey");
    });

    test("turning it on changes every broker's files (a rolling restart) and nothing of the name servers", () => {
        for (const inst of allInstances(on.plan))
            expect([inst.id, instanceDeployScript(on, inst) !== instanceDeployScript(off, inst)]).toEqual([
                inst.id,
                inst.kind === "broker",
            ]);
    });
});
