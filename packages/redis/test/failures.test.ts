import { createServer } from "node:net";
import { EventStore, isChronicleError, type NewEvent, streamIdentifier } from "@chronicle/core";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisEventStorageAdapter } from "../src/index.js";
import { RedisKeys } from "../src/redis-keys.js";
import { connectRedis, deleteTestKeys, REDIS_URL, startOutageProxy, storeKeys, uniquePrefix } from "./redis-test-support.js";

let admin: Redis;

beforeAll(async () => {
  admin = await connectRedis();
});

afterAll(async () => {
  await deleteTestKeys(admin);
  admin?.disconnect();
});

function newPrefix(label: string): string {
  const keyPrefix = uniquePrefix(label);
  return keyPrefix;
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** Every key of a store with its type and content, to prove a failed call changed nothing. */
async function snapshot(keyPrefix: string): Promise<Record<string, unknown>> {
  const result: Record<string, unknown> = {};
  for (const key of await storeKeys(admin, keyPrefix)) {
    const type = await admin.type(key);
    if (type === "string") result[key] = await admin.get(key);
    else if (type === "hash") result[key] = await admin.hgetall(key);
    else if (type === "zset") result[key] = await admin.zrange(key, 0, -1, "WITHSCORES");
    else result[key] = type;
  }
  return result;
}

function savesOfThreeEvents(count: number): NewEvent[][] {
  return Array.from({ length: count }, (_, index) =>
    Array.from({ length: 3 }, (_, event): NewEvent => ({ id: `save-${index}-${event}`, name: "appended", payload: { index, event } })),
  );
}

/** Every event of `saves` stored exactly once, with contiguous positions in each stream. */
async function expectEveryEventOnce(store: EventStore, saves: readonly NewEvent[][]): Promise<void> {
  const log = await store.log().read();
  expect(log.map((event) => event.id).sort()).toEqual(
    saves
      .flat()
      .map((event) => event.id)
      .sort(),
  );
  expect(log.map((event) => event.sequenceNumber)).toEqual(log.map((_, index) => BigInt(index + 1)));
  for (let stream = 0; stream < 7; stream += 1) {
    const positions = (await store.stream("outage", `stream-${stream}`).read()).map((event) => event.position);
    expect(positions).toEqual(positions.map((_, index) => index));
  }
}

function expectUnavailable(error: unknown): void {
  expect(isChronicleError(error, "UNAVAILABLE")).toBe(true);
  expect((error as { retryable: boolean }).retryable).toBe(true);
  expect((error as { cause: unknown }).cause).toBeInstanceOf(Error);
}

describe("RedisEventStorageAdapter when Redis fails", () => {
  it("rejects with UNAVAILABLE when Redis cannot be reached", async () => {
    const port = await closedPort();
    const client = new Redis({ host: "127.0.0.1", port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    client.on("error", () => {});
    const adapter = new RedisEventStorageAdapter({ client }, { keyPrefix: newPrefix("refused") });
    const saving = adapter.save([{ target: streamIdentifier("a", "1"), events: [{ name: "x", payload: 1 }] }]);
    await expect(saving).rejects.toSatisfy((error) => {
      expectUnavailable(error);
      return true;
    });
    await expect(adapter.latest({ type: "log" })).rejects.toMatchObject({ code: "UNAVAILABLE", retryable: true });
    client.disconnect();

    const owned = new RedisEventStorageAdapter(
      { url: `redis://127.0.0.1:${port}`, redisOptions: { retryStrategy: () => null, maxRetriesPerRequest: 0 } },
      { keyPrefix: newPrefix("refused") },
    );
    await expect(owned.persistence()).rejects.toMatchObject({ code: "UNAVAILABLE" });
    await owned.close();
  });

  it("surfaces a script error as UNAVAILABLE with nothing half-written", async () => {
    const keyPrefix = newPrefix("wrongtype");
    const keys = new RedisKeys(keyPrefix);
    const store = new EventStore(new RedisEventStorageAdapter({ client: admin }, { keyPrefix }));
    await store.stream("fine", "1").publish({ events: [{ name: "first", payload: 1 }] });
    const save = () =>
      store.publish({
        writes: [
          { target: streamIdentifier("fine", "1"), events: [{ id: "retry-me", name: "second", payload: 2 }] },
          { target: streamIdentifier("broken", "1"), events: [{ name: "third", payload: 3 }] },
        ],
      });
    // A key of the wrong type makes a Redis command inside the script fail.
    for (const key of [keys.category("broken"), keys.stream(streamIdentifier("broken", "1")), keys.sequence, keys.ids]) {
      const original = await admin.dumpBuffer(key);
      await admin.del(key);
      await admin.sadd(key, "a set, which no key of a store is");
      const before = await snapshot(keyPrefix);
      await expect(save()).rejects.toSatisfy((error) => {
        expectUnavailable(error);
        expect((error as Error).message).toMatch(/WRONGTYPE|ERR/);
        return true;
      });
      expect(await snapshot(keyPrefix)).toEqual(before);
      await admin.del(key);
      if (original !== null) await admin.restore(key, 0, original);
    }
    const [second, third] = await save();
    expect(second?.[0]).toMatchObject({ position: 1, sequenceNumber: 2n });
    expect(third?.[0]).toMatchObject({ position: 0, sequenceNumber: 3n });
  });

  it("leaves every save whole or absent when the network drops mid-run, and a retry completes it", async () => {
    const keyPrefix = newPrefix("outage");
    const proxy = await startOutageProxy();
    const client = new Redis({ host: "127.0.0.1", port: proxy.port, maxRetriesPerRequest: 1, retryStrategy: () => 20 });
    client.on("error", () => {});
    const store = new EventStore(new RedisEventStorageAdapter({ client }, { keyPrefix }));
    await store.log().latest();

    const saves = savesOfThreeEvents(600);
    const failed: number[] = [];
    let outage: Promise<void> | undefined;
    await Promise.all(
      Array.from({ length: 8 }, async (_, worker) => {
        for (let index = worker; index < saves.length; index += 8) {
          if (index >= 200 && outage === undefined) {
            outage = proxy.cut().then(async () => {
              await new Promise((resolve) => setTimeout(resolve, 200));
              await proxy.restore();
            });
          }
          try {
            await store.stream("outage", `stream-${index % 7}`).publish({ events: saves[index] as NewEvent[] });
          } catch (error) {
            expectUnavailable(error);
            failed.push(index);
          }
        }
      }),
    );
    await outage;
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.length).toBeLessThan(saves.length);

    const storedIds = new Set((await store.log().read()).map((event) => event.id));
    for (const [index, events] of saves.entries()) {
      const present = events.filter((event) => storedIds.has(event.id as string)).length;
      expect([0, 3]).toContain(present);
      if (!failed.includes(index)) expect(present).toBe(3);
    }
    // Some failed saves were committed before their reply was lost: the retry replays those.
    for (const index of failed) await store.stream("outage", `stream-${index % 7}`).publish({ events: saves[index] as NewEvent[] });
    await expectEveryEventOnce(store, saves);
    client.disconnect();
    await proxy.close();
  });

  it("applies each save once when its connection is killed and ioredis resends what was in flight", async () => {
    const keyPrefix = newPrefix("killed");
    const client = new Redis(REDIS_URL);
    client.on("error", () => {});
    const store = new EventStore(new RedisEventStorageAdapter({ client }, { keyPrefix }));
    await store.log().latest();
    const connectionId = String(await client.client("ID"));
    const saves = savesOfThreeEvents(400);
    let killed = false;
    await Promise.all(
      Array.from({ length: 8 }, async (_, worker) => {
        for (let index = worker; index < saves.length; index += 8) {
          if (index >= 150 && !killed) {
            killed = true;
            await admin.client("KILL", "ID", connectionId);
          }
          await store.stream("outage", `stream-${index % 7}`).publish({ events: saves[index] as NewEvent[] });
        }
      }),
    );
    expect(String(await client.client("ID"))).not.toBe(connectionId);
    await expectEveryEventOnce(store, saves);
    client.disconnect();
  });

  it("stores nothing when the signal is aborted before the script is sent", async () => {
    const keyPrefix = newPrefix("aborted");
    const store = new EventStore(new RedisEventStorageAdapter({ client: admin }, { keyPrefix }));
    const controller = new AbortController();
    controller.abort(new Error("changed my mind"));
    await expect(store.stream("a", "1").publish({ events: [{ name: "x", payload: 1 }], signal: controller.signal })).rejects.toThrow(
      "changed my mind",
    );
    expect(await store.log().read()).toEqual([]);
  });
});
