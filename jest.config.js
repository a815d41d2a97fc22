/** @type {import('jest').Config} */
module.exports = {
  // The node environment, which also writes out the statements each file sent (the routability check, test/routability/).
  testEnvironment: "<rootDir>/test/routability/environment.ts",
  setupFilesAfterEnv: ["<rootDir>/test/routability/setup.ts"],
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] },
  globalSetup: "<rootDir>/test/helpers/global-setup.ts",
  globalTeardown: "<rootDir>/test/helpers/global-teardown.ts",
  reporters: ["default", "<rootDir>/test/helpers/summary-reporter.js"],
  // A ceiling against a hang, not a budget: on a busy 2-core machine (load average 20+) the tenant-isolation
  // probes take minutes; tests wait for conditions, never for a wall-clock time.
  testTimeout: 15 * 60 * 1000,
  // Each file gets its own database; two workers suit the 2-core machines this runs on.
  maxWorkers: 2,
};
