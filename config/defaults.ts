// The one place each default lives: the stack's validation (config/validate.ts), the components'
// own args (components/) and Pulumi.yaml all use these (tests/unit/pulumiYaml.test.ts checks the
// last against the first).
import { DEFAULT_VERSION } from "./schema";

export const DEFAULTS = {
    version: DEFAULT_VERSION,
    clusterName: "rocketmq-cluster",
    appRoot: "/app",
    storeRoot: "/app/rocketmq",
    serviceUser: "oper",
    namesrvHeap: "512m",
    /** The stack sizes broker heaps from host memory (`auto`); a lone component cannot, so 1g. */
    componentBrokerHeap: "1g",
    ioScheduler: "mq-deadline",
    startTimeoutSeconds: 180,
    masterPort: 10911,
    slavePort: 11011,
    dledgerListenPort: 30911,
    dledgerPort: 40911,
    dledgerGroup: "RaftNode00",
} as const;

/** Kernel settings from upstream's os.sh and the guide's section 9.3 (swappiness per the guide). */
export const DEFAULT_SYSCTL: Record<string, string> = {
    "vm.overcommit_memory": "1",
    "vm.zone_reclaim_mode": "0",
    "vm.max_map_count": "655360",
    "vm.dirty_background_ratio": "50",
    "vm.dirty_ratio": "50",
    "vm.dirty_writeback_centisecs": "360000",
    "vm.page-cluster": "3",
    "vm.swappiness": "10",
};
