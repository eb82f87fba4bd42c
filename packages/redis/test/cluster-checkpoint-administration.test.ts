import type { Cluster } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { RedisEventStorageAdapter } from "../src/index.js";
import { clusterUnavailableReason, connectCluster, deleteTestKeys, uniquePrefix } from "./redis-test-support.js";

const unavailable = await clusterUnavailableReason();

describe.skipIf(unavailable !== undefined)("Redis checkpoint administration on Redis Cluster", () => {
  let cluster: Cluster | undefined;

  afterAll(async () => {
    if (cluster === undefined) return;
    await deleteTestKeys(cluster);
    cluster.disconnect();
  });

  it("lists checkpoints through the index of names and resets them, every call on keys of one slot", async () => {
    cluster ??= connectCluster();
    const adapter = new RedisEventStorageAdapter({ client: cluster }, { keyPrefix: uniquePrefix("cluster-administration") });
    try {
      const support = adapter.subscriptions;
      for (const [subscription, share, position] of [
        ["b", 0, 4n],
        ["a", 1, 3n],
        ["a", 0, 2n],
      ] as const) {
        expect(await support.writeCheckpoint({ subscription, share, position, expected: undefined })).toBe(true);
      }
      const positions = async () =>
        (await support.listCheckpoints()).map((checkpoint) => [checkpoint.subscription, checkpoint.share, checkpoint.position]);
      expect(await positions()).toEqual([
        ["a", 0, 2n],
        ["a", 1, 3n],
        ["b", 0, 4n],
      ]);
      await support.resetCheckpoint({ subscription: "a", share: 1, position: 0n });
      await support.resetCheckpoint({ subscription: "b", share: 0, position: undefined });
      expect(await positions()).toEqual([
        ["a", 0, 2n],
        ["a", 1, 0n],
      ]);
      expect(await support.listCheckpoints({ subscription: "b" })).toEqual([]);
    } finally {
      await adapter.close();
    }
  });
});
