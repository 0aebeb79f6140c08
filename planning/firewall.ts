// Which TCP ports the chosen topology uses, and who may reach them.
import { ClusterConfig } from "../config/schema";
import { ClusterPlan, NAMESRV_PORT, allBrokers } from "./topology";

export const SSH_PORT = 22;

export interface FirewallPlan {
    /** Opened between the cluster's own hosts only (replication, Raft, registration). */
    clusterPorts: number[];
    /** Opened to rocketmq:allowedCidrs: name servers, broker client ports, dashboard. */
    clientPorts: number[];
    /** Opened to rocketmq:sshAllowedCidrs (the deployer), apart from clients. */
    sshPort: number;
}

export function planFirewall(cfg: ClusterConfig, plan: ClusterPlan): FirewallPlan {
    const cluster = new Set<number>([NAMESRV_PORT]);
    const client = new Set<number>([NAMESRV_PORT]);
    for (const b of allBrokers(plan)) {
        b.ports.forEach((p) => cluster.add(p));
        // Clients use listenPort, and listenPort-2 when the VIP channel is on.
        client.add(b.listenPort);
        client.add(b.listenPort - 2);
    }
    // A console on loopback is reached through an SSH tunnel: its port stays closed.
    if (plan.dashboardHostIndex !== undefined && cfg.dashboard.listen === "all") client.add(cfg.dashboard.port);
    const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);
    return { clusterPorts: sorted(cluster), clientPorts: sorted(client), sshPort: SSH_PORT };
}
