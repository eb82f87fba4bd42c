import { describeProjectionStorageAdapter } from "@chronicle/testing/vitest";
import { InMemoryProjectionStorageAdapter } from "../src/index.js";

describeProjectionStorageAdapter({
  name: "in-memory",
  create: async () => new InMemoryProjectionStorageAdapter(),
});
