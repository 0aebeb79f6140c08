// Reads the stack's `rocketmq:*` config into the plain record validateConfig() checks.
import * as pulumi from "@pulumi/pulumi";
import { ALL_KEYS, KEYS, KeySpec } from "./keys";
import { RawConfig } from "./validate";

/** Every non-secret key the program reads: the key table's (config/keys.ts), which Pulumi.yaml is generated from. */
export const CONFIG_KEYS = ALL_KEYS.filter((k) => !(KEYS[k] as KeySpec).secret);

export function readRawConfig(config: pulumi.Config): RawConfig {
    const raw: RawConfig = {};
    for (const key of CONFIG_KEYS) {
        const v = config.get(key);
        if (v !== undefined) raw[key] = v;
    }
    return raw;
}
