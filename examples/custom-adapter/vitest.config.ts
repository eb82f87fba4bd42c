import { defineConfig } from "vitest/config";

// Inside the Chronicle repository, "@chronicle/source" resolves Chronicle's packages
// to their TypeScript sources; published packages do not have that condition, so
// in a repository of your own it changes nothing and may be deleted.
const conditions = ["@chronicle/source", "module", "node", "development|production"];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    name: "custom-adapter",
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
  },
});
