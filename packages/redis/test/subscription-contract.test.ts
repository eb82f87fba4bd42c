import { randomUUID } from "node:crypto";
import { describeSubscriptionSupport } from "@chronicle/testing/vitest";
import { RedisEventStorageAdapter } from "../src/index.js";
import { matchPattern } from "../src/redis-keys.js";
import { subscriptionRunPrefix, subscriptionTestPrefix } from "./fixtures/subscriber-adapter.js";
import { connectRedis, REDIS_URL } from "./redis-test-support.js";

// The crash tests' child processes inherit this, so they open the same key prefixes as the parent.
process.env.CHRONICLE_SUBSCRIPTION_TEST_RUN ??= randomUUID();

describeSubscriptionSupport<RedisEventStorageAdapter>({
  name: "redis",
  // One key prefix per test; adapters opened again for the same test (as another process would) each get a connection of their own.
  create: async ({ testId, serialisationGuarantee }) => {
    const adapter = new RedisEventStorageAdapter({ url: REDIS_URL }, { keyPrefix: subscriptionTestPrefix(testId), serialisationGuarantee });
    await adapter.migrate();
    return adapter;
  },
  process: { module: new URL("./fixtures/subscriber-adapter.ts", import.meta.url) },
  cleanup: async () => {
    const client = await connectRedis();
    try {
      let cursor = "0";
      do {
        const [next, keys] = await client.scan(cursor, "MATCH", matchPattern(`{${subscriptionRunPrefix()}`), "COUNT", 1000);
        cursor = next;
        if (keys.length > 0) await client.unlink(...keys);
      } while (cursor !== "0");
    } finally {
      client.disconnect();
    }
  },
});
