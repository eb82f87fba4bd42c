import type { StoredEvent, SubscriptionSupport } from "@chronicle/core";
import { expect } from "vitest";
import { events, expectRejection } from "../helpers.js";
import { defineSubscriptionTests } from "../subscription-contract-test.js";

function supportOf(adapter: { subscriptions?: SubscriptionSupport }): SubscriptionSupport {
  expect(adapter.subscriptions, "the adapter has a subscriptions member").toBeDefined();
  return adapter.subscriptions as SubscriptionSupport;
}

/** The checkpoints as `[subscription, share, position]`, readable in a failed assertion. */
async function listed(support: SubscriptionSupport, subscription?: string): Promise<[string, number, string][]> {
  const checkpoints = await support.listCheckpoints(subscription === undefined ? undefined : { subscription });
  for (const checkpoint of checkpoints) {
    expect(typeof checkpoint.position, "positions are bigints").toBe("bigint");
    expect(checkpoint.updatedAt).toBeInstanceOf(Date);
    expect(Number.isNaN(checkpoint.updatedAt.getTime())).toBe(false);
  }
  return checkpoints.map((checkpoint) => [checkpoint.subscription, checkpoint.share, String(checkpoint.position)]);
}

/** What operators do to subscriptions from outside: list checkpoints and move them. */
export const administrationTests = defineSubscriptionTests("administration", {
  "administration.list-checkpoints-in-order": async (context) => {
    const support = supportOf(await context.createAdapter());
    expect(await support.listCheckpoints(), "nothing stored yet").toEqual([]);
    // U+FF5E is below U+1F600 by code point, but above its first UTF-16 unit (0xD83D).
    const written: [string, number, bigint][] = [
      ["b", 0, 4n],
      ["\u{1F600}", 0, 1n],
      ["group", 2, 12n],
      ["a:b", 0, 3n],
      ["\uFF5E", 0, 2n],
      ["group", 0, 10n],
      ["a", 0, 5n],
      ["group", 10, 13n],
      ["group", 1, 11n],
      ["B", 0, 6n],
    ];
    for (const [subscription, share, position] of written) {
      expect(await support.writeCheckpoint({ subscription, share, position, expected: undefined })).toBe(true);
    }
    expect(await listed(support), "by subscription (code point order), then by share").toEqual([
      ["B", 0, "6"],
      ["a", 0, "5"],
      ["a:b", 0, "3"],
      ["b", 0, "4"],
      ["group", 0, "10"],
      ["group", 1, "11"],
      ["group", 2, "12"],
      ["group", 10, "13"],
      ["\uFF5E", 0, "2"],
      ["\u{1F600}", 0, "1"],
    ]);
    const [checkpoint] = await support.listCheckpoints({ subscription: "a" });
    expect(checkpoint, "what listCheckpoints returns is what readCheckpoint returns").toEqual(
      await support.readCheckpoint({ subscription: "a", share: 0 }),
    );
  },
  "administration.list-checkpoints-of-one-subscription": async (context) => {
    const support = supportOf(await context.createAdapter());
    await support.writeCheckpoint({ subscription: "orders", share: 1, position: 8n, expected: undefined });
    await support.writeCheckpoint({ subscription: "orders", share: 0, position: 7n, expected: undefined });
    await support.writeCheckpoint({ subscription: "orders-archive", share: 0, position: 9n, expected: undefined });
    await support.writeCheckpoint({ subscription: "order", share: 0, position: 6n, expected: undefined });
    expect(await listed(support, "orders")).toEqual([
      ["orders", 0, "7"],
      ["orders", 1, "8"],
    ]);
    expect(await listed(support, "order")).toEqual([["order", 0, "6"]]);
    expect(await support.listCheckpoints({ subscription: "unknown" })).toEqual([]);
    expect(await listed(support, undefined)).toHaveLength(4);
  },
  "administration.namespaces-are-isolated": async (context) => {
    const support = supportOf(await context.createAdapter());
    const other = supportOf(await context.createAdapter({ testId: `${context.testId}-other` }));
    await support.writeCheckpoint({ subscription: "shared-name", share: 0, position: 3n, expected: undefined });
    await other.writeCheckpoint({ subscription: "only-other", share: 0, position: 4n, expected: undefined });
    expect(await listed(support)).toEqual([["shared-name", 0, "3"]]);
    expect(await listed(other)).toEqual([["only-other", 0, "4"]]);
    await other.resetCheckpoint({ subscription: "shared-name", share: 0, position: 99n });
    expect(
      (await support.readCheckpoint({ subscription: "shared-name", share: 0 }))?.position,
      "a reset elsewhere changes nothing here",
    ).toBe(3n);
    expect(await listed(other, "shared-name")).toEqual([["shared-name", 0, "99"]]);
  },
  "administration.reset-moves-forwards-backwards-and-removes": async (context) => {
    const support = supportOf(await context.createAdapter());
    const key = { subscription: "reset", share: 0 };
    const neighbour = { subscription: "reset", share: 1 };
    await support.writeCheckpoint({ ...key, position: 5n, expected: undefined });
    await support.writeCheckpoint({ ...neighbour, position: 6n, expected: undefined });
    await support.resetCheckpoint({ ...key, position: 9n });
    expect((await support.readCheckpoint(key))?.position, "forwards").toBe(9n);
    await support.resetCheckpoint({ ...key, position: 2n });
    expect((await support.readCheckpoint(key))?.position, "backwards").toBe(2n);
    await support.resetCheckpoint({ ...key, position: 0n });
    const beginning = await support.readCheckpoint(key);
    expect(beginning?.position, "0n: before the first event").toBe(0n);
    expect(beginning?.updatedAt).toBeInstanceOf(Date);
    await support.resetCheckpoint({ ...key, position: 0n });
    expect((await support.readCheckpoint(key))?.position, "resetting to the same position is harmless").toBe(0n);
    expect((await support.readCheckpoint(neighbour))?.position, "other shares keep theirs").toBe(6n);
    await support.resetCheckpoint({ ...key, position: undefined });
    expect(await support.readCheckpoint(key), "undefined removes it").toBeUndefined();
    expect(await listed(support)).toEqual([["reset", 1, "6"]]);
    await support.resetCheckpoint({ ...key, position: undefined });
    expect(await support.readCheckpoint(key), "removing what is not stored is harmless").toBeUndefined();
    await support.resetCheckpoint({ ...neighbour, position: undefined });
    expect(await support.listCheckpoints(), "a subscription without checkpoints is not listed").toEqual([]);
    await support.resetCheckpoint({ subscription: "fresh", share: 3, position: 4n });
    expect(await listed(support), "a reset may create a checkpoint").toEqual([["fresh", 3, "4"]]);
  },
  "administration.compare-and-set-after-reset": async (context) => {
    const support = supportOf(await context.createAdapter());
    const key = { subscription: "cas-after-reset", share: 0 };
    await support.writeCheckpoint({ ...key, position: 5n, expected: undefined });
    await support.resetCheckpoint({ ...key, position: 2n });
    expect(
      await support.writeCheckpoint({ ...key, position: 6n, expected: 5n }),
      "a writer that still expects the position before the reset changes nothing",
    ).toBe(false);
    expect((await support.readCheckpoint(key))?.position).toBe(2n);
    expect(await support.writeCheckpoint({ ...key, position: 3n, expected: 2n }), "a writer that read the reset position").toBe(true);
    expect((await support.readCheckpoint(key))?.position).toBe(3n);
    await support.resetCheckpoint({ ...key, position: undefined });
    expect(await support.writeCheckpoint({ ...key, position: 4n, expected: 3n }), "nothing is stored after a removal").toBe(false);
    expect(await support.writeCheckpoint({ ...key, position: 4n, expected: undefined })).toBe(true);
    expect(await listed(support)).toEqual([["cas-after-reset", 0, "4"]]);
  },
  "administration.reset-ignores-leases-and-keeps-them": {
    requires: ["consumerGroups"],
    run: async (context) => {
      const support = supportOf(await context.createAdapter());
      const share = { subscription: "fenced", share: 3 };
      const lease = await support.acquireLease?.({ ...share, member: "m1", leaseMs: 60_000 });
      expect(lease?.epoch).toBe(1);
      await support.writeCheckpoint({ ...share, position: 5n, expected: undefined, epoch: 1 });
      await support.resetCheckpoint({ ...share, position: 1n });
      expect((await support.readCheckpoint(share))?.position, "no epoch is needed").toBe(1n);
      expect(await support.listLeases?.("fenced"), "the lease is left as it was").toMatchObject([{ ...share, member: "m1", epoch: 1 }]);
      expect(await support.writeCheckpoint({ ...share, position: 2n, expected: 1n, epoch: 1 }), "the holder writes on from the reset").toBe(
        true,
      );
    },
  },
  "administration.subscription-starts-from-reset-checkpoint": async (context) => {
    const store = await context.createStore();
    const support = supportOf(store.adapter);
    const stored = await store.stream("accounts", "a").publish({ events: events(4) });
    const last = stored.at(-1)?.sequenceNumber as bigint;
    const run = async (from: "beginning" | "end" = "beginning") => {
      const seen: StoredEvent[] = [];
      const subscription = store.subscribe({ name: "replay", source: store.log(), from, handler: (event) => void seen.push(event) });
      await subscription.caughtUp();
      await subscription.close();
      return seen.map((event) => event.id);
    };
    expect(await run()).toEqual(stored.map((event) => event.id));
    await support.resetCheckpoint({ subscription: "replay", share: 0, position: 0n });
    expect(await run("end"), "0n: from the beginning, whatever `from` says").toEqual(stored.map((event) => event.id));
    await support.resetCheckpoint({ subscription: "replay", share: 0, position: stored[1]?.sequenceNumber });
    expect(await run(), "after the position reset to").toEqual(stored.slice(2).map((event) => event.id));
    expect((await support.readCheckpoint({ subscription: "replay", share: 0 }))?.position).toBe(last);
    await support.resetCheckpoint({ subscription: "replay", share: 0, position: undefined });
    expect(await run("end"), "removed: as `from` says").toEqual([]);
  },
  "administration.closed-rejects": async (context) => {
    const adapter = await context.createAdapter();
    const support = supportOf(adapter);
    await adapter.close();
    await expectRejection(support.listCheckpoints(), "CLOSED");
    await expectRejection(support.resetCheckpoint({ subscription: "s", share: 0, position: 1n }), "CLOSED");
  },
});
