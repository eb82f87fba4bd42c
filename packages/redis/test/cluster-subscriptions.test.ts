import { EventStore, type WakeUpHint } from "@chronicle/core";
import type { Cluster } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { RedisEventStorageAdapter } from "../src/index.js";
import { clusterUnavailableReason, connectCluster, deleteTestKeys, uniquePrefix } from "./redis-test-support.js";

const unavailable = await clusterUnavailableReason();

describe.skipIf(unavailable !== undefined)("Redis subscription support on Redis Cluster", () => {
  let cluster: Cluster | undefined;

  afterAll(async () => {
    if (cluster === undefined) return;
    await deleteTestKeys(cluster);
    cluster.disconnect();
  });

  it("keeps checkpoints, leases and heartbeats on Redis Cluster, and hears saves through pub/sub", async () => {
    cluster ??= connectCluster();
    const keyPrefix = uniquePrefix("cluster-subscriptions");
    const adapter = new RedisEventStorageAdapter({ client: cluster }, { keyPrefix });
    try {
      const support = adapter.subscriptions;
      expect(await support.writeCheckpoint({ subscription: "s", share: 1, position: 3n, expected: undefined })).toBe(true);
      expect((await support.readCheckpoint({ subscription: "s", share: 1 }))?.position).toBe(3n);
      const lease = await support.acquireLease({ subscription: "s", share: 1, member: "m", leaseMs: 10_000 });
      expect(lease?.epoch).toBe(1);
      expect(await support.writeCheckpoint({ subscription: "s", share: 1, position: 4n, expected: 3n, epoch: 1 })).toBe(true);
      expect(await support.heartbeat({ subscription: "s", member: "m", ttlMs: 10_000 })).toEqual(["m"]);

      const hints: WakeUpHint[] = [];
      const stop = await support.listen((hint) => hints.push(hint));
      const [event] = await new EventStore(adapter).stream("orders", "1").publish({ events: [{ name: "placed", payload: {} }] });
      const deadline = Date.now() + 10_000;
      while (!hints.some((hint) => hint.sequenceNumber === event?.sequenceNumber) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(hints.some((hint) => hint.sequenceNumber === event?.sequenceNumber)).toBe(true);
      await stop();
    } finally {
      await adapter.close();
    }
  });
});
