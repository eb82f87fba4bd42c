import type { SerialisationGuarantee, StoredEvent } from "@chronicle/core";
import { expect } from "vitest";
import { events, sequenceNumbers } from "../helpers.js";
import { defineSubscriptionTests, type SubscriptionContractTestContext } from "../subscription-contract-test.js";

async function concurrentWriters(context: SubscriptionContractTestContext, guarantee: SerialisationGuarantee): Promise<void> {
  const store = await context.createStore({ serialisationGuarantee: guarantee });
  const fromLog: StoredEvent[] = [];
  const fromCategory: StoredEvent[] = [];
  await using log = store.subscribe({ name: "log", source: store.log(), pollIntervalMs: 50, handler: (event) => void fromLog.push(event) });
  await using category = store.subscribe({
    name: "category",
    source: store.category("orders-0"),
    pollIntervalMs: 50,
    handler: (event) => void fromCategory.push(event),
  });
  const { writers, eventsPerWriter } = context.concurrency;
  await Promise.all(
    Array.from({ length: writers }, async (_, writer) => {
      for (let index = 0; index < eventsPerWriter; index++) {
        await store.stream(`orders-${writer % 3}`, `writer-${writer}`).publish({ events: events(1, "placed", index) });
      }
    }),
  );
  await log.caughtUp();
  await category.caughtUp();
  expect(sequenceNumbers(fromLog), "the log subscription handled every event once, in order").toEqual(
    sequenceNumbers(await store.log().read()),
  );
  expect(fromLog).toHaveLength(writers * eventsPerWriter);
  expect(sequenceNumbers(fromCategory), "the category subscription handled every event once, in order").toEqual(
    sequenceNumbers(await store.category("orders-0").read()),
  );
}

/** Delivery: order, completeness and where a subscription starts. */
export const deliveryTests = defineSubscriptionTests("delivery", {
  "delivery.concurrent-writers.log-guarantee": {
    serialisationGuarantee: "log",
    timeout: 60_000,
    run: (context) => concurrentWriters(context, "log"),
  },
  "delivery.concurrent-writers.category-guarantee": {
    serialisationGuarantee: "category",
    timeout: 60_000,
    run: (context) => concurrentWriters(context, "category"),
  },
  "delivery.concurrent-writers.stream-guarantee": {
    serialisationGuarantee: "stream",
    timeout: 60_000,
    run: (context) => concurrentWriters(context, "stream"),
  },
  "delivery.stream-source": async (context) => {
    const store = await context.createStore();
    await store.stream("carts", "a").publish({ events: events(2) });
    await store.stream("carts", "b").publish({ events: events(2) });
    await store.stream("carts", "a").publish({ events: events(1) });
    const seen: StoredEvent[] = [];
    await using subscription = store.subscribe({
      name: "a",
      source: store.stream("carts", "a"),
      handler: (event) => void seen.push(event),
    });
    await subscription.caughtUp();
    expect(seen.map((event) => event.position)).toEqual([0, 1, 2]);
    expect(seen.every((event) => event.stream === "a")).toBe(true);
  },
  "delivery.event-target-source": async (context) => {
    const store = await context.createStore();
    await store.stream("carts", "a").publish({ events: events(2) });
    const seen: StoredEvent[] = [];
    await using subscription = store.subscribe({
      name: "target",
      source: { type: "category", category: "carts" },
      handler: (event) => void seen.push(event),
    });
    await subscription.caughtUp();
    expect(seen).toHaveLength(2);
  },
  "delivery.from-end-skips-earlier-events": async (context) => {
    const store = await context.createStore();
    await store.stream("carts", "a").publish({ events: events(3) });
    const seen: StoredEvent[] = [];
    const subscription = store.subscribe({ name: "tail", source: store.log(), from: "end", handler: (event) => void seen.push(event) });
    await subscription.caughtUp();
    const [later] = await store.stream("carts", "a").publish({ events: events(1, "later") });
    await subscription.caughtUp();
    expect(seen.map((event) => event.id)).toEqual([later?.id]);
    await subscription.close();
    // The checkpoint now exists, so "end" no longer applies on a restart.
    await store.stream("carts", "a").publish({ events: events(1, "while-closed") });
    const again: StoredEvent[] = [];
    await using restarted = store.subscribe({ name: "tail", source: store.log(), from: "end", handler: (event) => void again.push(event) });
    await restarted.caughtUp();
    expect(again.map((event) => event.name)).toEqual(["while-closed"]);
  },
  "delivery.names-filter": async (context) => {
    const store = await context.createStore();
    await store.stream("carts", "a").publish({ events: [...events(3, "noise"), ...events(1, "rare"), ...events(3, "noise")] });
    const seen: StoredEvent[] = [];
    const subscription = store.subscribe({ name: "rare", source: store.log(), names: ["rare"], handler: (event) => void seen.push(event) });
    await subscription.caughtUp();
    expect(seen.map((event) => event.name)).toEqual(["rare"]);
    expect(subscription.status().position, "the checkpoint is the last event the filter let through").toBe(seen[0]?.sequenceNumber);
    await subscription.close();
    await store.stream("carts", "b").publish({ events: [...events(2, "noise"), ...events(1, "rare")] });
    const again: StoredEvent[] = [];
    await using restarted = store.subscribe({
      name: "rare",
      source: store.log(),
      names: ["rare"],
      handler: (event) => void again.push(event),
    });
    await restarted.caughtUp();
    expect(again.map((event) => [event.name, event.stream])).toEqual([["rare", "b"]]);
  },
});
