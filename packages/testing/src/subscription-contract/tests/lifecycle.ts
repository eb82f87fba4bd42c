import type { StoredEvent } from "@chronicle/core";
import { expect } from "vitest";
import { deferred, events, expectRejection } from "../helpers.js";
import { defineSubscriptionTests } from "../subscription-contract-test.js";

/** Lifecycle: caughtUp, close, signals and the adapter's own close. */
export const lifecycleTests = defineSubscriptionTests("lifecycle", {
  "lifecycle.caught-up-covers-everything-committed-before-the-call": async (context) => {
    const store = await context.createStore();
    const seen = new Set<string>();
    await using subscription = store.subscribe({
      name: "exact",
      source: store.log(),
      pollIntervalMs: 3_600_000,
      notifications: false,
      handler: (event) => void seen.add(event.id),
    });
    for (let round = 0; round < 5; round++) {
      const stored = await store.stream("rounds", `r${round}`).publish({ events: events(3) });
      // No notification and an hour-long poll: only caughtUp's own look can find these.
      await subscription.caughtUp();
      for (const event of stored) expect(seen.has(event.id), `round ${round} event ${event.position}`).toBe(true);
    }
    expect(subscription.status().state).toBe("live");
  },
  "lifecycle.close-waits-for-the-handler-in-flight": async (context) => {
    const store = await context.createStore();
    await store.stream("jobs", "a").publish({ events: events(3) });
    const started = deferred();
    const release = deferred();
    const finished: StoredEvent[] = [];
    let aborted = false;
    const subscription = store.subscribe({
      name: "slow",
      source: store.log(),
      handler: async (event, { signal }) => {
        started.resolve();
        await release.promise;
        aborted = signal.aborted;
        finished.push(event);
      },
    });
    await started.promise;
    const closing = subscription.close();
    let closed = false;
    void closing.then(() => {
      closed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(closed, "close waits for the handler in flight").toBe(false);
    release.resolve();
    await closing;
    await subscription.close();
    expect(aborted, "the handler's signal tells it the subscription is closing").toBe(true);
    expect(finished).toHaveLength(1);
    expect(subscription.status()).toMatchObject({ state: "closed", position: finished[0]?.sequenceNumber, handled: 1 });
    await expectRejection(subscription.caughtUp(), "CLOSED");
    // The handled event was checkpointed: a restart goes on with the next one.
    const again: StoredEvent[] = [];
    await using restarted = store.subscribe({ name: "slow", source: store.log(), handler: (event) => void again.push(event) });
    await restarted.caughtUp();
    expect(again.map((event) => event.position)).toEqual([1, 2]);
  },
  "lifecycle.signal-closes": async (context) => {
    const store = await context.createStore();
    const controller = new AbortController();
    const subscription = store.subscribe({ name: "signal", source: store.log(), signal: controller.signal, handler: () => {} });
    await subscription.caughtUp();
    controller.abort();
    await subscription.close();
    expect(subscription.status().state).toBe("closed");
    // The name is free again once closed.
    await store.subscribe({ name: "signal", source: store.log(), handler: () => {} }).close();
  },
  "lifecycle.same-name-twice-rejects": async (context) => {
    const store = await context.createStore();
    await using first = store.subscribe({ name: "twice", source: store.log(), handler: () => {} });
    await expectRejection(async () => store.subscribe({ name: "twice", source: store.log(), handler: () => {} }), "INVALID_INPUT");
    expect(first.status().state).not.toBe("failed");
  },
  "lifecycle.support-rejects-closed-after-adapter-close": async (context) => {
    const adapter = await context.createAdapter();
    const support = adapter.subscriptions;
    if (support === undefined) throw new Error("the adapter has no subscriptions member");
    await adapter.close();
    await expectRejection(support.readCheckpoint({ subscription: "s", share: 0 }), "CLOSED");
    await expectRejection(support.writeCheckpoint({ subscription: "s", share: 0, position: 1n, expected: undefined }), "CLOSED");
    await expectRejection(support.listParked({ subscription: "s" }), "CLOSED");
    await expectRejection(support.removeParked("s", ["x"]), "CLOSED");
  },
});
