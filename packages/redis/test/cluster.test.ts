import { EventStore, isChronicleError, positionIs, streamIdentifier } from "@chronicle/core";
import type { Cluster } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { RedisEventStorageAdapter } from "../src/index.js";
import { RedisKeys } from "../src/redis-keys.js";
import { clusterUnavailableReason, connectCluster, deleteTestKeys, uniquePrefix } from "./redis-test-support.js";

const unavailable = await clusterUnavailableReason();

describe.skipIf(unavailable !== undefined)("RedisEventStorageAdapter on Redis Cluster", () => {
  let cluster: Cluster;

  const connected = () => {
    cluster ??= connectCluster();
    return cluster;
  };

  afterAll(async () => {
    if (cluster === undefined) return;
    await deleteTestKeys(cluster);
    cluster.disconnect();
  });

  function newStore(keyPrefix = uniquePrefix("cluster")): EventStore {
    return new EventStore(new RedisEventStorageAdapter({ client: connected() }, { keyPrefix }));
  }

  /** The address of the master serving a key's slot. */
  async function ownerOf(key: string): Promise<string> {
    const slot = Number(await connected().cluster("KEYSLOT", key));
    const ranges = await connected().cluster("SLOTS");
    const [, , master] = ranges.find(([first, last]) => slot >= first && slot <= last) ?? [];
    return master === undefined ? "none" : `${master[0]}:${master[1]}`;
  }

  it("keeps every key of a store in one slot, and spreads several stores over the nodes", async () => {
    const owners = new Map<string, EventStore>();
    for (let attempt = 0; attempt < 200 && owners.size < 3; attempt += 1) {
      const keyPrefix = uniquePrefix("shard");
      const owner = await ownerOf(new RedisKeys(keyPrefix).sequence);
      if (!owners.has(owner)) owners.set(owner, newStore(keyPrefix));
    }
    expect(owners.size).toBe(3);
    for (const [owner, store] of owners) {
      await store.publish({
        writes: [
          { target: streamIdentifier("orders", "1"), events: [{ name: "placed", payload: { owner } }] },
          { target: streamIdentifier("invoices", "1"), events: [{ name: "issued", payload: { owner } }] },
        ],
      });
    }
    for (const [owner, store] of owners) {
      expect((await store.log().read()).map((event) => event.payload)).toEqual([{ owner }, { owner }]);
      const keyPrefix = (store.adapter as RedisEventStorageAdapter).keyPrefix;
      const keys = new RedisKeys(keyPrefix);
      const storeKeys = [keys.sequence, keys.event(1), keys.ids, keys.category("orders"), keys.stream(streamIdentifier("invoices", "1"))];
      const slots = new Set(await Promise.all(storeKeys.map(async (key) => String(await connected().cluster("KEYSLOT", key)))));
      expect(slots.size).toBe(1);
      expect(await ownerOf(keys.sequence)).toBe(owner);
    }
  });

  it("lets exactly one of many writers racing on one position win", async () => {
    const store = newStore();
    const stream = store.stream("race", "one");
    await stream.publish({ events: [{ name: "started", payload: null }] });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 40 }, (_, writer) =>
        stream.publish({ events: [{ name: "won", payload: { writer } }], condition: positionIs(0) }),
      ),
    );
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(1);
    for (const outcome of outcomes) {
      if (outcome.status === "rejected") expect(isChronicleError(outcome.reason, "UNMET_WRITE_CONDITION")).toBe(true);
    }
  });

  it("reloads its scripts on the node that lost them, and reports that node's persistence", async () => {
    const store = newStore();
    await store.stream("a", "1").publish({ events: [{ name: "first", payload: 1 }] });
    await Promise.all(
      connected()
        .nodes("master")
        .map((node) => node.script("FLUSH")),
    );
    await store.stream("a", "1").publish({ events: [{ name: "second", payload: 2 }], condition: positionIs(0) });
    expect((await store.stream("a", "1").read()).map((event) => event.name)).toEqual(["first", "second"]);
    const adapter = store.adapter as RedisEventStorageAdapter;
    const owner = await ownerOf(new RedisKeys(adapter.keyPrefix).sequence);
    const node = connected()
      .nodes("master")
      .find((candidate) => `${candidate.options.host}:${candidate.options.port}` === owner);
    const info = await node?.info("persistence");
    const persistence = await adapter.persistence();
    expect(persistence.info.aof_enabled).toBeDefined();
    expect(info).toContain(`aof_enabled:${persistence.info.aof_enabled}`);
    expect(info).toContain(`rdb_changes_since_last_save:${persistence.rdbChangesSinceLastSave}`);
  });
});
