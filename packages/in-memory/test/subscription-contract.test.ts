import { describeSubscriptionSupport } from "@chronicle/testing/vitest";
import { InMemoryEventStorageAdapter } from "../src/index.js";

describeSubscriptionSupport({
  name: "in-memory",
  // In-memory storage cannot be opened again from another adapter or process: it declares durable: false,
  // which gates the tests that need that off.
  create: async ({ serialisationGuarantee }) => new InMemoryEventStorageAdapter({ serialisationGuarantee }),
});
