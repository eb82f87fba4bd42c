import { describeEventStorageAdapter } from "@chronicle/testing/vitest";
import { describe, it } from "vitest";
import { RedisEventStorageAdapter } from "../src/index.js";
import { redisOracle } from "./redis-oracle.js";
import { clusterUnavailableReason, connectCluster, deleteTestKeys, namedPrefix } from "./redis-test-support.js";

const unavailable = await clusterUnavailableReason();

if (unavailable === undefined) {
  const cluster = connectCluster();

  describeEventStorageAdapter({
    name: "redis cluster",
    create: async ({ serialisationGuarantee, testId }) => {
      // One key prefix per test: the adapters a test creates for itself share it.
      const keyPrefix = namedPrefix(testId);
      return new RedisEventStorageAdapter({ client: cluster }, { keyPrefix, serialisationGuarantee });
    },
    cleanup: async () => {
      await deleteTestKeys(cluster);
      cluster.disconnect();
    },
    oracle: redisOracle(cluster),
    concurrent: true,
  });
} else {
  describe("redis cluster: event storage adapter contract", () => {
    it.skip(unavailable, () => {});
  });
}
