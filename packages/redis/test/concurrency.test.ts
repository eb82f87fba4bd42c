import { EventStore, isChronicleError, positionIs, type StoredEvent } from "@chronicle/core";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisEventStorageAdapter } from "../src/index.js";
import { connectRedis, deleteTestKeys, REDIS_URL, uniquePrefix } from "./redis-test-support.js";

let admin: Redis;
const clients: Redis[] = [];

beforeAll(async () => {
  admin = await connectRedis();
  // Separate connections, so writers really race on the server rather than queue on one socket.
  for (let index = 0; index < 6; index += 1) clients.push(new Redis(REDIS_URL, { maxRetriesPerRequest: 1 }));
});

afterAll(async () => {
  await deleteTestKeys(admin);
  for (const client of clients) client.disconnect();
  admin?.disconnect();
});

/** One store per connection, all over the same keys. */
function storesOnOnePrefix(label: string): EventStore[] {
  const keyPrefix = uniquePrefix(label);
  return clients.map((client) => new EventStore(new RedisEventStorageAdapter({ client }, { keyPrefix })));
}

describe("RedisEventStorageAdapter under concurrency", () => {
  it("lets exactly one of many writers racing on one position win", async () => {
    const stores = storesOnOnePrefix("race");
    const [first] = stores as [EventStore];
    await first.stream("race", "one").publish({ events: [{ name: "started", payload: null }] });
    for (let round = 0; round < 5; round += 1) {
      const outcomes = await Promise.allSettled(
        Array.from({ length: 60 }, (_, writer) =>
          (stores[writer % stores.length] as EventStore)
            .stream("race", "one")
            .publish({ events: [{ name: "won", payload: { writer } }], condition: positionIs(round) }),
        ),
      );
      const won = outcomes.filter((outcome) => outcome.status === "fulfilled");
      const lost = outcomes.filter((outcome) => outcome.status === "rejected");
      expect(won).toHaveLength(1);
      for (const outcome of lost) {
        expect(isChronicleError(outcome.reason, "UNMET_WRITE_CONDITION")).toBe(true);
        expect(outcome.reason.latestPosition).toBe(round + 1);
      }
    }
    const positions = (await first.stream("race", "one").read()).map((event) => event.position);
    expect(positions).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("never lets a tailing reader skip an event while writers append", async () => {
    const stores = storesOnOnePrefix("tail");
    const [reader] = stores as [EventStore];
    const writers = stores.slice(1);
    let writing = true;
    const write = Promise.all(
      writers.map(async (store, writer) => {
        for (let index = 0; index < 150; index += 1) {
          const size = 1 + (index % 4);
          await store
            .stream(`category-${index % 2}`, `stream-${writer}-${index % 5}`)
            .publish({ events: Array.from({ length: size }, (_, event) => ({ name: "appended", payload: { writer, index, event } })) });
        }
      }),
    ).finally(() => {
      writing = false;
    });

    const tail = async (read: (after: bigint | undefined) => Promise<StoredEvent[]>): Promise<bigint[]> => {
      const seen: bigint[] = [];
      let after: bigint | undefined;
      let finalPass = false;
      while (!finalPass) {
        finalPass = !writing;
        const page = await read(after);
        for (const event of page) seen.push(event.sequenceNumber);
        after = page.at(-1)?.sequenceNumber ?? after;
      }
      return seen;
    };
    const [logSeen, categorySeen] = await Promise.all([
      tail((after) => reader.log().read({ after, limit: 50 })),
      tail((after) => reader.category("category-1").read({ after, limit: 50 })),
      write,
    ]);

    const log = (await reader.log().read()).map((event) => event.sequenceNumber);
    const perWriter = Array.from({ length: 150 }, (_, index) => 1 + (index % 4)).reduce((sum, size) => sum + size, 0);
    expect(log.length).toBe(writers.length * perWriter);
    expect(logSeen).toEqual(log);
    expect(categorySeen).toEqual((await reader.category("category-1").read()).map((event) => event.sequenceNumber));
    expect(log).toEqual(log.map((_, index) => BigInt(index + 1)));
  });
});
