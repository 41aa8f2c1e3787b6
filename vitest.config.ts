import { defineConfig } from "vitest/config";

// Unit tests sit beside the code (src/**/*.test.ts); integration and end-to-end
// tests live in test/. E2E tests start the compiled binary and real clients, so
// they get generous timeouts; no test asserts on speed (that is bench/'s job).
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    reporters: ["default"],
  },
});
