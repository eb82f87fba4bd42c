import { defineConfig } from "vitest/config";

// Vite's default server conditions, with the source condition first.
const conditions = ["@chronicle/source", "module", "node", "development|production"];

/**
 * Test settings shared by every package: workspace packages resolve through the
 * `@chronicle/source` export condition to their TypeScript sources, so tests on a
 * fresh clone never depend on a stale or missing `dist/`.
 *
 * @param {{ name: string; testTimeout?: number; fileParallelism?: boolean }} options
 */
export function chronicleVitestConfig(options) {
  return defineConfig({
    resolve: { conditions },
    ssr: { resolve: { conditions } },
    test: {
      name: options.name,
      include: ["test/**/*.test.ts", "src/**/*.test.ts"],
      testTimeout: options.testTimeout ?? 30_000,
      hookTimeout: 60_000,
      fileParallelism: options.fileParallelism ?? true,
    },
  });
}
