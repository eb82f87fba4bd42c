import { EventStore, isChronicleError, type WakeUpHint } from "@chronicle/core";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisEventStorageAdapter } from "../src/index.js";
import { connectRedis, deleteTestKeys, REDIS_URL, startOutageProxy, uniquePrefix } from "./redis-test-support.js";

let admin: Redis;

beforeAll(async () => {
  admin = await connectRedis();
});

afterAll(async () => {
  await deleteTestKeys(admin);
  admin?.disconnect();
});

function openAdapter(keyPrefix = uniquePrefix("subscriptions")): RedisEventStorageAdapter {
  return new RedisEventStorageAdapter({ url: REDIS_URL }, { keyPrefix });
}

/** Waits until `predicate` holds, checking every 10 ms, for at most `ms`. */
async function until(predicate: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function publishOne(store: EventStore, stream: string): Promise<bigint> {
  const [event] = await store.stream("orders", stream).publish({ events: [{ name: "placed", payload: {} }] });
  return (event as { sequenceNumber: bigint }).sequenceNumber;
}

describe("Redis subscription support", () => {
  it("declares durable, notifying, consumer-group support without transactions, and subscribe refuses transactional", async () => {
    const adapter = openAdapter();
    try {
      expect(adapter.capabilities.subscriptions).toEqual({
        durable: true,
        transactional: false,
        notifications: true,
        consumerGroups: true,
      });
      expect("runInTransaction" in adapter.subscriptions).toBe(false);
      const store = new EventStore(adapter);
      let caught: unknown;
      try {
        store.subscribe({ name: "tx", source: store.log(), transactional: true, handler: async () => {} } as never);
      } catch (error) {
        caught = error;
      }
      expect(isChronicleError(caught) && caught.code).toBe("INVALID_INPUT");
    } finally {
      await adapter.close();
    }
  });

  it("delivers a hint carrying the sequence number for a save through another adapter", async () => {
    const keyPrefix = uniquePrefix("hints");
    const listening = openAdapter(keyPrefix);
    const saving = openAdapter(keyPrefix);
    try {
      const hints: WakeUpHint[] = [];
      const stop = await listening.subscriptions.listen((hint) => hints.push(hint));
      const sequenceNumber = await publishOne(new EventStore(saving), "a");
      await until(() => hints.some((hint) => hint.sequenceNumber === sequenceNumber));
      await stop();
      const before = hints.length;
      await publishOne(new EventStore(saving), "a");
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(hints.length).toBe(before);
    } finally {
      await listening.close();
      await saving.close();
    }
  });

  it("resubscribes after its pub/sub connection is killed, and hints resume", async () => {
    const keyPrefix = uniquePrefix("reconnect");
    const connectionName = `chronicle-test-sub-${process.pid}-${Date.now()}`;
    const client = new Redis(REDIS_URL, { connectionName });
    client.on("error", () => {});
    const listening = new RedisEventStorageAdapter({ client }, { keyPrefix });
    const saving = openAdapter(keyPrefix);
    try {
      const hints: WakeUpHint[] = [];
      const stop = await listening.subscriptions.listen((hint) => hints.push(hint));
      const clients = String(await admin.client("LIST"))
        .split("\n")
        .filter((line) => line.includes(`name=${connectionName} `) && / flags=\S*P/.test(line));
      expect(clients).toHaveLength(1);
      const id = /^id=(\d+)/.exec(clients[0] as string)?.[1] as string;
      expect(await admin.client("KILL", "ID", id)).toBe(1);
      // A spurious hint follows the reconnect, so a subscription rescans what it may have missed.
      await until(() => hints.some((hint) => hint.sequenceNumber === undefined));
      const sequenceNumber = await publishOne(new EventStore(saving), "b");
      await until(() => hints.some((hint) => hint.sequenceNumber === sequenceNumber));
      await stop();
    } finally {
      await listening.close();
      await saving.close();
      client.disconnect();
    }
  });

  it("wakes a subscription in another adapter faster than its poll interval, also after the pub/sub connection is cut", async () => {
    const keyPrefix = uniquePrefix("wake");
    const proxy = await startOutageProxy();
    const listening = new RedisEventStorageAdapter({ url: `redis://127.0.0.1:${proxy.port}` }, { keyPrefix });
    const saving = openAdapter(keyPrefix);
    try {
      const store = new EventStore(listening);
      const seen: bigint[] = [];
      const subscription = store.subscribe({
        name: "wake",
        source: store.log(),
        pollIntervalMs: 60_000,
        handler: (event) => {
          seen.push(event.sequenceNumber);
        },
      });
      await subscription.caughtUp();
      const first = await publishOne(new EventStore(saving), "c");
      await until(() => seen.includes(first));
      await proxy.cut();
      await new Promise((resolve) => setTimeout(resolve, 300));
      await proxy.restore();
      // Give ioredis time to reconnect both connections before the next save.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const second = await publishOne(new EventStore(saving), "c");
      await until(() => seen.includes(second), 20_000);
      await subscription.close();
    } finally {
      await listening.close();
      await saving.close();
      await proxy.close();
    }
  }, 40_000);

  it("fences checkpoint writes by the lease's epoch once the share changes hands", async () => {
    const keyPrefix = uniquePrefix("fencing");
    const adapter = openAdapter(keyPrefix);
    const other = openAdapter(keyPrefix);
    try {
      const support = adapter.subscriptions;
      const first = await support.acquireLease({ subscription: "g", share: 3, member: "a", leaseMs: 50 });
      expect(first?.epoch).toBe(1);
      expect(await support.writeCheckpoint({ subscription: "g", share: 3, position: 5n, expected: undefined, epoch: 1 })).toBe(true);
      // Held and unexpired: another member cannot take it.
      expect(await other.subscriptions.acquireLease({ subscription: "g", share: 3, member: "b", leaseMs: 60_000 })).toBe(undefined);
      await new Promise((resolve) => setTimeout(resolve, 120));
      const taken = await other.subscriptions.acquireLease({
        subscription: "g",
        share: 3,
        member: "b",
        leaseMs: 60_000,
      });
      expect(taken?.epoch).toBe(2);
      // The old holder is fenced off: no write, no renewal, no release.
      expect(await support.writeCheckpoint({ subscription: "g", share: 3, position: 9n, expected: 5n, epoch: 1 })).toBe(false);
      expect(
        await support.renewLease({
          subscription: "g",
          share: 3,
          member: "a",
          epoch: 1,
          leaseMs: 1000,
        }),
      ).toBe(undefined);
      expect(await support.releaseLease({ subscription: "g", share: 3, member: "a", epoch: 1 })).toBe(false);
      expect((await support.readCheckpoint({ subscription: "g", share: 3 }))?.position).toBe(5n);
      expect(await other.subscriptions.writeCheckpoint({ subscription: "g", share: 3, position: 9n, expected: 5n, epoch: 2 })).toBe(true);
      // Never backwards, even with the right epoch and expectation.
      expect(await other.subscriptions.writeCheckpoint({ subscription: "g", share: 3, position: 7n, expected: 9n, epoch: 2 })).toBe(false);
      // Leaving releases the lease; the next holder gets a greater epoch.
      await other.subscriptions.leaveGroup({ subscription: "g", member: "b" });
      expect(await support.listLeases("g")).toEqual([]);
      expect((await support.acquireLease({ subscription: "g", share: 3, member: "a", leaseMs: 1000 }))?.epoch).toBe(3);
    } finally {
      await adapter.close();
      await other.close();
    }
  });

  it("keeps checkpoints of positions beyond 2^53 exact, and lists parked events in sequence order across keyset pages", async () => {
    const adapter = openAdapter();
    try {
      const support = adapter.subscriptions;
      const big = 2n ** 60n + 1n;
      expect(await support.writeCheckpoint({ subscription: "s", share: 0, position: big, expected: undefined })).toBe(true);
      expect(await support.writeCheckpoint({ subscription: "s", share: 0, position: big - 1n, expected: big })).toBe(false);
      expect(await support.writeCheckpoint({ subscription: "s", share: 0, position: big + 9n, expected: big })).toBe(true);
      expect((await support.readCheckpoint({ subscription: "s", share: 0 }))?.position).toBe(big + 9n);
      const at = new Date("2026-01-02T03:04:05.678Z");
      for (const sequenceNumber of [30n, 10n, 20n]) {
        await support.park({
          subscription: "s",
          event: {
            id: `e${sequenceNumber}`,
            name: "n",
            category: "c",
            stream: "x",
            position: 0,
            sequenceNumber,
            payload: { text: "é|\u0000" },
            metadata: {},
            occurredAt: at,
            observedAt: at,
          },
          error: { name: "Error", message: "boom" },
          attempts: 3,
          parkedAt: at,
        });
      }
      const all = await support.listParked({ subscription: "s" });
      expect(all.map((entry) => entry.event.sequenceNumber)).toEqual([10n, 20n, 30n]);
      expect(all[0]?.event.payload).toEqual({ text: "é|\u0000" });
      expect(all[0]?.parkedAt).toEqual(at);
      expect((await support.listParked({ subscription: "s", after: 10n, limit: 1 })).map((entry) => entry.event.id)).toEqual(["e20"]);
      expect(await support.removeParked("s", ["e10", "missing", "e30"])).toBe(2);
      expect((await support.listParked({ subscription: "s" })).map((entry) => entry.event.id)).toEqual(["e20"]);
    } finally {
      await adapter.close();
    }
  });

  it("rejects every method with CLOSED after close, and UNAVAILABLE when Redis cannot be reached", async () => {
    const adapter = openAdapter();
    await adapter.close();
    for (const call of [
      () => adapter.subscriptions.readCheckpoint({ subscription: "s", share: 0 }),
      () => adapter.subscriptions.listParked({ subscription: "s" }),
      () => adapter.subscriptions.listen(() => {}),
      () => adapter.subscriptions.heartbeat({ subscription: "s", member: "m", ttlMs: 1000 }),
    ]) {
      await expect(call()).rejects.toMatchObject({ code: "CLOSED" });
    }
    const proxy = await startOutageProxy();
    const unreachable = new RedisEventStorageAdapter(
      { url: `redis://127.0.0.1:${proxy.port}`, redisOptions: { maxRetriesPerRequest: 0, retryStrategy: () => null } },
      { keyPrefix: uniquePrefix("unreachable") },
    );
    try {
      await proxy.cut();
      await expect(unreachable.subscriptions.readCheckpoint({ subscription: "s", share: 0 })).rejects.toMatchObject({
        code: "UNAVAILABLE",
      });
    } finally {
      await unreachable.close();
      await proxy.close();
    }
  });
});
