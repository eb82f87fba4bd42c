import { expect } from "vitest";
import { events, expectRejection } from "../helpers.js";
import { defineSubscriptionTests } from "../subscription-contract-test.js";

/** Transactional handling: offered only where declared, and then atomic with the checkpoint. */
export const transactionalTests = defineSubscriptionTests("transactional", {
  "transactional.rejected-without-the-capability": {
    requires: ["not-transactional"],
    run: async (context) => {
      const store = await context.createStore();
      await expectRejection(
        async () => store.subscribe({ name: "tx", source: store.log(), transactional: true, handler: () => {} }),
        "INVALID_INPUT",
      );
    },
  },
  "transactional.checkpoint-commits-with-the-work": {
    requires: ["transactional"],
    run: async (context) => {
      const adapter = await context.createAdapter();
      const support = adapter.subscriptions;
      const run = support?.runInTransaction?.bind(support);
      if (support === undefined || run === undefined) throw new Error("transactional is declared but runInTransaction is missing");
      const key = { subscription: "tx", share: 0 };
      expect(await run({ ...key, position: 3n, expected: undefined }, async () => "done")).toEqual({ committed: true, result: "done" });
      expect((await support.readCheckpoint(key))?.position).toBe(3n);
      expect(await run({ ...key, position: 4n, expected: 1n }, async () => "stale"), "a stale expectation rolls back").toEqual({
        committed: false,
      });
      const failure = new Error("handler failed");
      await expect(run({ ...key, position: 5n, expected: 3n }, async () => Promise.reject(failure))).rejects.toBe(failure);
      expect((await support.readCheckpoint(key))?.position, "a failed handler leaves the checkpoint").toBe(3n);
    },
  },
  "transactional.subscription-hands-the-transaction": {
    requires: ["transactional"],
    run: async (context) => {
      const store = await context.createStore();
      await store.stream("tx", "a").publish({ events: events(2) });
      const transactions: unknown[] = [];
      await using subscription = store.subscribe({
        name: "tx",
        source: store.log(),
        transactional: true,
        handler: (_event, { transaction }) => void transactions.push(transaction),
      });
      await subscription.caughtUp();
      expect(transactions).toHaveLength(2);
      expect(transactions.every((transaction) => transaction !== undefined)).toBe(true);
      expect((await store.adapter.subscriptions?.readCheckpoint({ subscription: "tx", share: 0 }))?.position).toBe(
        subscription.status().position,
      );
    },
  },
});
