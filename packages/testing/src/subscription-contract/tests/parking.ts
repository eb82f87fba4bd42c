import type { StoredEvent } from "@chronicle/core";
import { expect } from "vitest";
import { storedEvent } from "../../stored-event-builder.js";
import { events } from "../helpers.js";
import { defineSubscriptionTests } from "../subscription-contract-test.js";

const quickRetry = { attempts: 3, minDelayMs: 1, maxDelayMs: 4 };

/** Parking: a failing handler is retried with backoff, its event parked, and the subscription goes on. */
export const parkingTests = defineSubscriptionTests("parking", {
  "parking.parks-after-retries-and-goes-on": async (context) => {
    const store = await context.createStore();
    const [, poison] = await store.stream("mail", "a").publish({ events: events(3) });
    const attempts: number[] = [];
    const handled: StoredEvent[] = [];
    await using subscription = store.subscribe({
      name: "mailer",
      source: store.log(),
      retry: quickRetry,
      handler: (event, { attempt }) => {
        if (event.id === poison?.id) {
          attempts.push(attempt);
          throw new TypeError("cannot send");
        }
        handled.push(event);
      },
    });
    await subscription.caughtUp();
    expect(attempts, "context.attempt counts the calls").toEqual([1, 2, 3]);
    expect(handled.map((event) => event.payload)).toEqual([{ index: 0 }, { index: 2 }]);
    const parked = await subscription.parked();
    expect(parked).toHaveLength(1);
    expect(parked[0]).toMatchObject({ event: { id: poison?.id, sequenceNumber: poison?.sequenceNumber }, attempts: 3 });
    expect(parked[0]?.error).toEqual({ name: "TypeError", message: "cannot send" });
    expect(parked[0]?.parkedAt).toBeInstanceOf(Date);
    expect(subscription.status()).toMatchObject({ parked: 1, handled: 2, position: handled.at(-1)?.sequenceNumber });
  },
  "parking.retry-parked-hands-them-again": async (context) => {
    const store = await context.createStore();
    const stored = await store.stream("mail", "a").publish({ events: events(3) });
    let failing = true;
    const handled: string[] = [];
    await using subscription = store.subscribe({
      name: "mailer",
      source: store.log(),
      retry: { attempts: 1 },
      handler: (event) => {
        if (failing && event.payload !== null && (event.payload as { index: number }).index !== 1) throw new Error("down");
        handled.push(event.id);
      },
    });
    await subscription.caughtUp();
    expect((await subscription.parked()).map((entry) => entry.event.id)).toEqual([stored[0]?.id, stored[2]?.id]);
    failing = false;
    expect(await subscription.retryParked([stored[2]?.id as string])).toEqual({ handled: 1, parked: 0 });
    expect((await subscription.parked()).map((entry) => entry.event.id)).toEqual([stored[0]?.id]);
    expect(await subscription.retryParked()).toEqual({ handled: 1, parked: 0 });
    expect(await subscription.parked()).toEqual([]);
    expect(handled).toEqual([stored[1]?.id, stored[2]?.id, stored[0]?.id]);
    expect(subscription.status().parked).toBe(0);
  },
  "parking.support-upserts-lists-and-removes": async (context) => {
    const adapter = await context.createAdapter();
    const support = adapter.subscriptions;
    if (support === undefined) throw new Error("the adapter has no subscriptions member");
    const first = storedEvent().withSequenceNumber(5n).build();
    const second = storedEvent().withSequenceNumber(2n).build();
    const parkedAt = new Date("2026-01-02T03:04:05.678Z");
    await support.park({ subscription: "s", event: first, error: { name: "Error", message: "one" }, attempts: 1, parkedAt });
    await support.park({ subscription: "s", event: second, error: { name: "Error", message: "two" }, attempts: 2, parkedAt });
    await support.park({ subscription: "s", event: first, error: { name: "RangeError", message: "again" }, attempts: 4, parkedAt });
    await support.park({ subscription: "other", event: first, error: { name: "Error", message: "x" }, attempts: 1, parkedAt });
    const listed = await support.listParked({ subscription: "s" });
    expect(
      listed.map((entry) => entry.event.sequenceNumber),
      "one entry per event, in sequence order",
    ).toEqual([2n, 5n]);
    expect(listed[1]).toEqual({ event: first, error: { name: "RangeError", message: "again" }, attempts: 4, parkedAt });
    expect(await support.listParked({ subscription: "s", after: 2n })).toHaveLength(1);
    expect(await support.listParked({ subscription: "s", limit: 1 })).toHaveLength(1);
    expect(await support.removeParked("s", [first.id, "not-parked"])).toBe(1);
    expect((await support.listParked({ subscription: "s" })).map((entry) => entry.event.id)).toEqual([second.id]);
    expect(await support.listParked({ subscription: "other" })).toHaveLength(1);
  },
});
