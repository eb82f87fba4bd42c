import { describeSnapshots } from "@chronicle/testing/vitest";
import { InMemoryEventStorageAdapter, InMemoryProjectionStorageAdapter } from "../src/index.js";

describeSnapshots({
  name: "in-memory",
  create: async () => ({ events: new InMemoryEventStorageAdapter(), projections: new InMemoryProjectionStorageAdapter() }),
});
