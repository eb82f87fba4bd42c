import { defineConfig } from "vitest/config";

// One run over every package: `pnpm test` at the root. Each package's own
// vitest.config.ts resolves workspace packages to their TypeScript sources.
export default defineConfig({
  test: {
    projects: ["packages/*", "examples/custom-adapter"],
  },
});
