import { describeEventStorageAdapter } from "@chronicle/testing/vitest";
import { Redis } from "ioredis";
import { RedisEventStorageAdapter } from "../src/index.js";
import { redisOracle } from "./redis-oracle.js";
import { deleteTestKeys, namedPrefix, REDIS_URL } from "./redis-test-support.js";

const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });

describeEventStorageAdapter({
  name: "redis",
  create: async ({ serialisationGuarantee, testId }) => {
    // One key prefix per test: the adapters a test creates for itself share it.
    const keyPrefix = namedPrefix(testId);
    return new RedisEventStorageAdapter({ client }, { keyPrefix, serialisationGuarantee });
  },
  // A connection of its own on the same key prefix, as another process would have.
  reopen: async (_adapter, { serialisationGuarantee, testId }) =>
    new RedisEventStorageAdapter({ url: REDIS_URL }, { keyPrefix: namedPrefix(testId), serialisationGuarantee }),
  cleanup: async () => {
    await deleteTestKeys(client);
    client.disconnect();
  },
  oracle: redisOracle(client),
  concurrent: true,
});
