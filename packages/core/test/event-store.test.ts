import { describe, expect, it } from "vitest";
import {
  type AdapterCapabilities,
  type Clock,
  type EventStorageAdapter,
  EventStore,
  type EventTarget,
  logIdentifier,
  positionIs,
  type SaveOptions,
  type ScanOptions,
  type StoredEvent,
  type StreamWrite,
  streamExists,
  streamIdentifier,
  streamIsEmpty,
} from "../src/index.js";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ADAPTER_TIME = new Date("2001-01-01T00:00:00.000Z");

/**
 * Records what the store hands it and answers with what it was given, so each
 * test can see exactly what reaches an adapter. It checks no condition: the
 * store's own behaviour is under test here, the adapters' in their packages.
 */
class RecordingAdapter implements EventStorageAdapter {
  readonly capabilities: AdapterCapabilities;
  readonly saves: { writes: readonly StreamWrite[]; options: SaveOptions | undefined }[] = [];
  readonly latestCalls: EventTarget[] = [];
  readonly scans: { target: EventTarget; options: ScanOptions | undefined }[] = [];
  readonly events: StoredEvent[] = [];
  closeCalls = 0;

  constructor(multiStreamWrites = true) {
    this.capabilities = { multiStreamWrites, serialisationGuarantees: ["log"], serialisationGuarantee: "log" };
  }

  async save(writes: readonly StreamWrite[], options?: SaveOptions): Promise<StoredEvent[][]> {
    this.saves.push({ writes, options });
    return writes.map((write) =>
      write.events.map((event) => {
        const position = this.events.filter((stored) => matches(write.target, stored)).length;
        const observedAt = event.observedAt ?? ADAPTER_TIME;
        const stored: StoredEvent = {
          id: event.id ?? "adapter-id",
          name: event.name,
          category: write.target.category,
          stream: write.target.stream,
          position,
          sequenceNumber: BigInt(this.events.length + 1),
          payload: event.payload,
          metadata: event.metadata ?? {},
          occurredAt: event.occurredAt ?? observedAt,
          observedAt,
        };
        this.events.push(stored);
        return stored;
      }),
    );
  }

  async latest(target: EventTarget): Promise<StoredEvent | undefined> {
    this.latestCalls.push(target);
    return this.events.filter((event) => matches(target, event)).at(-1);
  }

  scan(target: EventTarget, options?: ScanOptions): AsyncIterable<StoredEvent> {
    this.scans.push({ target, options });
    const events = this.events.filter((event) => matches(target, event));
    return (async function* () {
      yield* options?.direction === "backwards" ? events.reverse() : events;
    })();
  }

