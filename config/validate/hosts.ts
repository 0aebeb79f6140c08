// rocketmq:hosts (existing mode) and the aws-mode settings.
import { AwsSettings, Environment, ExistingHostSpec, Topology } from "../schema";
import { ADDRESS_ALLOWED, INSTANCE_TYPE, USER, validAddress, validCidr, validPublicKey } from "./patterns";
import { HOST_NAME, TCP_PORT } from "./rules";
import { Reader, checkUnique } from "./reader";

/** The fields a host entry may have, and their kind; anything else is a typo and rejected. */
export const HOST_FIELDS = {
    name: "string",
    host: "string",
    privateAddress: "string",
    clientAddress: "string",
    user: "string",
    port: "integer",
    memoryMiB: "integer",
    cpus: "integer",
    hostKey: "string",
} as const;

const SHAPE = "{name, host, privateAddress?, clientAddress?, user?, port?, memoryMiB?, cpus?, hostKey?}";

/** How a user gets a host's key, for the messages (docs/existing-hosts.md, Host keys). */
export const HOST_KEY_HOWTO =
    "the host's public SSH host key line, e.g. the content of /etc/ssh/ssh_host_ed25519_key.pub read on the host itself " +
    "(or `ssh-keyscan -t ed25519 HOST` checked against `ssh-keygen -lf` run there)";

export function existingHosts(r: Reader, topology: Topology, environment: Environment = "dev"): ExistingHostSpec[] {
    const { c } = r;
    const hostsRaw = r.json("hosts") ?? []; // unset is the declared default, []
    if (!Array.isArray(hostsRaw)) {
        c.add("hosts", hostsRaw, `a list of ${SHAPE}`);
        return [];
    }
    const hosts: ExistingHostSpec[] = [];
    hostsRaw.forEach((h: unknown, i: number) => {
        const k = `hosts[${i}]`;
        if (typeof h !== "object" || h === null || Array.isArray(h)) {
            c.add(k, h, `an object ${SHAPE}`);
            return;
        }
        const o = h as Record<string, unknown>;
        for (const extra of Object.keys(o).filter((f) => !(f in HOST_FIELDS)))
            c.add(`${k}.${extra}`, o[extra], `one of the fields of ${SHAPE}`);
        const name = String(o.name ?? "");
        const host = String(o.host ?? "");
        c.rule(`${k}.name`, name, HOST_NAME, o.name);
        if (!validAddress(host)) c.add(`${k}.host`, o.host, `${ADDRESS_ALLOWED} to SSH to`);
        const privateAddress = o.privateAddress == null ? host : String(o.privateAddress);
        if (o.privateAddress != null && !validAddress(privateAddress))
            c.add(`${k}.privateAddress`, o.privateAddress, `${ADDRESS_ALLOWED} the other hosts reach this one at`);
        const clientAddress = o.clientAddress == null ? privateAddress : String(o.clientAddress);
        if (o.clientAddress != null && !validAddress(clientAddress))
            c.add(`${k}.clientAddress`, o.clientAddress, `${ADDRESS_ALLOWED} clients reach this host's name server and brokers at`);
        const user = String(o.user ?? "root");
        if (!USER.test(user)) c.add(`${k}.user`, o.user, "a Unix user name");
        const port = o.port === undefined ? 22 : whole(o.port);
        c.rule(`${k}.port`, port, TCP_PORT, o.port);
        const memoryMiB = o.memoryMiB === undefined ? undefined : whole(o.memoryMiB);
        if (memoryMiB !== undefined && (!Number.isInteger(memoryMiB) || memoryMiB < 512))
            c.add(`${k}.memoryMiB`, o.memoryMiB, "a whole number of MiB, at least 512");
        const cpus = o.cpus === undefined ? undefined : whole(o.cpus);
        if (cpus !== undefined && (!Number.isInteger(cpus) || cpus < 1)) c.add(`${k}.cpus`, o.cpus, "a whole number >= 1");
        // Whoever answers on the address gets every root script: prod refuses to deploy unverified.
        let hostKey: string | undefined;
        if (o.hostKey == null) {
            if (environment === "prod") c.add(`${k}.hostKey`, undefined, `required when environment is prod: ${HOST_KEY_HOWTO}`);
        } else if (typeof o.hostKey !== "string" || !validPublicKey(o.hostKey)) {
            c.add(`${k}.hostKey`, o.hostKey, HOST_KEY_HOWTO);
        } else hostKey = o.hostKey;
        hosts.push({ name, host, privateAddress, clientAddress, user, port, memoryMiB, cpus, ...(hostKey ? { hostKey } : {}) });
    });
    checkUnique(
        c,
        "hosts[].name",
        hosts.map((h) => h.name),
    );
    checkUnique(
        c,
        "hosts[].host",
        hosts.map((h) => `${h.host}:${h.port}`),
    );
    checkUnique(
        c,
        "hosts[].privateAddress",
        hosts.map((h) => h.privateAddress),
    );
    checkUnique(
        c,
        "hosts[].clientAddress",
        hosts.map((h) => h.clientAddress),
    );
    if (hosts.length !== 3)
        c.add("hosts", `${hosts.length} host(s)`, `exactly 3 hosts: topology ${topology} places name servers and brokers on worker1..3`);
    return hosts;
}

/** A JSON number, or digits only (Number() alone would take " 22" and "0x16"). */
function whole(v: unknown): number {
    return typeof v === "number" ? v : typeof v === "string" && /^[0-9]+$/.test(v) ? Number(v) : NaN;
}

