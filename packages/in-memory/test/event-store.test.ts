import {
  allOf,
  anyOf,
  type Clock,
  EventStore,
  isChronicleError,
  type JsonValue,
  positionIs,
  type StoredEvent,
  streamExists,
  streamIdentifier,
  streamIsEmpty,
  UnmetWriteConditionError,
} from "@chronicle/core";
import { describe, expect, it } from "vitest";
import { InMemoryEventStorageAdapter } from "../src/index.js";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function fixedClock(iso: string): Clock {
  return { now: () => new Date(iso) };
}

function newStore(options: { storeClock?: Clock; adapterClock?: Clock } = {}) {
  const adapter = new InMemoryEventStorageAdapter(options.adapterClock === undefined ? {} : { clock: options.adapterClock });
  const store = new EventStore(adapter, options.storeClock === undefined ? {} : { clock: options.storeClock });
  return { adapter, store };
}

/** profiles/joe: 0 created, 1 renamed, 2 verified; profiles/jane: 0 created; orders/o-1: 0 placed, 1 paid. */
async function seeded() {
  const { adapter, store } = newStore();
  await store.stream("profiles", "joe").publish({
    events: [
      { name: "created", payload: { name: "Joe" } },
      { name: "renamed", payload: { name: "Joseph" } },
    ],
  });
  await store.stream("profiles", "jane").publish({ events: [{ name: "created", payload: { name: "Jane" } }] });
  await store.stream("orders", "o-1").publish({ events: [{ name: "placed", payload: { total: 10 } }] });
  await store.stream("profiles", "joe").publish({ events: [{ name: "verified", payload: null }] });
  await store.stream("orders", "o-1").publish({ events: [{ name: "paid", payload: { total: 10 } }] });
  return { adapter, store };
}

const labels = (events: StoredEvent[]) => events.map((event) => `${event.stream}:${event.name}`);

