// The guide's 2m-2s-async cluster on three machines you already have, built from the
// rocketmq-pulumi components directly (not RocketMqCluster): per host OsTuning and RocketMqInstall,
// a NameServerNode on each, and two BrokerPairs: worker2 runs broker-a's master and broker-b's
// slave, worker3 the mirror. One RollChain, shared by all five, makes a change (version, heap)
// restart one process at a time across the cluster: the name servers, then broker-a's slave and
// master, then broker-b's.
import * as pulumi from "@pulumi/pulumi";
import {
    BrokerPair,
    ExistingHosts,
    NAMESRV_PORT,
    NameServerNode,
    OsTuning,
    RocketMqInstall,
    RocketMqVersion,
    RollChain,
} from "rocketmq-pulumi";

const config = new pulumi.Config();
// Three SSH addresses (root, port 22), worker1..3.
const addresses = config.requireObject<string[]>("hosts");
const release = {
    version: config.get<RocketMqVersion>("version"), // default 5.5.0
    sha512: config.require("sha512"), // of the release zip
    downloadUrl: config.get("downloadUrl"), // default: the Apache archive
};
const namesrvHeap = config.get("namesrvHeap"); // default 512m
const brokerHeap = config.get("brokerHeap"); // default 1g

const { hosts } = new ExistingHosts("hosts", {
    hosts: addresses.map((host, i) => ({ name: `worker${i + 1}`, host })),
    privateKey: config.requireSecret("sshPrivateKey"),
});

// Every host resolves the others' names; the host tools (mqadmin) know all three name servers.
const hostsEntries = pulumi.output(hosts.map((h) => ({ name: h.name, address: h.privateAddress })));
const nameServers = hosts.map((h) => pulumi.interpolate`${h.clientAddress}:${NAMESRV_PORT}`);
const installs = hosts.map((host) => {
    const os = new OsTuning(`${host.name}-os`, { host, hostsEntries });
    return new RocketMqInstall(`${host.name}-install`, { host, ...release, nameServers, dependsOn: [os.command] });
});

// Restarts follow the order the components join the chain: create the name servers first.
const rollChain = new RollChain();
const namesrvs = installs.map((install) => new NameServerNode(`namesrv-${install.host.name}`, { install, heap: namesrvHeap, rollChain }));
const brokerArgs = { nameServers: namesrvs.map((n) => n.address), dependsOn: namesrvs.map((n) => n.service), rollChain };
const brokerA = new BrokerPair("broker-a", {
    ...brokerArgs,
    brokerName: "broker-a",
    master: { install: installs[1], heap: brokerHeap },
    slave: { install: installs[2], heap: brokerHeap },
});
const brokerB = new BrokerPair("broker-b", {
    ...brokerArgs,
    brokerName: "broker-b",
    master: { install: installs[2], heap: brokerHeap },
    slave: { install: installs[1], heap: brokerHeap },
});

export const namesrvAddr = pulumi.all(namesrvs.map((n) => n.address)).apply((a) => a.join(";"));
export const brokers = {
    "broker-a": { master: brokerA.addresses[0], slave: brokerA.addresses[1] },
    "broker-b": { master: brokerB.addresses[0], slave: brokerB.addresses[1] },
};