export function awsSettings(r: Reader, environment: Environment): AwsSettings {
    const { c } = r;
    const cidrList = (key: string, whatFor: string): string[] => {
        const list = r.json(key);
        const out: string[] = [];
        if (list === undefined || list === null || (Array.isArray(list) && list.length === 0)) return out;
        if (!Array.isArray(list)) {
            c.add(key, list, `a list of CIDRs allowed to reach ${whatFor}`);
            return out;
        }
        for (const cidr of list) {
            if (typeof cidr !== "string" || !validCidr(cidr)) c.add(key, cidr, "an IPv4 CIDR like 203.0.113.0/24");
            else if (cidr === "0.0.0.0/0" && environment === "prod")
                c.add(key, cidr, "a narrower range: 0.0.0.0/0 is refused when environment is prod");
            else out.push(cidr);
        }
        return out;
    };
    const allowedCidrs = cidrList("allowedCidrs", "name servers, brokers and the dashboard");
    if (allowedCidrs.length === 0 && !c.problems.some((p) => p.key === "allowedCidrs"))
        c.add(
            "allowedCidrs",
            r.json("allowedCidrs") ?? [],
            "a non-empty list of CIDRs allowed to reach name servers, brokers and the dashboard, and SSH unless sshAllowedCidrs is set (aws mode has no open default)",
        );
    // SSH is the deployer's door: its own list, by default the clients' one.
    const sshCidrs = cidrList("sshAllowedCidrs", "SSH (port 22)");
    const sshAllowedCidrs = sshCidrs.length > 0 ? sshCidrs : [...allowedCidrs];
    // One security group rule per entry: AWS refuses a duplicate rule at `up`.
    checkUnique(c, "allowedCidrs", allowedCidrs);
    checkUnique(c, "sshAllowedCidrs", sshCidrs);
    const sshPublicKey = r.str("sshPublicKey", "");
    if (!validPublicKey(sshPublicKey))
        c.add(
            "sshPublicKey",
            sshPublicKey || undefined,
            "an OpenSSH public key (ssh-ed25519 ... or ssh-rsa ...); its private half goes in rocketmq:sshPrivateKey (secret)",
        );
    const instanceType = r.str("instanceType", "t3.large");
    if (!INSTANCE_TYPE.test(instanceType)) c.add("instanceType", instanceType, "an EC2 instance type such as t3.large");
    const ami = r.str("ami", "ubuntu-24.04");
    if (!["ubuntu-24.04", "ubuntu-22.04", "al2023"].includes(ami) && !/^ami-[0-9a-f]{8,17}$/.test(ami))
        c.add("ami", ami, "ubuntu-24.04, ubuntu-22.04, al2023 or an ami-... id");
    const vpcCidr = r.str("vpcCidr", "10.20.0.0/16");
    if (!validCidr(vpcCidr) || Number(vpcCidr.split("/")[1]) > 24) c.add("vpcCidr", vpcCidr, "an IPv4 CIDR of /24 or larger");
    const clientChoice = r.str("clientAddress", "auto");
    if (!["auto", "private", "public"].includes(clientChoice))
        c.add("clientAddress", clientChoice, "auto, private or public (what brokers tell clients to connect to)");
    const { clientAddress, reason: clientAddressReason } = resolveClientAddress(clientChoice, allowedCidrs, vpcCidr);
    return {
        instanceType,
        ami,
        allowedCidrs,
        sshAllowedCidrs,
        sshPublicKey,
        dataVolumeGiB: r.int("dataVolumeGiB", 50, 8, 16384),
        vpcCidr,
        allowHostReplacement: r.bool("allowHostReplacement", false),
        clientAddress,
        clientAddressReason,
    };
}

/**
 * auto: clients allowed from outside the VPC cannot reach private addresses, so they are told
 * public ones; clients only inside the VPC are told private ones (no detour via public DNS).
 */
export function resolveClientAddress(
    choice: string,
    allowedCidrs: string[],
    vpcCidr: string,
): { clientAddress: "private" | "public"; reason: string } {
    if (choice === "private" || choice === "public") return { clientAddress: choice, reason: `rocketmq:clientAddress is ${choice}` };
    const outside = allowedCidrs.filter((cidr) => !cidrWithin(cidr, vpcCidr));
    return outside.length > 0
        ? { clientAddress: "public", reason: `rocketmq:allowedCidrs ${outside.join(", ")} lies outside vpcCidr ${vpcCidr}` }
        : { clientAddress: "private", reason: `every rocketmq:allowedCidrs entry lies inside vpcCidr ${vpcCidr}` };
}

/** Is CIDR inner inside CIDR outer (both valid IPv4 CIDRs)? Invalid ones are not. */
export function cidrWithin(inner: string, outer: string): boolean {
    if (!validCidr(inner) || !validCidr(outer)) return false;
    const [ia, il] = inner.split("/");
    const [oa, ol] = outer.split("/");
    if (Number(il) < Number(ol)) return false;
    const num = (a: string) => a.split(".").reduce((n, o) => n * 256 + Number(o), 0);
    const mask = Number(ol) === 0 ? 0 : 2 ** 32 - 2 ** (32 - Number(ol));
    const and = (n: number) => Number((BigInt(n) & BigInt(mask)).toString());
    return and(num(ia)) === and(num(oa));
}
