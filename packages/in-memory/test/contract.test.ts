import { describeEventStorageAdapter } from "@chronicle/testing/vitest";
import { InMemoryEventStorageAdapter } from "../src/index.js";

describeEventStorageAdapter({
  name: "in-memory",
  create: async ({ serialisationGuarantee }) => new InMemoryEventStorageAdapter({ serialisationGuarantee }),
});