describe("the EventStore on the in-memory adapter", () => {
  it("publishes to a stream and numbers positions and sequence numbers from the start", async () => {
    const { store } = newStore();
    const joe = store.stream("profiles", "joe");
    const first = await joe.publish({ events: [{ name: "created", payload: { name: "Joe" } }], condition: streamIsEmpty() });
    const second = await joe.publish<JsonValue>({
      events: [
        { name: "renamed", payload: { name: "Joseph" } },
        { name: "verified", payload: true },
      ],
      condition: positionIs(0),
    });
    expect([...first, ...second].map((event) => [event.position, event.sequenceNumber])).toEqual([
      [0, 1n],
      [1, 2n],
      [2, 3n],
    ]);
    expect(first[0]).toMatchObject({ category: "profiles", stream: "joe", name: "created", payload: { name: "Joe" }, metadata: {} });
    expect(first[0]?.id).toMatch(UUID_V7);
    expect(await joe.latest()).toEqual(second[1]);
  });

  it("rejects an unmet condition with the facts of the stream, and stores nothing", async () => {
    const { store } = newStore();
    const joe = store.stream("profiles", "joe");
    await joe.publish({ events: [{ name: "created", payload: 1 }] });
    const error = await joe
      .publish({ events: [{ name: "renamed", payload: 2 }], condition: positionIs(3) })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnmetWriteConditionError);
    expect(isChronicleError(error, "UNMET_WRITE_CONDITION")).toBe(true);
    expect(error).toMatchObject({
      target: streamIdentifier("profiles", "joe"),
      condition: positionIs(3),
      latestPosition: 0,
      retryable: false,
    });
    await expect(store.stream("profiles", "nobody").publish({ events: [], condition: streamExists() })).rejects.toMatchObject({
      code: "UNMET_WRITE_CONDITION",
      latestPosition: undefined,
    });
    expect(await joe.read()).toHaveLength(1);
  });

  it("evaluates nested conditions", async () => {
    const { store } = newStore();
    const joe = store.stream("profiles", "joe");
    await joe.publish({ events: [{ name: "a", payload: 1 }], condition: anyOf(streamIsEmpty(), positionIs(7)) });
    await joe.publish({ events: [{ name: "b", payload: 2 }], condition: allOf(streamExists(), positionIs(0)) });
    await expect(joe.publish({ events: [{ name: "c", payload: 3 }], condition: anyOf() })).rejects.toMatchObject({
      code: "UNMET_WRITE_CONDITION",
    });
    await joe.publish({ events: [{ name: "c", payload: 3 }], condition: allOf() });
    expect((await joe.read()).map((event) => event.name)).toEqual(["a", "b", "c"]);
  });

  it("publishes to several streams of a category atomically", async () => {
    const { store } = newStore();
    const profiles = store.category("profiles");
    const result = await profiles.publish({
      streams: {
        joe: { events: [{ name: "created", payload: 1 }], condition: streamIsEmpty() },
        jane: { events: [{ name: "created", payload: 2 }] },
      },
    });
    expect(Object.keys(result)).toEqual(["joe", "jane"]);
    expect(result.jane?.[0]).toMatchObject({ stream: "jane", position: 0, sequenceNumber: 2n });

    // One unmet condition stores nothing for any stream.
    await expect(
      profiles.publish({
        streams: {
          joe: { events: [{ name: "renamed", payload: 3 }], condition: positionIs(0) },
          jane: { events: [{ name: "renamed", payload: 4 }], condition: positionIs(9) },
        },
      }),
    ).rejects.toMatchObject({ code: "UNMET_WRITE_CONDITION", target: streamIdentifier("profiles", "jane") });
    expect(await profiles.read()).toHaveLength(2);
  });

  it("publishes across categories atomically, and checks a condition of a write with no events", async () => {
    const { store } = newStore();
    await store.stream("stock", "sku-9").publish({ events: [{ name: "received", payload: { quantity: 5 } }] });
    const writes = (stockPosition: number) => [
      { target: streamIdentifier("orders", "o-1"), events: [{ name: "placed", payload: { sku: "sku-9" } }] },
      { target: streamIdentifier("stock", "sku-9"), events: [], condition: positionIs(stockPosition) },
    ];
    await expect(store.publish({ writes: writes(3) })).rejects.toMatchObject({ code: "UNMET_WRITE_CONDITION" });
    expect(await store.stream("orders", "o-1").latest()).toBeUndefined();
    const [orders, stock] = await store.publish({ writes: writes(0) });
    expect(orders?.map((event) => event.name)).toEqual(["placed"]);
    expect(stock).toEqual([]);
    expect(await store.log().read()).toHaveLength(2);
  });

  it("reads latest on the log, a category and a stream", async () => {
    const { store } = await seeded();
    expect((await store.log().latest())?.name).toBe("paid");
    expect((await store.category("profiles").latest())?.name).toBe("verified");
    expect((await store.stream("profiles", "jane").latest())?.name).toBe("created");
    expect(await store.category("nothing").latest()).toBeUndefined();
    expect(await store.stream("profiles", "nobody").latest()).toBeUndefined();
  });

  it("reads and iterates the log, a category and a stream in sequence order", async () => {
    const { store } = await seeded();
    expect(labels(await store.log().read())).toEqual([
      "joe:created",
      "joe:renamed",
      "jane:created",
      "o-1:placed",
      "joe:verified",
      "o-1:paid",
    ]);
    expect(labels(await store.category("profiles").read())).toEqual(["joe:created", "joe:renamed", "jane:created", "joe:verified"]);
    const joe: StoredEvent[] = [];
    for await (const event of store.stream("profiles", "joe").iterate()) joe.push(event);
    expect(joe.map((event) => event.position)).toEqual([0, 1, 2]);
    const sequence = (await store.log().read()).map((event) => event.sequenceNumber);
    expect(sequence).toEqual([1n, 2n, 3n, 4n, 5n, 6n]);
  });

  it("reads backwards, with a limit, across pages", async () => {
    const { store } = await seeded();
    expect(labels(await store.log().read({ direction: "backwards", limit: 3, pageSize: 2 }))).toEqual([
      "o-1:paid",
      "joe:verified",
      "o-1:placed",
    ]);
    expect(labels(await store.category("profiles").read({ direction: "backwards", pageSize: 1 }))).toEqual([
      "joe:verified",
      "jane:created",
      "joe:renamed",
      "joe:created",
    ]);
  });

  it("treats after and before as exclusive sequence numbers, and after: 0n as the start", async () => {
    const { store } = await seeded();
    expect((await store.log().read({ after: 0n })).length).toBe(6);
    expect((await store.log().read({ after: 2n, before: 5n })).map((event) => event.sequenceNumber)).toEqual([3n, 4n]);
    expect((await store.log().read({ after: 2n, before: 5n, direction: "backwards" })).map((event) => event.sequenceNumber)).toEqual([
      4n,
      3n,
    ]);
    expect(await store.log().read({ after: 6n })).toEqual([]);
    expect(labels(await store.category("orders").read({ after: 4n }))).toEqual(["o-1:paid"]);
  });

  it("treats fromPosition and toPosition as inclusive stream positions", async () => {
    const { store } = await seeded();
    const joe = store.stream("profiles", "joe");
    expect((await joe.read({ fromPosition: 1 })).map((event) => event.position)).toEqual([1, 2]);
    expect((await joe.read({ toPosition: 1 })).map((event) => event.position)).toEqual([0, 1]);
    expect((await joe.read({ fromPosition: 1, toPosition: 1 })).map((event) => event.position)).toEqual([1]);
    expect((await joe.read({ fromPosition: 1, direction: "backwards" })).map((event) => event.position)).toEqual([2, 1]);
    await expect(store.category("profiles").read({ fromPosition: 1 })).rejects.toMatchObject({ code: "INVALID_INPUT" });
    await expect(store.log().read({ toPosition: 1 })).rejects.toMatchObject({ code: "INVALID_INPUT" });
  });

  it("filters by names, and names: [] matches nothing", async () => {
    const { store } = await seeded();
    expect(labels(await store.log().read({ names: ["created", "paid"], pageSize: 1 }))).toEqual([
      "joe:created",
      "jane:created",
      "o-1:paid",
    ]);
    expect(await store.log().read({ names: [] })).toEqual([]);
    expect(await store.log().read({ names: ["never-published"] })).toEqual([]);
  });

  it("gives nothing for a limit of 0", async () => {
    const { store } = await seeded();
    expect(await store.log().read({ limit: 0 })).toEqual([]);
  });

  it("stops an iteration when its signal aborts", async () => {
    const { store } = await seeded();
    const controller = new AbortController();
    const seen: string[] = [];
    const reading = (async () => {
      for await (const event of store.log().iterate({ signal: controller.signal, pageSize: 2 })) {
        seen.push(event.name);
        if (seen.length === 3) controller.abort(new Error("stop reading"));
      }
    })();
    await expect(reading).rejects.toThrow("stop reading");
    expect(seen).toHaveLength(3);
  });

  it("rejects a publish whose signal has already aborted, storing nothing", async () => {
    const { store } = newStore();
    await expect(
      store.stream("a", "b").publish({ events: [{ name: "x", payload: 1 }], signal: AbortSignal.abort(new Error("too late")) }),
    ).rejects.toThrow("too late");
    expect(await store.log().read()).toEqual([]);
  });

  it("round-trips payloads, metadata and dates exactly, and returns copies", async () => {
    const { store } = newStore();
    const payload = { text: "unicode ✓ 😀 ü", nested: { list: [1, 2.5, -3, null, true, { deep: ["x"] }] }, empty: {} };
    const metadata = { correlationId: "c-1", actor: { id: 7 } };
    const occurredAt = new Date("2020-02-29T23:59:59.123Z");
    const observedAt = new Date("2020-03-01T00:00:00.456Z");
    const [stored] = await store.stream("a", "b").publish({ events: [{ name: "x", payload, metadata, occurredAt, observedAt }] });
    payload.nested.list.push(99);
    const [read] = await store.stream("a", "b").read();
    expect(read).toEqual(stored);
    expect(read?.payload).toEqual({ text: "unicode ✓ 😀 ü", nested: { list: [1, 2.5, -3, null, true, { deep: ["x"] }] }, empty: {} });
    expect(read?.metadata).toEqual(metadata);
    expect(read?.occurredAt).toEqual(occurredAt);
    expect(read?.observedAt).toEqual(observedAt);
    (read?.payload as { text: string }).text = "changed by a reader";
    const latest = await store.stream("a", "b").latest();
    expect(latest?.payload).toMatchObject({ text: "unicode ✓ 😀 ü" });
  });

  it("stamps observedAt with the store's clock when it has one, else with the adapter's", async () => {
    const withStoreClock = newStore({
      storeClock: fixedClock("2024-01-01T00:00:00.000Z"),
      adapterClock: fixedClock("1990-01-01T00:00:00.000Z"),
    });
    const [stamped] = await withStoreClock.store.stream("a", "b").publish({ events: [{ name: "x", payload: 1 }] });
    expect(stamped?.observedAt.toISOString()).toBe("2024-01-01T00:00:00.000Z");
    expect(stamped?.occurredAt.toISOString()).toBe("2024-01-01T00:00:00.000Z");

    const withAdapterClock = newStore({ adapterClock: fixedClock("1990-01-01T00:00:00.000Z") });
    const occurredAt = new Date("1985-05-05T05:05:05.005Z");
    const [first, second] = await withAdapterClock.store.stream("a", "b").publish({
      events: [
        { name: "x", payload: 1 },
        { name: "y", payload: 2, occurredAt },
      ],
    });
    expect(first?.observedAt.toISOString()).toBe("1990-01-01T00:00:00.000Z");
    expect(first?.occurredAt.toISOString()).toBe("1990-01-01T00:00:00.000Z");
    expect(second?.observedAt.toISOString()).toBe("1990-01-01T00:00:00.000Z");
    expect(second?.occurredAt).toEqual(occurredAt);
  });

  it("gives events UUIDv7 ids that sort in publishing order", async () => {
    const { store } = newStore();
    const events = await store
      .stream("a", "b")
      .publish({ events: Array.from({ length: 50 }, (_, index) => ({ name: "x", payload: index })) });
    const ids = events.map((event) => event.id);
    for (const id of ids) expect(id).toMatch(UUID_V7);
    expect([...ids].sort()).toEqual(ids);
  });

  it("makes a retried publish idempotent by event id", async () => {
    const { store } = newStore();
    const joe = store.stream("profiles", "joe");
    await joe.publish({ events: [{ name: "created", payload: 1 }] });
    const retry = {
      events: [
        { id: "rename-1", name: "renamed", payload: { name: "Joseph" } },
        { id: "rename-2", name: "verified", payload: null },
      ],
      condition: positionIs(0),
    };
    const first = await joe.publish(retry);
    // The condition no longer holds, but the ids say the write is already stored.
    const second = await joe.publish(retry);
    expect(second).toEqual(first);
    expect(await joe.read()).toHaveLength(3);

    await expect(joe.publish({ events: [{ id: "rename-1", name: "renamed", payload: { name: "Jo" } }] })).rejects.toMatchObject({
      code: "DUPLICATE_EVENT_ID",
      eventId: "rename-1",
    });
    await expect(store.stream("profiles", "jane").publish({ events: [retry.events[0] as (typeof retry.events)[0]] })).rejects.toMatchObject(
      {
        code: "DUPLICATE_EVENT_ID",
      },
    );
    await expect(
      joe.publish<JsonValue>({ events: [retry.events[0] as (typeof retry.events)[0], { id: "new", name: "x", payload: 1 }] }),
    ).rejects.toMatchObject({ code: "DUPLICATE_EVENT_ID" });
    expect(await joe.read()).toHaveLength(3);
  });

  it("rejects bad input with INVALID_INPUT and stores nothing", async () => {
    const { store } = newStore();
    const joe = store.stream("profiles", "joe");
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const attempts = [
      joe.publish({ events: [{ name: "", payload: 1 }] }),
      joe.publish({ events: [{ name: "x".repeat(256), payload: 1 }] }),
      joe.publish({
        events: [
          { name: "ok", payload: 1 },
          { name: "bad", payload: Number.POSITIVE_INFINITY },
        ],
      }),
      joe.publish({ events: [{ name: "ok", payload: cyclic as never }] }),
      joe.publish({ events: [{ name: "ok", payload: { when: new Date() } as never }] }),
      joe.publish({ events: [{ name: "ok", payload: 1, metadata: [] as never }] }),
      joe.publish({ events: [{ name: "ok", payload: 1, observedAt: new Date(Number.NaN) }] }),
      joe.publish({ events: [{ name: "ok", payload: 1 }], condition: positionIs(-1) }),
      store.category("profiles").publish({ streams: { jane: { events: [{ name: "ok", payload: 1 }] }, "": { events: [] } } }),
    ];
    for (const attempt of attempts) await expect(attempt).rejects.toMatchObject({ code: "INVALID_INPUT" });
    expect(await store.log().read()).toEqual([]);
  });

  it("rejects every call with CLOSED after close, and closing twice is harmless", async () => {
    const { store } = await seeded();
    await store.close();
    await store.close();
    await expect(store.stream("a", "b").publish({ events: [{ name: "x", payload: 1 }] })).rejects.toMatchObject({ code: "CLOSED" });
    await expect(store.log().latest()).rejects.toMatchObject({ code: "CLOSED" });
    await expect(store.category("profiles").read()).rejects.toMatchObject({ code: "CLOSED" });
    await expect(store.stream("profiles", "joe").read()).rejects.toMatchObject({ code: "CLOSED" });
  });

  it("closes at the end of an `await using` block", async () => {
    const adapter = new InMemoryEventStorageAdapter();
    {
      await using store = new EventStore(adapter);
      await store.stream("a", "b").publish({ events: [{ name: "x", payload: 1 }] });
    }
    await expect(adapter.latest({ type: "log" })).rejects.toMatchObject({ code: "CLOSED" });
  });

  it("keeps the events of two adapters apart", async () => {
    const one = newStore();
    const two = newStore();
    await one.store.stream("a", "b").publish({ events: [{ name: "x", payload: 1 }] });
    expect(await two.store.log().read()).toEqual([]);
  });
});
