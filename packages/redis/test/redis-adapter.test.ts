import { allOf, anyOf, EventStore, type NewEvent, positionIs, streamExists, streamIdentifier, streamIsEmpty } from "@chronicle/core";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisEventStorageAdapter } from "../src/index.js";
import { connectRedis, deleteTestKeys, REDIS_URL, storeKeys, uniquePrefix } from "./redis-test-support.js";

let client: Redis;

beforeAll(async () => {
  client = await connectRedis();
});

afterAll(async () => {
  await deleteTestKeys(client);
  client?.disconnect();
});

function newAdapter(options: { keyPrefix?: string; pageSize?: number } = {}): RedisEventStorageAdapter {
  const keyPrefix = options.keyPrefix ?? uniquePrefix("adapter");
  return new RedisEventStorageAdapter({ client }, { ...options, keyPrefix });
}

describe("RedisEventStorageAdapter", () => {
  it("appends, numbers and reads back events on stream, category and log", async () => {
    const store = new EventStore(newAdapter());
    const joe = store.stream("profiles", "joe");
    const created = await joe.publish({ events: [{ name: "created", payload: { name: "Joe" } }], condition: streamIsEmpty() });
    expect(created).toMatchObject([{ name: "created", category: "profiles", stream: "joe", position: 0, sequenceNumber: 1n }]);
    await store.stream("profiles", "jane").publish({ events: [{ name: "created", payload: { name: "Jane" } }] });
    await joe.publish({ events: [{ name: "renamed", payload: { name: "Joseph" } }], condition: positionIs(0) });

    expect((await joe.read()).map((event) => [event.position, event.sequenceNumber, event.name])).toEqual([
      [0, 1n, "created"],
      [1, 3n, "renamed"],
    ]);
    expect((await store.category("profiles").read()).map((event) => event.stream)).toEqual(["joe", "jane", "joe"]);
    expect((await store.log().read({ direction: "backwards" })).map((event) => event.sequenceNumber)).toEqual([3n, 2n, 1n]);
    expect((await store.log().latest())?.payload).toEqual({ name: "Joseph" });
    expect(await store.stream("profiles", "nobody").latest()).toBeUndefined();
  });

  it("returns what it stores exactly: unicode, nesting, metadata and dates", async () => {
    const store = new EventStore(newAdapter());
    const occurredAt = new Date("1969-07-20T20:17:40.123Z");
    const payload = { text: 'héllo \u2028 "quoted", {braces} 🌍', nested: [1, { deep: [null, true, -0.5] }], empty: {} };
    const [published] = await store
      .stream("unicode ✓", 'stream, with "quotes"')
      .publish({ events: [{ name: 'named, "oddly"', payload, metadata: { actor: "Zoë" }, occurredAt }] });
    const [read] = await store.stream("unicode ✓", 'stream, with "quotes"').read();
    expect(read).toEqual(published);
    expect(read?.payload).toEqual(payload);
    expect(read?.occurredAt.toISOString()).toBe(occurredAt.toISOString());
    expect(read?.metadata).toEqual({ actor: "Zoë" });
  });

  it("evaluates nested conditions in the script", async () => {
    const store = new EventStore(newAdapter());
    const stream = store.stream("orders", "1");
    const event = { name: "placed", payload: null };
    await expect(stream.publish({ events: [event], condition: streamExists() })).rejects.toMatchObject({
      code: "UNMET_WRITE_CONDITION",
      latestPosition: undefined,
    });
    await stream.publish({ events: [event], condition: anyOf(streamIsEmpty(), positionIs(3)) });
    await stream.publish({ events: [event], condition: allOf(streamExists(), anyOf(positionIs(7), positionIs(0))) });
    await expect(stream.publish({ events: [event], condition: allOf(streamExists(), positionIs(0)) })).rejects.toMatchObject({
      code: "UNMET_WRITE_CONDITION",
      latestPosition: 1,
    });
    await expect(stream.publish({ events: [event], condition: anyOf() })).rejects.toMatchObject({ code: "UNMET_WRITE_CONDITION" });
    await stream.publish({ events: [event], condition: allOf() });
    expect((await stream.read()).map((stored) => stored.position)).toEqual([0, 1, 2]);
  });

  it("writes several streams atomically, and checks an empty write's condition", async () => {
    const store = new EventStore(newAdapter());
    await store.stream("accounts", "b").publish({ events: [{ name: "opened", payload: {} }] });
    const transfer = (condition = positionIs(0)) =>
      store.publish({
        writes: [
          { target: streamIdentifier("accounts", "a"), events: [{ name: "debited", payload: { amount: 5 } }] },
          { target: streamIdentifier("ledger", "b"), events: [], condition },
        ],
      });
    await expect(transfer(positionIs(4))).rejects.toMatchObject({ code: "UNMET_WRITE_CONDITION" });
    expect(await store.log().read()).toHaveLength(1);
    const [debits, nothing] = await transfer(streamIsEmpty());
    expect(debits).toMatchObject([{ stream: "a", position: 0, sequenceNumber: 2n }]);
    expect(nothing).toEqual([]);
  });

  it("replays a retried write, even with keys in another order, and rejects other reuse of ids", async () => {
    const store = new EventStore(newAdapter());
    const stream = store.stream("carts", "1");
    const events: NewEvent[] = [
      { id: "event-1", name: "added", payload: { sku: "a", quantity: 1 }, metadata: { by: "x" } },
      { id: "event-2", name: "added", payload: { sku: "b", quantity: 2 } },
    ];
    const first = await stream.publish({ events, condition: streamIsEmpty() });
    expect(await stream.publish({ events, condition: streamIsEmpty() })).toEqual(first);
    const [first1, second] = events as [NewEvent, NewEvent];
    const reordered = [{ ...first1, payload: { quantity: 1, sku: "a" } }, second];
    expect(await stream.publish({ events: reordered, condition: streamIsEmpty() })).toEqual(first);

    const duplicate = { code: "DUPLICATE_EVENT_ID" };
    await expect(stream.publish({ events: [{ ...first1, payload: { sku: "c" } }] })).rejects.toMatchObject(duplicate);
    await expect(store.stream("carts", "2").publish({ events })).rejects.toMatchObject(duplicate);
    await expect(stream.publish({ events: [second, first1] })).rejects.toMatchObject(duplicate);
    await expect(stream.publish({ events: [...events, { id: "event-3", name: "added", payload: {} }] })).rejects.toMatchObject(duplicate);
    expect(await store.log().read()).toHaveLength(2);
  });

  it("settles concurrent saves of one adapter independently, each atomic", async () => {
    const store = new EventStore(newAdapter());
    await store.stream("jobs", "shared").publish({ events: [{ name: "created", payload: null }] });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 40 }, (_, index) =>
        store.publish({
          writes: [
            { target: streamIdentifier("jobs", `own-${index}`), events: [{ name: "claimed", payload: { index } }] },
            {
              target: streamIdentifier("jobs", "shared"),
              events: [{ name: "touched", payload: { index } }],
              condition: index % 2 === 0 ? streamExists() : streamIsEmpty(),
            },
          ],
        }),
      ),
    );
    outcomes.forEach((outcome, index) => {
      if (index % 2 === 0) expect(outcome.status).toBe("fulfilled");
      else expect(outcome).toMatchObject({ status: "rejected", reason: { code: "UNMET_WRITE_CONDITION" } });
    });
    const shared = await store.stream("jobs", "shared").read();
    expect(shared.map((event) => event.position)).toEqual(Array.from({ length: 21 }, (_, position) => position));
    for (let index = 0; index < 40; index += 1) {
      expect(await store.stream("jobs", `own-${index}`).read()).toHaveLength(index % 2 === 0 ? 1 : 0);
    }
    const log = await store.log().read();
    expect(log.map((event) => event.sequenceNumber)).toEqual(log.map((_, index) => BigInt(index + 1)));
  });

  it("applies saves made together in the order they were made, though they go out in two script calls", async () => {
    const store = new EventStore(newAdapter());
    const stream = store.stream("orders", "1");
    const placed: NewEvent = { id: "placed-1", name: "placed", payload: { total: 10 } };
    // Made in one turn, these are split between the two calls in flight: each still sees what the ones before it stored.
    const [first, retried, next, stale] = await Promise.allSettled([
      stream.publish({ events: [placed], condition: streamIsEmpty() }),
      stream.publish({ events: [placed], condition: streamIsEmpty() }),
      stream.publish({ events: [{ name: "paid", payload: { total: 10 } }], condition: positionIs(0) }),
      stream.publish({ events: [{ name: "cancelled", payload: null }], condition: positionIs(0) }),
    ]);
    expect(first).toMatchObject({ status: "fulfilled", value: [{ id: "placed-1", position: 0 }] });
    expect(retried).toEqual(first);
    expect(next).toMatchObject({ status: "fulfilled", value: [{ name: "paid", position: 1 }] });
    expect(stale).toMatchObject({ status: "rejected", reason: { code: "UNMET_WRITE_CONDITION", latestPosition: 1 } });
    expect((await stream.read()).map((event) => event.name)).toEqual(["placed", "paid"]);
  });

  it("replays a resent save of generated ids, found by its first id, and still refuses any of them reused", async () => {
    // Every append reaches Redis twice, as when ioredis resends a command whose reply was lost with the connection.
    const resending = {
      call: async (command: string, ...args: (string | number)[]) => {
        const first = await client.call(command, ...args);
        return args.length > 10 ? client.call(command, ...args) : first;
      },
    };
    const store = new EventStore(new RedisEventStorageAdapter({ client: resending }, { keyPrefix: uniquePrefix("resent") }));
    const stream = store.stream("orders", "1");
    const small = await stream.publish({ events: [1, 2, 3].map((index) => ({ name: "placed", payload: { index } })) });
    const large = await stream.publish({
      events: Array.from({ length: 2500 }, (_, index) => ({ name: "line-added", payload: { index } })),
    });
    expect(large.map((event) => event.position)).toEqual(large.map((_, index) => index + 3));
    expect(await stream.read()).toEqual([...small, ...large]);

    const [, second] = small as [unknown, NewEvent];
    const duplicate = { code: "DUPLICATE_EVENT_ID" };
    await expect(store.stream("orders", "2").publish({ events: [{ id: second.id, name: "placed", payload: {} }] })).rejects.toMatchObject(
      duplicate,
    );
    // Sent again as it is stored, one of them replays: every id is indexed, not only the first of each write.
    expect(await stream.publish({ events: [{ id: (large[1] as NewEvent).id, name: "line-added", payload: { index: 1 } }] })).toEqual([
      large[1],
    ]);
    expect(await store.log().read()).toHaveLength(2503);
  });

  it("stores and replays a save larger than the script's command chunks", async () => {
    const store = new EventStore(newAdapter());
    const stream = store.stream("bulk", "1");
    const events = Array.from({ length: 5000 }, (_, index) => ({ id: `bulk-${index}`, name: "loaded", payload: { index } }));
    const stored = await stream.publish({ events, condition: streamIsEmpty() });
    expect(stored.map((event) => event.position)).toEqual(events.map((_, index) => index));
    expect(await stream.publish({ events, condition: streamIsEmpty() })).toEqual(stored);
    expect(await stream.read()).toEqual(stored);
    expect((await store.log().read({ after: 4990n })).map((event) => event.id)).toEqual(events.slice(4990).map((event) => event.id));
  });

  it("filters names on the server and pages through positions and sequence bounds", async () => {
    const store = new EventStore(newAdapter({ pageSize: 7 }));
    const stream = store.stream("ticks", "clock");
    for (let batch = 0; batch < 10; batch += 1) {
      await stream.publish({
        events: Array.from({ length: 10 }, (_, index) => ({ name: index % 3 === 0 ? "fizz" : "tick", payload: { n: batch * 10 + index } })),
      });
    }
    const fizz = await stream.read({ names: ["fizz"] });
    expect(fizz.map((event) => event.position)).toEqual(Array.from({ length: 100 }, (_, n) => n).filter((n) => (n % 10) % 3 === 0));
    expect((await store.log().read({ names: ["fizz"], direction: "backwards", limit: 3 })).map((event) => event.position)).toEqual([
      99, 96, 93,
    ]);
    expect((await stream.read({ fromPosition: 95 })).map((event) => event.position)).toEqual([95, 96, 97, 98, 99]);
    expect((await stream.read({ fromPosition: 10, toPosition: 12, after: 10n })).map((event) => event.position)).toEqual([10, 11, 12]);
    expect((await stream.read({ fromPosition: 10, toPosition: 30, after: 20n, before: 24n })).map((event) => event.position)).toEqual([
      20, 21, 22,
    ]);
    expect((await stream.read({ fromPosition: 200 })).length).toBe(0);
    expect((await stream.read({ toPosition: 2, direction: "backwards" })).map((event) => event.position)).toEqual([2, 1, 0]);
    expect(await store.log().read({ names: ["nothing"] })).toEqual([]);
  });

  it("filters names across many server round trips: rare names and huge events", async () => {
    const store = new EventStore(newAdapter());
    const stream = store.stream("sparse", "1");
    for (let batch = 0; batch < 6; batch += 1) {
      await stream.publish({
        events: Array.from({ length: 1000 }, (_, index) => {
          const position = batch * 1000 + index;
          return { name: position === 10 || position === 5990 ? "rare" : "common", payload: position };
        }),
      });
    }
    // More candidates than one filtered read looks at before handing control back.
    expect((await store.log().read({ names: ["rare"] })).map((event) => event.position)).toEqual([10, 5990]);
    expect((await stream.read({ names: ["rare"], direction: "backwards" })).map((event) => event.position)).toEqual([5990, 10]);
    expect((await stream.read({ names: ["rare"], pageSize: 1 })).map((event) => event.position)).toEqual([10, 5990]);

    const big = "x".repeat(2 * 2 ** 20);
    const huge = store.stream("huge", "1");
    for (let index = 0; index < 12; index += 1)
      await huge.publish({ events: [{ name: index % 2 === 0 ? "even" : "odd", payload: { index, big } }] });
    // More bytes than one filtered read replies with.
    const even = await huge.read({ names: ["even"] });
    expect(even.map((event) => (event.payload as { index: number }).index)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(even.every((event) => (event.payload as { big: string }).big === big)).toBe(true);
    expect(
      (await store.category("huge").read({ names: ["odd"], direction: "backwards", limit: 2 })).map((event) => event.position),
    ).toEqual([11, 9]);
  });

  it("keeps stores with different key prefixes apart, every key in one hash tag", async () => {
    const shared = uniquePrefix("isolation");
    const one = new EventStore(newAdapter({ keyPrefix: shared }));
    const other = new EventStore(newAdapter({ keyPrefix: `${shared}other:` }));
    await one.stream("a", "1").publish({ events: [{ id: "same-id", name: "x", payload: 1 }] });
    await other.stream("a", "1").publish({ events: [{ id: "same-id", name: "y", payload: 2 }] });
    expect((await one.log().read()).map((event) => event.name)).toEqual(["x"]);
    expect((await other.log().read()).map((event) => event.name)).toEqual(["y"]);
    const keys = await storeKeys(client, shared);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(key.startsWith(`{${shared}}`)).toBe(true);
  });

  it("works with glob characters in the key prefix, where SORT's GET pattern cannot be used", async () => {
    const store = new EventStore(newAdapter({ keyPrefix: `${uniquePrefix("glob")}*?[x]:` }));
    await store.stream("a", "1").publish({
      events: [
        { name: "x", payload: 1 },
        { name: "y", payload: 2 },
      ],
    });
    expect((await store.stream("a", "1").read()).map((event) => event.name)).toEqual(["x", "y"]);
    expect((await store.category("a").read({ direction: "backwards" })).map((event) => event.name)).toEqual(["y", "x"]);
  });

  it("leaves a user's client open on close, rejects later calls with CLOSED", async () => {
    const adapter = newAdapter();
    await adapter.save([{ target: streamIdentifier("a", "1"), events: [{ name: "x", payload: 1 }] }]);
    await adapter.close();
    await adapter.close();
    expect(await client.ping()).toBe("PONG");
    await expect(adapter.save([{ target: streamIdentifier("a", "1"), events: [{ name: "x", payload: 1 }] }])).rejects.toMatchObject({
      code: "CLOSED",
    });
    await expect(adapter.latest({ type: "log" })).rejects.toMatchObject({ code: "CLOSED" });
    await expect(adapter.scan({ type: "log" })[Symbol.asyncIterator]().next()).rejects.toMatchObject({ code: "CLOSED" });
  });

  it("quits the client it opened from a URL", async () => {
    const keyPrefix = uniquePrefix("owned");
    const connectionName = `chronicle-owned-${keyPrefix.replace(/[^a-z0-9-]/gi, "")}`;
    const adapter = new RedisEventStorageAdapter({ url: REDIS_URL, redisOptions: { connectionName } }, { keyPrefix });
    await adapter.save([{ target: streamIdentifier("a", "1"), events: [{ name: "x", payload: 1 }] }]);
    expect(String(await client.client("LIST"))).toContain(`name=${connectionName}`);
    await adapter.close();
    await expect.poll(async () => String(await client.client("LIST"))).not.toContain(`name=${connectionName}`);
    await expect(adapter.latest({ type: "log" })).rejects.toMatchObject({ code: "CLOSED" });
  });

  it("reports the server's persistence settings", async () => {
    const adapter = newAdapter();
    const persistence = await adapter.persistence();
    const info = await client.info("persistence");
    expect(persistence.aofEnabled).toBe(info.includes("aof_enabled:1"));
    expect(persistence.info.aof_enabled).toBeDefined();
    const [, appendfsync] = (await client.config("GET", "appendfsync")) as string[];
    expect(persistence.appendfsync).toBe(appendfsync);
  });

  it("records its key layout version once, and refuses a store of another", async () => {
    const adapter = newAdapter();
    await Promise.all([adapter.migrate(), adapter.migrate(), adapter.migrate()]);
    expect(await client.get(`{${adapter.keyPrefix}}format`)).toBe("1");
    await client.set(`{${adapter.keyPrefix}}format`, "999");
    const later = new RedisEventStorageAdapter({ client }, { keyPrefix: adapter.keyPrefix });
    await expect(later.latest({ type: "log" })).rejects.toMatchObject({ code: "INVALID_INPUT" });
  });
});
