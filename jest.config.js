/** unit: fast, no root. hosts: real SSH hosts and RocketMQ (tests/hosts/run.sh sets them up). */
module.exports = {
    projects: [
        {
            displayName: "unit",
            preset: "ts-jest",
            testEnvironment: "node",
            roots: ["<rootDir>/tests/unit"],
            transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: { warnOnly: false } }] },
        },
        {
            displayName: "hosts",
            preset: "ts-jest",
            testEnvironment: "node",
            roots: ["<rootDir>/tests/hosts"],
            transform: { "^.+\\.ts$": ["ts-jest", {}] },
        },
    ],
};
