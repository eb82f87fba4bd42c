import { describeSnapshots } from "@chronicle/testing/vitest";
import { Redis } from "ioredis";
import { RedisEventStorageAdapter, RedisProjectionStorageAdapter } from "../src/index.js";
import { deleteTestKeys, namedPrefix, REDIS_URL } from "./redis-test-support.js";

const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });

// Events and projections under one key prefix, as an application keeps them.
describeSnapshots({
  name: "redis",
  create: async ({ testId }) => {
    const keyPrefix = namedPrefix(`snapshots-${testId}`);
    return {
      events: new RedisEventStorageAdapter({ client }, { keyPrefix }),
      projections: new RedisProjectionStorageAdapter({ client }, { keyPrefix }),
    };
  },
  cleanup: async () => {
    await deleteTestKeys(client);
    client.disconnect();
  },
});
