import { EventStore } from "@chronicle/core";
import { InMemoryEventStorageAdapter } from "@chronicle/in-memory";
import { type BenchSuite, measure, runConcurrently } from "./harness.js";

const PUBLISHES = 20_000;
const LOG_EVENTS = 100_000;

/** The in-memory adapter: publish and full-log iteration, against plain arrays. */
export const inMemorySuite: BenchSuite = {
  name: "in-memory",
  async run() {
    const store = new EventStore(new InMemoryEventStorageAdapter());
    await measure({ suite: "in-memory", scenario: "publish 1 event, 8 writers", subject: "chronicle", unit: "events" }, async () => {
      await runConcurrently(8, PUBLISHES, async (index, worker) => {
        await store.stream("accounts", `account-${worker}`).publish({ events: [{ name: "deposited", payload: { amount: index } }] });
      });
      return PUBLISHES;
    });
    const baseline: { stream: string; payload: string }[] = [];
    await measure({ suite: "in-memory", scenario: "publish 1 event, 8 writers", subject: "baseline", unit: "events" }, async () => {
      await runConcurrently(8, PUBLISHES, async (index, worker) => {
        baseline.push({ stream: `account-${worker}`, payload: JSON.stringify({ amount: index }) });
      });
      return PUBLISHES;
    });

    const batch = Array.from({ length: 100 }, (_, index) => ({ name: "tick", payload: { index } }));
    while (((await store.log().latest())?.sequenceNumber ?? 0n) < BigInt(LOG_EVENTS)) {
      await store.stream("ticks", "clock").publish({ events: batch });
    }
    await measure(
      { suite: "in-memory", scenario: `iterate log of ${LOG_EVENTS}+ events`, subject: "chronicle", unit: "events" },
      async () => {
        let count = 0;
        for await (const _ of store.log().iterate()) count += 1;
        return count;
      },
    );
    await store.close();
  },
};
