import { defineConfig } from "vitest/config";

// PKCS#11 allows one initialisation per process: the default `forks` pool gives each
// test file its own process, which the integration tests rely on.
export default defineConfig({
  test: {
    pool: "forks",
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
