/** Unit tests: fast, no root, no hosts. The end-to-end suite is tests/e2e/run.sh (bash). */
module.exports = {
    preset: "ts-jest",
    testEnvironment: "node",
    roots: ["<rootDir>/tests/unit"],
    transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: { warnOnly: false } }] },
};
