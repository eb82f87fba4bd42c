import { describeProjectionStorageAdapter } from "@chronicle/testing/vitest";
import { Redis } from "ioredis";
import { describe, it } from "vitest";
import { RedisProjectionStorageAdapter } from "../src/index.js";
import { readRawProjections } from "./redis-projection-oracle.js";
import {
  clusterUnavailableReason,
  connectCluster,
  deleteTestKeys,
  namedPrefix,
  PROJECTION_TEST_DB,
  REDIS_URL,
} from "./redis-test-support.js";

const client = new Redis(REDIS_URL, { db: PROJECTION_TEST_DB, maxRetriesPerRequest: 1 });

describeProjectionStorageAdapter({
  name: "redis",
  // One key prefix per test id; migrating is left to first use, so the migrate group sees it.
  create: async ({ testId }) => new RedisProjectionStorageAdapter({ client }, { keyPrefix: namedPrefix(`projections:${testId}`) }),
  cleanup: async () => {
    await deleteTestKeys(client);
    client.disconnect();
  },
  oracle: { readAll: (adapter) => readRawProjections(client, adapter.keyPrefix) },
  concurrent: true,
});

const unavailable = await clusterUnavailableReason();

if (unavailable === undefined) {
  const cluster = connectCluster();

  describeProjectionStorageAdapter({
    name: "redis cluster",
    create: async ({ testId }) =>
      new RedisProjectionStorageAdapter({ client: cluster }, { keyPrefix: namedPrefix(`cluster-projections:${testId}`) }),
    cleanup: async () => {
      await deleteTestKeys(cluster);
      cluster.disconnect();
    },
    oracle: { readAll: (adapter) => readRawProjections(cluster, adapter.keyPrefix) },
    concurrent: true,
  });
} else {
  describe("redis cluster: projection storage adapter contract", () => {
    it.skip(unavailable, () => {});
  });
}
