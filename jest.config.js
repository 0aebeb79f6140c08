/** Unit tests only: the end-to-end suite is a shell driver (tests/e2e/run.sh) around the real engine. */
module.exports = {
    projects: [
        {
            displayName: "unit",
            preset: "ts-jest",
            testEnvironment: "node",
            roots: ["<rootDir>/tests/unit"],
            transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: { warnOnly: false }, isolatedModules: true }] },
        },
    ],
};
