/** Jest runs the TypeScript sources through swc; integration suites share the
 * services that `.ci/run` starts, so files run one at a time. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022" } }] },
  testTimeout: 60_000,
  reporters: ["default", "<rootDir>/test/setup/summary-reporter.js"],
  globalSetup: "<rootDir>/test/setup/services.ts",
};
