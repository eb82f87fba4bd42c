import { createServer } from "node:net";
import {
  type ChronicleErrorCode,
  categoryIdentifier,
  EventStore,
  isChronicleError,
  logIdentifier,
  type Projection,
  ProjectionStore,
  prepareProjection,
  streamIdentifier,
} from "@chronicle/core";
import { createRandom, projection } from "@chronicle/testing";
import { Cluster, Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisEventStorageAdapter, RedisProjectionStorageAdapter } from "../src/index.js";
import type { RedisClientLike } from "../src/redis-options.js";
import { RedisProjectionKeys } from "../src/redis-projection-keys.js";
import { readRawProjections } from "./redis-projection-oracle.js";
import {
  clusterUnavailableReason,
  connectCluster,
  deleteTestKeys,
  PROJECTION_TEST_DB,
  REDIS_URL,
  startOutageProxy,
  uniquePrefix,
} from "./redis-test-support.js";

const JOE = projection()
  .withName("profile")
  .withId("joe")
  .withSource(streamIdentifier("profiles", "joe"))
  .withState({ name: "Joe" })
  .withPosition(3n)
  .withEventCount(3)
  .updatedAt(new Date("2026-01-02T03:04:05.678Z"))
  .build();

function expectCode(error: unknown, code: ChronicleErrorCode): void {
  expect(isChronicleError(error, code), `expected ${code}, got ${String(error)}`).toBe(true);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${String(value)}`);
    },
    (error: unknown) => error,
  );
}

/** Whether (version, position) of `a` comes after that of `b`: the order saves keep. */
function later(a: Projection, b: Projection): boolean {
  if (a.version !== b.version) return a.version > b.version;
  return (a.position ?? -1n) > (b.position ?? -1n);
}

/** The same tests on a single node and on the local cluster. */
function describeOn(label: string, connect: () => Redis | Cluster, url: () => string | undefined): void {
  describe(`RedisProjectionStorageAdapter on ${label}`, () => {
    let client: Redis | Cluster;
    const adapters: RedisProjectionStorageAdapter[] = [];

    beforeAll(() => {
      client = connect();
    });

    afterAll(async () => {
      await Promise.all(adapters.map((adapter) => adapter.close()));
      await deleteTestKeys(client);
      client.disconnect();
    });

    function open(keyPrefix = uniquePrefix("projections"), options: { migrate?: boolean } = {}): RedisProjectionStorageAdapter {
      const adapter = new RedisProjectionStorageAdapter({ client }, { keyPrefix, ...options });
      adapters.push(adapter);
      return adapter;
    }

    it("saves, loads, locates and deletes", async () => {
      const adapter = open();
      const store = new ProjectionStore(adapter);
      expect(await store.load({ name: "profile", id: "joe" })).toBeUndefined();
      expect(await store.locate({ name: "profile", source: JOE.source })).toBeUndefined();
      expect(await store.save(JOE)).toBe(true);
      expect(await store.load({ name: "profile", id: "joe" })).toEqual(JOE);
      expect(await store.locate({ name: "profile", source: JOE.source })).toEqual(JOE);
      expect(await store.locate({ name: "other", source: JOE.source })).toBeUndefined();
      expect(await store.locate({ name: "profile", source: categoryIdentifier("profiles") })).toBeUndefined();
      expect(await store.delete({ name: "profile", id: "joe" })).toBe(true);
      expect(await store.delete({ name: "profile", id: "joe" })).toBe(false);
      expect(await store.load({ name: "profile", id: "joe" })).toBeUndefined();
      expect(await store.locate({ name: "profile", source: JOE.source })).toBeUndefined();
      expect(await readRawProjections(client, adapter.keyPrefix)).toEqual([]);
    });

    it("moves a projection's locate entry when a save gives it another source", async () => {
      const adapter = open();
      const store = new ProjectionStore(adapter);
      await store.save(JOE);
      const moved = { ...JOE, source: logIdentifier(), position: 4n };
      expect(await store.save(moved)).toBe(true);
      expect(await store.locate({ name: "profile", source: JOE.source })).toBeUndefined();
      expect(await store.locate({ name: "profile", source: logIdentifier() })).toEqual(moved);
      // An ignored save moves nothing either.
      expect(await store.save({ ...JOE, position: 1n })).toBe(false);
      expect(await store.locate({ name: "profile", source: JOE.source })).toBeUndefined();
      expect(await readRawProjections(client, adapter.keyPrefix)).toEqual([moved]);
    });

    it("locates the smallest id by code point, not by UTF-16 unit", async () => {
      const store = new ProjectionStore(open());
      const source = categoryIdentifier("profiles");
      // UTF-16 puts "\u{1F600}" (a surrogate pair, 0xD83D…) before "\uFFFD"; code points put it after.
      for (const id of ["b", "\u{1F600}", "\uFFFD", "é"]) {
        await store.save(projection().withName("profile").withId(id).withSource(source).build());
      }
      expect((await store.locate({ name: "profile", source }))?.id).toBe("b");
      await store.delete({ name: "profile", id: "b" });
      expect((await store.locate({ name: "profile", source }))?.id).toBe("é");
      await store.delete({ name: "profile", id: "é" });
      expect((await store.locate({ name: "profile", source }))?.id).toBe("\uFFFD");
      await store.delete({ name: "profile", id: "\uFFFD" });
      expect((await store.locate({ name: "profile", source }))?.id).toBe("\u{1F600}");
    });

    it("compares positions beyond 2^53 exactly, across digit counts and 15-digit chunks", async () => {
      const store = new ProjectionStore(open());
      const at = (position: bigint | undefined, version = 1) => ({ ...JOE, version, position, state: { at: String(position) } });
      const steps: [bigint | undefined, boolean][] = [
        [undefined, true],
        [undefined, true],
        [0n, true],
        [undefined, false],
        [999_999_999_999_999n, true],
        [99_999_999_999_999n, false],
        [1_000_000_000_000_000n, true],
        [123_456_789_012_345_678_901_234_567_890n, true],
        [123_456_789_012_345_678_901_234_567_889n, false],
        [123_456_789_012_345_678_901_234_567_890n, true],
        [123_456_789_012_345_678_901_234_567_891n, true],
        [2n ** 100n, true],
        [2n ** 100n - 1n, false],
      ];
      for (const [position, stored] of steps) {
        expect(await store.save(at(position)), `saving position ${String(position)}`).toBe(stored);
      }
      expect(await store.load(JOE)).toEqual(at(2n ** 100n));
      expect(await store.save(at(undefined, 2)), "a higher version wins without a position").toBe(true);
      expect(await store.save(at(2n ** 200n, 1)), "a lower version loses whatever its position").toBe(false);
      expect(await store.load(JOE)).toEqual(at(undefined, 2));
    });

    it("keeps the largest (version, position) of many concurrent savers on separate connections", async () => {
      const keyPrefix = uniquePrefix("concurrent");
      const random = createRandom(42);
      const savers = 8;
      const savesEach = 40;
      const connections = Array.from({ length: savers }, () => {
        const target = url();
        return target === undefined ? open(keyPrefix) : trackOwned(new RedisProjectionStorageAdapter({ url: target }, { keyPrefix }));
      });
      const candidates = Array.from({ length: savers * savesEach }, (_, index) => {
        const position = random.integer(0, 30);
        return {
          ...JOE,
          version: random.integer(1, 3),
          position: position === 0 ? undefined : BigInt(position) * 10n ** 20n,
          state: { index },
          eventCount: index,
        };
      });
      const outcomes = await Promise.all(
        connections.map(async (adapter, saver) => {
          const results: boolean[] = [];
          for (let index = saver; index < candidates.length; index += savers) {
            results.push(await adapter.save(prepareProjection(candidates[index])));
          }
          return results;
        }),
      );
      const best = candidates.reduce((max, candidate) => (later(candidate, max) ? candidate : max));
      const stored = await connections[0]?.load(JOE);
      expect(stored?.version).toBe(best.version);
      expect(stored?.position).toBe(best.position);
      const winners = candidates.filter((candidate) => !later(best, candidate));
      expect(winners.map((winner) => winner.state)).toContainEqual(stored?.state);
      expect(outcomes.flat().filter(Boolean).length, "at least the first save and the final one were stored").toBeGreaterThanOrEqual(2);
      expect(await readRawProjections(client, keyPrefix)).toEqual([stored]);
    });

    it("shares a client and a key prefix with the event adapter without clashing keys", async () => {
      const keyPrefix = uniquePrefix("shared");
      const events = new EventStore(new RedisEventStorageAdapter({ client }, { keyPrefix }));
      const projections = new ProjectionStore(open(keyPrefix));
      // Names that an event store key could be made of, if the layouts overlapped.
      const source = streamIdentifier("projection", "format");
      const item = projection().withName("projection").withId("format").withSource(source).withState({ ok: true }).build();
      await events.stream("projection", "format").publish({ events: [{ name: "projection-format", payload: { n: 1 } }] });
      expect(await projections.save(item)).toBe(true);
      await events.stream("projection-source", "x").publish({ events: [{ name: "e", payload: {} }] });
      expect((await events.log().read()).map((event) => event.name)).toEqual(["projection-format", "e"]);
      expect(await projections.load(item)).toEqual(item);
      expect(await projections.locate({ name: "projection", source })).toEqual(item);
      await events.close();
      await projections.close();
      expect(await client.call("PING"), "closing both adapters leaves the user's client open").toBe("PONG");
    });

    it("keeps every key of a store in the store's hash tag", async () => {
      const keyPrefix = uniquePrefix("tagged");
      const store = new ProjectionStore(open(keyPrefix));
      await store.save(JOE);
      await store.save({ ...JOE, name: "{other}", id: "}{" });
      const keys = new RedisProjectionKeys(keyPrefix);
      const tagged = [keys.format, keys.projection("profile", "joe"), keys.projection("{other}", "}{"), keys.source("profile", JOE.source)];
      for (const key of tagged) expect(await client.exists(key), key).toBe(1);
      if (client instanceof Cluster) {
        const slots = await Promise.all(tagged.map((key) => client.cluster("KEYSLOT", key)));
        expect(new Set(slots).size).toBe(1);
      }
    });

    it("rejects with CLOSED after close, and leaves the user's client open", async () => {
      const adapter = open();
      await adapter.save(prepareProjection(JOE));
      await adapter.close();
      for (const call of [
        () => adapter.save(prepareProjection(JOE)),
        () => adapter.load(JOE),
        () => adapter.locate("profile", JOE.source),
        () => adapter.delete(JOE),
        () => adapter.migrate(),
        () => adapter.search(),
        () => adapter.count(),
      ]) {
        expectCode(await rejection(call()), "CLOSED");
      }
      await adapter.close();
      expect(await client.call("PING")).toBe("PONG");
    });

    it("declares no search, and the store rejects search, iterate and count naming the capability", async () => {
      const adapter = open();
      const store = new ProjectionStore(adapter);
      expect(adapter.capabilities).toEqual({ search: false });
      for (const error of [
        await rejection(store.search({ name: "profile" })),
        await rejection(store.count({})),
        await rejection(store.iterate({}).next()),
        await rejection(adapter.search()),
      ]) {
        expectCode(error, "INVALID_INPUT");
        expect((error as Error).message).toContain("capabilities.search: false");
      }
    });

    it("shares one migration between concurrent calls on one adapter, and migrates from two adapters at once", async () => {
      const keyPrefix = uniquePrefix("migrate");
      const sent: string[] = [];
      const counting: RedisClientLike = {
        call: (command, ...args) => {
          sent.push(command);
          return client.call(command, ...args) as Promise<unknown>;
        },
      };
      const a = trackOwned(new RedisProjectionStorageAdapter({ client: counting }, { keyPrefix, migrate: false }));
      const b = open(keyPrefix, { migrate: false });
      await Promise.all([a.migrate(), b.migrate(), a.migrate()]);
      // A NOSCRIPT answer adds an EVAL, never a second EVALSHA.
      expect(
        sent.filter((command) => command === "EVALSHA"),
        "a's two calls share one migration",
      ).toEqual(["EVALSHA"]);
      expect(await client.call("GET", new RedisProjectionKeys(keyPrefix).format)).toBe("1");
      await Promise.all([a.migrate(), b.migrate(), a.migrate()]);
      expect(await a.save(prepareProjection(JOE))).toBe(true);
      expect(await b.load(JOE)).toEqual(JOE);
    });

    it("refuses a key prefix holding projections of another layout version", async () => {
      const keyPrefix = uniquePrefix("format");
      await client.call("SET", new RedisProjectionKeys(keyPrefix).format, "99");
      const adapter = open(keyPrefix);
      const error = await rejection(adapter.load(JOE));
      expectCode(error, "INVALID_INPUT");
      expect((error as Error).message).toContain("format 99");
      const unchecked = open(keyPrefix, { migrate: false });
      expect(await unchecked.load(JOE), "migrate: false skips the check").toBeUndefined();
    });

    it("classifies a script error as UNAVAILABLE and writes nothing", async () => {
      const keyPrefix = uniquePrefix("script-error");
      const keys = new RedisProjectionKeys(keyPrefix);
      const store = new ProjectionStore(open(keyPrefix));
      await store.save(JOE);
      // The locate index of another source, overwritten with a string: the save to it must fail before any write.
      const elsewhere = { ...JOE, source: categoryIdentifier("profiles"), position: 9n };
      await client.call("SET", keys.source("profile", elsewhere.source), "not a sorted set");
      const error = await rejection(store.save(elsewhere));
      expectCode(error, "UNAVAILABLE");
      expect((error as { retryable: boolean }).retryable).toBe(true);
      expect((error as { cause: unknown }).cause).toBeInstanceOf(Error);
      expect(await store.load(JOE)).toEqual(JOE);
      expect(await store.locate({ name: "profile", source: JOE.source })).toEqual(JOE);
    });

    function trackOwned(adapter: RedisProjectionStorageAdapter): RedisProjectionStorageAdapter {
      adapters.push(adapter);
      return adapter;
    }
  });
}

describeOn(
  "a single node",
  () => new Redis(REDIS_URL, { db: PROJECTION_TEST_DB, maxRetriesPerRequest: 1 }),
  () => {
    const url = new URL(REDIS_URL);
    url.pathname = `/${PROJECTION_TEST_DB}`;
    return url.toString();
  },
);

const unavailable = await clusterUnavailableReason();
if (unavailable === undefined) {
  describeOn("Redis Cluster", connectCluster, () => undefined);
} else {
  describe("RedisProjectionStorageAdapter on Redis Cluster", () => {
    it.skip(unavailable, () => {});
  });
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

describe("RedisProjectionStorageAdapter when Redis fails", () => {
  it("rejects every call with UNAVAILABLE when Redis cannot be reached", async () => {
    const port = await closedPort();
    const adapter = new RedisProjectionStorageAdapter(
      { url: `redis://127.0.0.1:${port}`, redisOptions: { retryStrategy: () => null, maxRetriesPerRequest: 0 } },
      { keyPrefix: uniquePrefix("unreachable") },
    );
    try {
      for (const call of [
        () => adapter.save(prepareProjection(JOE)),
        () => adapter.load(JOE),
        () => adapter.locate("profile", JOE.source),
        () => adapter.delete(JOE),
      ]) {
        const error = await rejection(call());
        expectCode(error, "UNAVAILABLE");
        expect((error as { retryable: boolean }).retryable).toBe(true);
        expect((error as { cause: unknown }).cause).toBeInstanceOf(Error);
      }
    } finally {
      await adapter.close();
    }
  });

  it("rejects with UNAVAILABLE while the network is down, and works again once it is back", async () => {
    const proxy = await startOutageProxy();
    const keyPrefix = uniquePrefix("outage");
    const admin = new Redis(REDIS_URL, { db: PROJECTION_TEST_DB, maxRetriesPerRequest: 1 });
    const adapter = new RedisProjectionStorageAdapter(
      {
        url: `redis://127.0.0.1:${proxy.port}/${PROJECTION_TEST_DB}`,
        redisOptions: { maxRetriesPerRequest: 0, retryStrategy: () => 50 },
      },
      { keyPrefix },
    );
    const store = new ProjectionStore(adapter);
    try {
      expect(await store.save(JOE)).toBe(true);
      await proxy.cut();
      expectCode(await rejection(store.save({ ...JOE, position: 4n })), "UNAVAILABLE");
      expectCode(await rejection(store.load(JOE)), "UNAVAILABLE");
      await proxy.restore();
      let loaded: Projection | undefined;
      for (let attempt = 0; attempt < 100 && loaded === undefined; attempt += 1) {
        loaded = await store.load(JOE).catch(async (error: unknown) => {
          expectCode(error, "UNAVAILABLE");
          await new Promise((resolve) => setTimeout(resolve, 50));
          return undefined;
        });
      }
      expect(loaded, "the save rejected during the outage never happened").toEqual(JOE);
      expect(await store.save({ ...JOE, position: 4n })).toBe(true);
    } finally {
      await adapter.close();
      await proxy.close();
      await deleteTestKeys(admin);
      admin.disconnect();
    }
  });

  it("quits the client it opened on close", async () => {
    const connectionName = `chronicle-owned-${process.pid}-${Date.now()}`;
    const adapter = new RedisProjectionStorageAdapter(
      { url: REDIS_URL, redisOptions: { db: PROJECTION_TEST_DB, connectionName } },
      { keyPrefix: uniquePrefix("owned") },
    );
    const admin = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    const connected = async () => String(await admin.call("CLIENT", "LIST")).includes(`name=${connectionName} `);
    try {
      await adapter.load(JOE);
      expect(await connected()).toBe(true);
      await adapter.close();
      let open = true;
      for (let attempt = 0; attempt < 100 && open; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        open = await connected();
      }
      expect(open, "the adapter's own connection is gone").toBe(false);
    } finally {
      admin.disconnect();
    }
  });
});
