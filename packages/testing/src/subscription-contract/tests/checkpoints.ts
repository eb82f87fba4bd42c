import { EventStore, type StoredEvent, type SubscriptionSupport } from "@chronicle/core";
import { expect } from "vitest";
import { events } from "../helpers.js";
import { defineSubscriptionTests } from "../subscription-contract-test.js";

function supportOf(adapter: { subscriptions?: SubscriptionSupport }): SubscriptionSupport {
  expect(adapter.subscriptions, "the adapter has a subscriptions member").toBeDefined();
  return adapter.subscriptions as SubscriptionSupport;
}

/** Checkpoints: compare-and-set, never backwards, kept per name and share, resumed on restart. */
export const checkpointTests = defineSubscriptionTests("checkpoints", {
  "checkpoints.compare-and-set": async (context) => {
    const support = supportOf(await context.createAdapter());
    const key = { subscription: "cas", share: 0 };
    expect(await support.readCheckpoint(key)).toBeUndefined();
    expect(await support.writeCheckpoint({ ...key, position: 5n, expected: 3n }), "expected a checkpoint where none is").toBe(false);
    expect(await support.readCheckpoint(key)).toBeUndefined();
    expect(await support.writeCheckpoint({ ...key, position: 5n, expected: undefined })).toBe(true);
    expect(await support.readCheckpoint(key)).toMatchObject({ ...key, position: 5n });
    expect(await support.writeCheckpoint({ ...key, position: 5n, expected: undefined }), "a retried write is harmless").toBe(true);
    expect(await support.writeCheckpoint({ ...key, position: 9n, expected: undefined }), "a stale expectation").toBe(false);
    expect(await support.writeCheckpoint({ ...key, position: 9n, expected: 4n }), "a stale expectation").toBe(false);
    expect(await support.writeCheckpoint({ ...key, position: 2n, expected: 5n }), "never backwards").toBe(false);
    expect(await support.readCheckpoint(key)).toMatchObject({ position: 5n });
    expect(await support.writeCheckpoint({ ...key, position: 9n, expected: 5n })).toBe(true);
    const stored = await support.readCheckpoint(key);
    expect(stored?.position).toBe(9n);
    expect(stored?.updatedAt).toBeInstanceOf(Date);
  },
  "checkpoints.concurrent-writers-one-wins": async (context) => {
    const support = supportOf(await context.createAdapter());
    const key = { subscription: "race", share: 0 };
    await support.writeCheckpoint({ ...key, position: 1n, expected: undefined });
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, (_, index) => support.writeCheckpoint({ ...key, position: BigInt(10 + index), expected: 1n })),
    );
    expect(outcomes.filter(Boolean), "exactly one compare-and-set from the same expectation succeeds").toHaveLength(1);
    const winner = outcomes.indexOf(true);
    expect((await support.readCheckpoint(key))?.position).toBe(BigInt(10 + winner));
  },
  "checkpoints.kept-per-name-and-share": async (context) => {
    const support = supportOf(await context.createAdapter());
    await support.writeCheckpoint({ subscription: "a", share: 0, position: 3n, expected: undefined });
    await support.writeCheckpoint({ subscription: "a", share: 1, position: 7n, expected: undefined });
    await support.writeCheckpoint({ subscription: "b", share: 0, position: 11n, expected: undefined });
    expect((await support.readCheckpoint({ subscription: "a", share: 0 }))?.position).toBe(3n);
    expect((await support.readCheckpoint({ subscription: "a", share: 1 }))?.position).toBe(7n);
    expect((await support.readCheckpoint({ subscription: "b", share: 0 }))?.position).toBe(11n);
    expect(await support.readCheckpoint({ subscription: "c", share: 0 })).toBeUndefined();
  },
  "checkpoints.restart-resumes-after-checkpoint": async (context) => {
    const store = await context.createStore();
    await store.stream("accounts", "a").publish({ events: events(4) });
    const first: StoredEvent[] = [];
    const subscription = store.subscribe({ name: "resume", source: store.log(), handler: (event) => void first.push(event) });
    await subscription.caughtUp();
    await subscription.close();
    expect(first).toHaveLength(4);
    await store.stream("accounts", "b").publish({ events: events(3) });
    // Durable storage is opened again by a second adapter: the checkpoint is in the storage, not in the first one's memory.
    const reopened = context.capabilities.durable ? await context.createStore() : new EventStore(store.adapter);
    const second: StoredEvent[] = [];
    await using restarted = reopened.subscribe({ name: "resume", source: reopened.log(), handler: (event) => void second.push(event) });
    await restarted.caughtUp();
    const expected = (await reopened.log().read()).slice(4);
    expect(second.map((event) => event.id)).toEqual(expected.map((event) => event.id));
    expect(restarted.status().position).toBe(expected.at(-1)?.sequenceNumber);
  },
});
