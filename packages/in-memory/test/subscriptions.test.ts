import {
  ChronicleError,
  defineProjector,
  EventStore,
  keepProjectionLive,
  ProjectionStore,
  type StoredEvent,
  UnavailableError,
} from "@chronicle/core";
import { describe, expect, it } from "vitest";
import { InMemoryEventStorageAdapter, InMemoryProjectionStorageAdapter } from "../src/index.js";

function events(count: number, name = "happened") {
  return Array.from({ length: count }, (_, index) => ({ name, payload: { index } }));
}

describe("subscriptions on the in-memory adapter", () => {
  it("hands every event to the handler in order and resumes after the checkpoint", async () => {
    const store = new EventStore(new InMemoryEventStorageAdapter());
    await store.stream("orders", "a").publish({ events: events(3) });
    const seen: bigint[] = [];
    const first = store.subscribe({
      name: "s",
      source: store.category("orders"),
      handler: (event) => void seen.push(event.sequenceNumber),
    });
    await first.caughtUp();
    await store.stream("orders", "b").publish({ events: events(2) });
    await first.caughtUp();
    expect(seen).toEqual([1n, 2n, 3n, 4n, 5n]);
    expect(first.status()).toMatchObject({ state: "live", position: 5n, handled: 5, parked: 0, lag: 0n });
    await first.close();
    await store.stream("orders", "b").publish({ events: events(1) });
    const again: bigint[] = [];
    await using second = store.subscribe({
      name: "s",
      source: store.category("orders"),
      handler: (event) => void again.push(event.sequenceNumber),
    });
    await second.caughtUp();
    expect(again).toEqual([6n]);
  });

  it("is woken by a publish without waiting for the poll interval", async () => {
    const store = new EventStore(new InMemoryEventStorageAdapter());
    let resolve: (event: StoredEvent) => void = () => {};
    const promise = new Promise<StoredEvent>((settle) => {
      resolve = settle;
    });
    await using subscription = store.subscribe({
      name: "s",
      source: store.log(),
      pollIntervalMs: 3_600_000,
      handler: (event) => resolve(event),
    });
    await subscription.caughtUp();
    await store.stream("a", "b").publish({ events: events(1) });
    expect((await promise).sequenceNumber).toBe(1n);
  });

  it("rejects bad options with INVALID_INPUT from subscribe itself", () => {
    const store = new EventStore(new InMemoryEventStorageAdapter());
    const handler = () => {};
    const source = store.log();
    const bad: unknown[] = [
      { source, handler },
      { name: "", source, handler },
      { name: "x".repeat(256), source, handler },
      { name: "s", source },
      { name: "s", source, handler, from: "middle" },
      { name: "s", source, handler, retry: { attempts: -1 } },
      { name: "s", source, handler, retry: { minDelayMs: -5 } },
      { name: "s", source: { type: "nope" }, handler },
      { name: "s", source: "log", handler },
      { name: "s", source, handler, transactional: true },
      { name: "s", source, handler, checkpointEvery: 0 },
    ];
    for (const options of bad) {
      expect(() => store.subscribe(options as never), JSON.stringify(options)).toThrow(expect.objectContaining({ code: "INVALID_INPUT" }));
    }
  });

  it("refuses a second live subscription of the same name in one process", async () => {
    const store = new EventStore(new InMemoryEventStorageAdapter());
    const first = store.subscribe({ name: "s", source: store.log(), handler: () => {} });
    expect(() => store.subscribe({ name: "s", source: store.log(), handler: () => {} })).toThrow(
      expect.objectContaining({ code: "INVALID_INPUT" }),
    );
    await first.close();
    await store.subscribe({ name: "s", source: store.log(), handler: () => {} }).close();
  });

  it("pauses through a storage outage and never parks because of it", async () => {
    const adapter = new InMemoryEventStorageAdapter();
    const store = new EventStore(adapter);
    await store.stream("a", "1").publish({ events: events(4) });
    const support = adapter.subscriptions;
    const write = support.writeCheckpoint.bind(support);
    let failures = 3;
    support.writeCheckpoint = async (checkpoint) => {
      if (failures-- > 0) throw new UnavailableError("storage is down");
      return await write(checkpoint);
    };
    const seen: number[] = [];
    await using subscription = store.subscribe({
      name: "s",
      source: store.log(),
      retry: { minDelayMs: 1, maxDelayMs: 5 },
      handler: (event) => void seen.push(Number(event.sequenceNumber)),
    });
    await subscription.caughtUp();
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(subscription.status().parked).toBe(0);
    expect(await support.readCheckpoint({ subscription: "s", share: 0 })).toMatchObject({ position: 4n });
  });

  it("batches checkpoints by checkpointEvery and writes the last one on close", async () => {
    const adapter = new InMemoryEventStorageAdapter();
    const store = new EventStore(adapter);
    await store.stream("a", "1").publish({ events: events(5) });
    const positions: bigint[] = [];
    const write = adapter.subscriptions.writeCheckpoint.bind(adapter.subscriptions);
    adapter.subscriptions.writeCheckpoint = async (checkpoint) => {
      positions.push(checkpoint.position);
      return await write(checkpoint);
    };
    const subscription = store.subscribe({ name: "s", source: store.log(), checkpointEvery: 2, handler: () => {} });
    await subscription.caughtUp();
    await subscription.close();
    expect(positions).toEqual([2n, 4n, 5n]);
    await expect(subscription.caughtUp()).rejects.toBeInstanceOf(ChronicleError);
  });

  it("keeps a projection per stream live in a projection store", async () => {
    const store = new EventStore(new InMemoryEventStorageAdapter());
    const projections = new ProjectionStore(new InMemoryProjectionStorageAdapter());
    const counter = defineProjector<{ count: number }>({
      name: "counter",
      initialState: () => ({ count: 0 }),
      handlers: { happened: (state) => ({ count: state.count + 1 }) },
    });
    await store.stream("tally", "a").publish({ events: events(2) });
    await using live = keepProjectionLive({ store, projector: counter, projections, source: store.category("tally"), per: "stream" });
    await live.caughtUp();
    await store.stream("tally", "b").publish({ events: events(3) });
    await store.stream("tally", "a").publish({ events: events(1) });
    await live.caughtUp();
    expect((await projections.load({ name: "counter", id: "a" }))?.state).toEqual({ count: 3 });
    expect((await projections.load({ name: "counter", id: "b" }))?.state).toEqual({ count: 3 });
  });

  it("ends as closed, not failed, when the store is closed underneath it", async () => {
    const store = new EventStore(new InMemoryEventStorageAdapter());
    const subscription = store.subscribe({ name: "s", source: store.log(), pollIntervalMs: 5, handler: () => {} });
    await subscription.caughtUp();
    await store.close();
    await subscription.close();
    expect(subscription.status().state).toBe("closed");
  });

  it("pauses through a scan outage and delivers everything after it", async () => {
    const adapter = new InMemoryEventStorageAdapter();
    const store = new EventStore(adapter);
    await store.stream("a", "1").publish({ events: events(3) });
    const scan = adapter.scan.bind(adapter);
    let failures = 2;
    adapter.scan = (target, options) => {
      if (failures-- > 0) {
        return {
          [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new UnavailableError("connection lost")) }),
        };
      }
      return scan(target, options);
    };
    const seen: number[] = [];
    await using subscription = store.subscribe({
      name: "s",
      source: store.log(),
      retry: { minDelayMs: 1, maxDelayMs: 5 },
      handler: (event) => void seen.push(Number(event.sequenceNumber)),
    });
    await subscription.caughtUp();
    expect(seen).toEqual([1, 2, 3]);
    expect(subscription.status()).toMatchObject({ state: "live", parked: 0 });
  });

  it("types the handler's events by the store's event map", async () => {
    interface Shop {
      "order-placed": { total: number };
      "order-shipped": { carrier: string };
    }
    const store = new EventStore<Shop>(new InMemoryEventStorageAdapter());
    await store.stream("orders", "1").publish({ events: [{ name: "order-placed", payload: { total: 12 } }] });
    const totals: number[] = [];
    await using subscription = store.subscribe({
      name: "totals",
      source: store.category("orders"),
      handler: (event) => {
        if (event.name === "order-placed") totals.push(event.payload.total);
        // @ts-expect-error: a name the map does not have
        if (event.name === "order-lost") totals.push(0);
      },
    });
    await subscription.caughtUp();
    expect(totals).toEqual([12]);
  });
});
