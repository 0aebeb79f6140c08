// aws mode: can the deployer reach the machines it creates? SSH dials each instance's public address,
// so the security group must let the deployer's public address in. A list of private ranges only
// (the default when sshAllowedCidrs is left to follow allowedCidrs = 10.0.0.0/8) admits no public
// source: every command would time out after the machines were created. Refused at preview instead.
import { AwsSettings } from "../schema";
import { cidrWithin } from "./hosts";
import { Collector } from "./reader";

/** RFC 1918 and the carrier-grade NAT range: addresses a connection over the internet never comes from. */
export const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"];

export const isPrivateCidr = (cidr: string): boolean => PRIVATE_RANGES.some((p) => cidrWithin(cidr, p));

export function checkDeployerReach(c: Collector, aws: AwsSettings, sshGiven: boolean): void {
    if (aws.sshAllowedCidrs.length === 0 || !aws.sshAllowedCidrs.every(isPrivateCidr)) return;
    c.add(
        sshGiven ? "sshAllowedCidrs" : "allowedCidrs",
        aws.sshAllowedCidrs,
        `SSH from the deployer (pulumi up) dials the instances' public addresses, so it arrives from the deployer's public address, ` +
            `which none of these private ranges contains${sshGiven ? "" : " (sshAllowedCidrs is not set, so it follows allowedCidrs)"}: ` +
            "set rocketmq:sshAllowedCidrs to the public address pulumi up runs from, e.g. [203.0.113.10/32]",
    );
}