  async close(): Promise<void> {
    this.closeCalls += 1;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function matches(target: EventTarget, event: StoredEvent): boolean {
  if (target.type === "log") return true;
  if (target.type === "category") return event.category === target.category;
  return event.category === target.category && event.stream === target.stream;
}

function setup(options: { clock?: Clock; multiStreamWrites?: boolean } = {}) {
  const adapter = new RecordingAdapter(options.multiStreamWrites);
  const store = new EventStore(adapter, options.clock === undefined ? {} : { clock: options.clock });
  return { adapter, store };
}

describe("EventStore handles", () => {
  it("name their targets", () => {
    const { store } = setup();
    expect(store.log().target).toEqual(logIdentifier());
    const profiles = store.category("profiles");
    expect(profiles.name).toBe("profiles");
    expect(profiles.target).toEqual({ type: "category", category: "profiles" });
    const joe = profiles.stream("joe");
    expect([joe.category, joe.name]).toEqual(["profiles", "joe"]);
    expect(store.stream("profiles", "joe").target).toEqual(joe.target);
  });

  it("reject bad names when the handle is made", () => {
    const { store } = setup();
    for (const make of [
      () => store.category(""),
      () => store.category("c".repeat(256)),
      () => store.category("a\u0000"),
      () => store.category(undefined as unknown as string),
      () => store.category("profiles").stream(""),
      () => store.stream("profiles", "\ud800"),
      () => store.stream("", "joe"),
    ]) {
      expect(make).toThrow(expect.objectContaining({ code: "INVALID_INPUT" }));
    }
  });
});

describe("EventStore publishing", () => {
  it("publishes to a stream with its condition and returns the stored events", async () => {
    const { adapter, store } = setup();
    const joe = store.stream("profiles", "joe");
    const stored = await joe.publish({
      events: [
        { name: "profile-created", payload: { name: "Joe" } },
        { name: "profile-renamed", payload: { name: "Joseph" }, metadata: { by: "joe" } },
      ],
      condition: streamIsEmpty(),
    });
    expect(stored.map((event) => [event.name, event.position])).toEqual([
      ["profile-created", 0],
      ["profile-renamed", 1],
    ]);
    expect(adapter.saves).toHaveLength(1);
    const [write] = adapter.saves[0]?.writes ?? [];
    expect(write?.target).toEqual(streamIdentifier("profiles", "joe"));
    expect(write?.condition).toEqual(streamIsEmpty());
    expect(write?.events.map((event) => [event.name, event.payload, event.metadata])).toEqual([
      ["profile-created", { name: "Joe" }, {}],
      ["profile-renamed", { name: "Joseph" }, { by: "joe" }],
    ]);
  });

  it("gives every event a UUIDv7 id, and keeps an id the caller gave", async () => {
    const { adapter, store } = setup();
    await store.stream("profiles", "joe").publish({
      events: [
        { name: "a", payload: 1 },
        { name: "b", payload: 2, id: "my-own-id" },
        { name: "c", payload: 3 },
      ],
    });
    const ids = adapter.saves[0]?.writes[0]?.events.map((event) => event.id) ?? [];
    expect(ids[0]).toMatch(UUID_V7);
    expect(ids[1]).toBe("my-own-id");
    expect(ids[2]).toMatch(UUID_V7);
    expect((ids[0] as string) < (ids[2] as string)).toBe(true);
  });

  it("publishes to several streams of a category in one save and answers per stream", async () => {
    const { adapter, store } = setup();
    const result = await store.category("profiles").publish({
      streams: {
        joe: { events: [{ name: "created", payload: { name: "Joe" } }], condition: streamIsEmpty() },
        jane: {
          events: [
            { name: "created", payload: { name: "Jane" } },
            { name: "verified", payload: null },
          ],
        },
        ann: { events: [], condition: positionIs(4) },
      },
    });
    expect(Object.keys(result)).toEqual(["joe", "jane", "ann"]);
    expect(result.joe?.map((event) => event.stream)).toEqual(["joe"]);
    expect(result.jane?.map((event) => event.name)).toEqual(["created", "verified"]);
    expect(result.ann).toEqual([]);
    expect(adapter.saves).toHaveLength(1);
    expect(adapter.saves[0]?.writes.map((write) => [write.target, write.condition])).toEqual([
      [streamIdentifier("profiles", "joe"), streamIsEmpty()],
      [streamIdentifier("profiles", "jane"), { type: "noCondition" }],
      [streamIdentifier("profiles", "ann"), positionIs(4)],
    ]);
  });

  it("publishes across categories in one save", async () => {
    const { adapter, store } = setup();
    const result = await store.publish({
      writes: [
        { target: streamIdentifier("orders", "o-1"), events: [{ name: "placed", payload: { total: 10 } }], condition: streamIsEmpty() },
        { target: streamIdentifier("stock", "sku-9"), events: [{ name: "reserved", payload: { quantity: 1 } }], condition: streamExists() },
      ],
    });
    expect(result.map((events) => events.map((event) => `${event.category}/${event.stream}:${event.name}`))).toEqual([
      ["orders/o-1:placed"],
      ["stock/sku-9:reserved"],
    ]);
    expect(adapter.saves).toHaveLength(1);
    expect(adapter.saves[0]?.writes).toHaveLength(2);
  });

  it("passes the signal to the adapter", async () => {
    const { adapter, store } = setup();
    const controller = new AbortController();
    await store.stream("a", "b").publish({ events: [{ name: "x", payload: 1 }], signal: controller.signal });
    expect(adapter.saves[0]?.options?.signal).toBe(controller.signal);
  });
});

describe("EventStore clocks", () => {
  const storeTime = new Date("2024-06-01T10:00:00.000Z");

  it("stamps observedAt and occurredAt with the store's clock", async () => {
    const { adapter, store } = setup({ clock: { now: () => new Date(storeTime) } });
    const [event] = await store.stream("a", "b").publish({ events: [{ name: "x", payload: 1 }] });
    const handed = adapter.saves[0]?.writes[0]?.events[0];
    expect(handed?.observedAt).toEqual(storeTime);
    expect(handed?.occurredAt).toEqual(storeTime);
    expect(event?.observedAt).toEqual(storeTime);
  });

  it("leaves observedAt to the adapter's clock without a store clock", async () => {
    const { adapter, store } = setup();
    const [event] = await store.stream("a", "b").publish({ events: [{ name: "x", payload: 1 }] });
    const handed = adapter.saves[0]?.writes[0]?.events[0];
    expect(handed).not.toHaveProperty("observedAt");
    expect(handed).not.toHaveProperty("occurredAt");
    expect(event?.observedAt).toEqual(ADAPTER_TIME);
    expect(event?.occurredAt).toEqual(ADAPTER_TIME);
  });

  it("keeps dates the caller gave, with or without a store clock", async () => {
    const occurredAt = new Date("1999-12-31T23:59:59.999Z");
    const observedAt = new Date("2000-01-01T00:00:00.001Z");
    for (const clock of [undefined, { now: () => new Date(storeTime) }]) {
      const { adapter, store } = setup(clock === undefined ? {} : { clock });
      await store.stream("a", "b").publish({
        events: [
          { name: "both", payload: 1, occurredAt, observedAt },
          { name: "occurred", payload: 2, occurredAt },
        ],
      });
      const [both, occurred] = adapter.saves[0]?.writes[0]?.events ?? [];
      expect(both).toMatchObject({ occurredAt, observedAt });
      expect(occurred?.occurredAt).toEqual(occurredAt);
      if (clock === undefined) expect(occurred).not.toHaveProperty("observedAt");
      else expect(occurred?.observedAt).toEqual(storeTime);
    }
  });
});

describe("EventStore reading", () => {
  async function seeded() {
    const { adapter, store } = setup();
    await store.publish({
      writes: [
        {
          target: streamIdentifier("profiles", "joe"),
          events: [
            { name: "created", payload: 1 },
            { name: "renamed", payload: 2 },
          ],
        },
        { target: streamIdentifier("profiles", "jane"), events: [{ name: "created", payload: 3 }] },
        { target: streamIdentifier("orders", "o-1"), events: [{ name: "placed", payload: 4 }] },
      ],
    });
    return { adapter, store };
  }

  it("reads latest, read and iterate on the log, a category and a stream", async () => {
    const { adapter, store } = await seeded();
    const handles = [store.log(), store.category("profiles"), store.stream("profiles", "joe")];
    expect((await Promise.all(handles.map((handle) => handle.latest()))).map((event) => event?.payload)).toEqual([4, 3, 2]);
    expect(adapter.latestCalls).toEqual(handles.map((handle) => handle.target));
    expect((await store.log().read()).map((event) => event.payload)).toEqual([1, 2, 3, 4]);
    expect((await store.category("profiles").read({ direction: "backwards" })).map((event) => event.payload)).toEqual([3, 2, 1]);
    const iterated: unknown[] = [];
    for await (const event of store.stream("profiles", "joe").iterate({ fromPosition: 0 })) iterated.push(event.payload);
    expect(iterated).toEqual([1, 2]);
    expect(adapter.scans.map((scan) => scan.target.type)).toEqual(["log", "category", "stream"]);
    expect(adapter.scans[2]?.options).toEqual({ fromPosition: 0 });
  });

  it("answers undefined from latest on an empty target", async () => {
    const { store } = setup();
    expect(await store.stream("nothing", "here").latest()).toBeUndefined();
  });

  it("rejects bad scan options before the adapter scans", async () => {
    const { adapter, store } = await seeded();
    await expect(store.category("profiles").read({ fromPosition: 0 })).rejects.toMatchObject({ code: "INVALID_INPUT" });
    await expect(store.log().read({ after: 3 as unknown as bigint })).rejects.toMatchObject({ code: "INVALID_INPUT" });
    await expect(store.log().read({ limit: -1 })).rejects.toMatchObject({ code: "INVALID_INPUT" });
    await expect(store.stream("a", "b").read({ direction: "up" as "forwards" })).rejects.toMatchObject({ code: "INVALID_INPUT" });
    expect(adapter.scans).toEqual([]);
  });

  it("starts no scan until iterated", async () => {
    const { adapter, store } = await seeded();
    const iterable = store.log().iterate();
    expect(adapter.scans).toEqual([]);
    for await (const _ of iterable) break;
    expect(adapter.scans).toHaveLength(1);
  });
});

describe("EventStore input checks", () => {
  const joe = streamIdentifier("profiles", "joe");
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;

  const badPublishes: [string, (store: EventStore) => Promise<unknown>][] = [
    ["an empty event name", (store) => store.stream("p", "j").publish({ events: [{ name: "", payload: 1 }] })],
    ["a 256-character event name", (store) => store.stream("p", "j").publish({ events: [{ name: "n".repeat(256), payload: 1 }] })],
    ["an undefined payload", (store) => store.stream("p", "j").publish({ events: [{ name: "a", payload: undefined as never }] })],
    ["a function payload", (store) => store.stream("p", "j").publish({ events: [{ name: "a", payload: (() => 1) as never }] })],
    ["a NaN payload", (store) => store.stream("p", "j").publish({ events: [{ name: "a", payload: Number.NaN }] })],
    ["a BigInt payload", (store) => store.stream("p", "j").publish({ events: [{ name: "a", payload: 1n as never }] })],
    ["a cyclic payload", (store) => store.stream("p", "j").publish({ events: [{ name: "a", payload: cyclic as never }] })],
    [
      "a Date in the metadata",
      (store) => store.stream("p", "j").publish({ events: [{ name: "a", payload: 1, metadata: { at: new Date() as never } }] }),
    ],
    [
      "an invalid occurredAt",
      (store) => store.stream("p", "j").publish({ events: [{ name: "a", payload: 1, occurredAt: new Date(Number.NaN) }] }),
    ],
    ["positionIs(-1)", (store) => store.stream("p", "j").publish({ events: [], condition: positionIs(-1) })],
    ["positionIs(1.5)", (store) => store.stream("p", "j").publish({ events: [], condition: positionIs(1.5) })],
    ["an unknown condition", (store) => store.stream("p", "j").publish({ events: [], condition: { type: "maybe" } as never })],
    ["no events", (store) => store.stream("p", "j").publish({} as never)],
    ["no options", (store) => store.stream("p", "j").publish(undefined as never)],
    [
      "an event id given twice",
      (store) =>
        store.stream("p", "j").publish({
          events: [
            { id: "x", name: "a", payload: 1 },
            { id: "x", name: "b", payload: 2 },
          ],
        }),
    ],
    [
      "a good write beside a bad one",
      (store) =>
        store
          .category("p")
          .publish({ streams: { good: { events: [{ name: "a", payload: 1 }] }, bad: { events: [{ name: "", payload: 1 }] } } }),
    ],
    ["a category publish without streams", (store) => store.category("p").publish({} as never)],
    ["a bad stream name in a category publish", (store) => store.category("p").publish({ streams: { "": { events: [] } } })],
    [
      "a stream named twice",
      (store) =>
        store.publish({
          writes: [
            { target: joe, events: [{ name: "a", payload: 1 }] },
            { target: joe, events: [{ name: "b", payload: 2 }] },
          ],
        }),
    ],
    [
      "a category as a write target",
      (store) => store.publish({ writes: [{ target: { type: "category", category: "p" } as never, events: [] }] }),
    ],
    ["writes that are not an array", (store) => store.publish({ writes: "nope" as never })],
  ];

  for (const [label, publish] of badPublishes) {
    it(`rejects ${label} with INVALID_INPUT before the adapter sees it`, async () => {
      const { adapter, store } = setup();
      await expect(publish(store)).rejects.toMatchObject({ code: "INVALID_INPUT" });
      expect(adapter.saves).toEqual([]);
    });
  }

  it("rejects several streams in one save when the adapter cannot save them atomically", async () => {
    const { adapter, store } = setup({ multiStreamWrites: false });
    await expect(
      store.category("p").publish({ streams: { a: { events: [{ name: "x", payload: 1 }] }, b: { events: [{ name: "y", payload: 2 }] } } }),
    ).rejects.toMatchObject({ code: "INVALID_INPUT" });
    expect(adapter.saves).toEqual([]);
    await store.category("p").publish({ streams: { a: { events: [{ name: "x", payload: 1 }] } } });
    expect(adapter.saves).toHaveLength(1);
  });

  it("rejects a clock that answers an invalid date", async () => {
    const { adapter, store } = setup({ clock: { now: () => new Date("never") } });
    await expect(store.stream("a", "b").publish({ events: [{ name: "x", payload: 1 }] })).rejects.toMatchObject({ code: "INVALID_INPUT" });
    expect(adapter.saves).toEqual([]);
  });
});

describe("EventStore closing", () => {
  it("rejects publishing with CLOSED after close, and closes the adapter", async () => {
    const { adapter, store } = setup();
    await store.close();
    expect(adapter.closeCalls).toBe(1);
    await expect(store.stream("a", "b").publish({ events: [{ name: "x", payload: 1 }] })).rejects.toMatchObject({ code: "CLOSED" });
    await expect(store.publish({ writes: [] })).rejects.toMatchObject({ code: "CLOSED" });
    expect(adapter.saves).toEqual([]);
  });

  it("closes twice without harm", async () => {
    const { store } = setup();
    await store.close();
    await expect(store.close()).resolves.toBeUndefined();
  });

  it("closes at the end of an `await using` block", async () => {
    const adapter = new RecordingAdapter();
    {
      await using store = new EventStore(adapter);
      await store.stream("a", "b").publish({ events: [{ name: "x", payload: 1 }] });
      expect(adapter.closeCalls).toBe(0);
    }
    expect(adapter.closeCalls).toBe(1);
  });
});

describe("EventStore input shapes", () => {
  it("rejects an array as the streams of a category publish, storing nothing", async () => {
    const { adapter, store } = setup();
    await expect(store.category("profiles").publish({ streams: [{ events: [{ name: "x", payload: 1 }] }] as never })).rejects.toMatchObject(
      { code: "INVALID_INPUT" },
    );
    expect(adapter.saves).toEqual([]);
  });
});
