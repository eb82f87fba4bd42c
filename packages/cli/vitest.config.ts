import { chronicleVitestConfig } from "@chronicle/vitest-config";

// The tests run the real command in child processes against real databases.
export default chronicleVitestConfig({ name: "cli", testTimeout: 120_000 });
