import type { UserConfig } from "vitest/config";

/** Test settings shared by every package; see index.js. */
export declare function chronicleVitestConfig(options: { name: string; testTimeout?: number; fileParallelism?: boolean }): UserConfig;
