import { randomUUID } from "node:crypto";
import { describeEventStorageAdapter } from "@chronicle/testing/vitest";
import { describe, it } from "vitest";
import { RedisEventStorageAdapter } from "../src/index.js";
import { redisOracle } from "./redis-oracle.js";
import { clusterUnavailableReason, connectCluster, deleteStore } from "./redis-test-support.js";

const unavailable = await clusterUnavailableReason();

if (unavailable === undefined) {
  const cluster = connectCluster();
  // One key prefix per test, so the stores of one run spread over the cluster's nodes.
  const run = `chronicle-contract:${randomUUID()}:`;
  const prefixes = new Set<string>();

  describeEventStorageAdapter({
    name: "redis cluster",
    create: async ({ serialisationGuarantee, testId }) => {
      const keyPrefix = `${run}${testId}:`;
      prefixes.add(keyPrefix);
      return new RedisEventStorageAdapter({ client: cluster }, { keyPrefix, serialisationGuarantee });
    },
    cleanup: async () => {
      for (const keyPrefix of prefixes) await deleteStore(cluster, keyPrefix);
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
