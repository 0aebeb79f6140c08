// What each kind of config string may look like. Every string that reaches a host script matches
// one of these at preview, so nothing in it means anything to the shell: no $, backquote, quote,
// backslash, semicolon, whitespace or newline, no `..` and no leading `-`.

export const NAME = /^[a-z][a-z0-9-]{0,62}$/;
export const CLUSTER_NAME = /^[A-Za-z0-9_-]{1,64}$/;
export const USER = /^[a-z_][a-z0-9_-]{0,31}$/;
export const SHA512 = /^[0-9a-fA-F]{128}$/;
export const SYSCTL_KEY = /^[a-z0-9_]+(\.[a-z0-9_-]+)+$/;
/** Words separated by single spaces (`4096 87380 6291456`); written only into a quoted heredoc. */
export const SYSCTL_VALUE = /^[0-9A-Za-z_-]+(?:[ .][0-9A-Za-z_-]+)*$/;
export const DEVICE = /^[a-z0-9]+$/;
/** `2.0.0`, `2.0.1-SNAPSHOT`. */
export const VERSION = /^[0-9]+(?:\.[0-9]+){1,3}(?:-[A-Za-z0-9]+)?$/;
/** EC2 instance type: `t3.large`, `m7i-flex.xlarge`. */
export const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;
const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const DNS_LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
const DNS_NAME = new RegExp(`^${DNS_LABEL}(?:\\.${DNS_LABEL})*$`);
/** Components of letters, digits, `.`, `_` and `-`, none starting with `.` or `-`. */
const ABS_PATH = /^(?:\/[A-Za-z0-9_][A-Za-z0-9._-]*)+$/;
const FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._+-]*$/;
/** Host, optional port, then path and query of URL-safe characters that mean nothing to a shell inside "". */
const URL = new RegExp(`^https?://${DNS_LABEL}(?:\\.${DNS_LABEL})*(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~%+=&?:@,/-]*)?$`);

export const ADDRESS_ALLOWED = "an IPv4 address or a DNS name (letters, digits, - and .)";
export const PATH_ALLOWED = "an absolute path such as /app (letters, digits, . _ -; no .. and no trailing /)";

export function validCidr(cidr: string): boolean {
    const m = CIDR.exec(cidr);
    if (!m) return false;
    return m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) <= 32;
}

/** An IPv4 address or a DNS name: what SSH dials, /etc/hosts lists and a broker registers. */
export function validAddress(text: string): boolean {
    const ip = IPV4.exec(text);
    if (ip) return ip.slice(1, 5).every((o) => Number(o) <= 255);
    return text.length <= 253 && DNS_NAME.test(text) && !/^[0-9.]+$/.test(text);
}

export function validAbsPath(text: string): boolean {
    return ABS_PATH.test(text) && !text.includes("..");
}

export function validUrl(text: string): boolean {
    return URL.test(text) && !text.includes("..");
}

/**
 * A file on the deploying machine that is uploaded to /tmp/NAME on the hosts. Only NAME reaches
 * a host script, so it must be plain; the directory is read by the deployer alone (relative paths
 * and spaces are fine there), but nothing in it may look like shell syntax either.
 */
export function validLocalFile(text: string, suffix: RegExp): boolean {
    const name = text.slice(text.lastIndexOf("/") + 1);
    const dir = text.slice(0, text.lastIndexOf("/") + 1);
    return FILE_NAME.test(name) && !name.includes("..") && suffix.test(name) && /^[A-Za-z0-9._/ +@,~-]*$/.test(dir);
}

const KEY_TYPES = [
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
];
const COMMENT_WORD = "[A-Za-z0-9@_+:,=-]+(?:\\.[A-Za-z0-9@_+:,=-]+)*";
const PUBLIC_KEY = new RegExp(`^(\\S+) ([A-Za-z0-9+/]+={0,2})(?: ${COMMENT_WORD})*$`);

/**
 * One OpenSSH public key line, `TYPE BASE64 [comment]`, whose base64 is exactly a key blob: a run
 * of length-prefixed fields, the first naming TYPE, so a cut or spliced key is refused too.
 */
export function validPublicKey(text: string): boolean {
    const m = PUBLIC_KEY.exec(text);
    if (!m || !KEY_TYPES.includes(m[1])) return false;
    const blob = Buffer.from(m[2], "base64");
    if (blob.toString("base64") !== m[2]) return false;
    const fields: Buffer[] = [];
    for (let at = 0; at < blob.length; ) {
        if (at + 4 > blob.length) return false;
        const n = blob.readUInt32BE(at);
        if (at + 4 + n > blob.length) return false;
        fields.push(blob.subarray(at + 4, at + 4 + n));
        at += 4 + n;
    }
    return fields.length >= 2 && fields[0].toString("latin1") === m[1];
}
