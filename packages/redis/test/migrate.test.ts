import { streamIdentifier } from "@chronicle/core";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisEventStorageAdapter } from "../src/index.js";
import { RedisKeys } from "../src/redis-keys.js";
import type { RedisClientLike } from "../src/redis-options.js";
import { connectRedis, deleteTestKeys, REDIS_URL, uniquePrefix } from "./redis-test-support.js";

let client: Redis;

beforeAll(async () => {
  client = await connectRedis();
});

afterAll(async () => {
  await deleteTestKeys(client);
  client?.disconnect();
});

/** The user's client, recording the commands sent through it. */
function recording(sent: string[]): RedisClientLike {
  return {
    call: (command, ...args) => {
      sent.push(command);
      return client.call(command, ...args) as Promise<unknown>;
    },
  };
}

const JOE = streamIdentifier("profiles", "joe");

describe("RedisEventStorageAdapter.migrate", () => {
  it("shares one migration between concurrent calls on one adapter, beside another adapter's on the same fresh prefix", async () => {
    const keyPrefix = uniquePrefix("migrate");
    const sent: string[] = [];
    const a = new RedisEventStorageAdapter({ client: recording(sent) }, { keyPrefix, migrate: false });
    const b = new RedisEventStorageAdapter({ url: REDIS_URL }, { keyPrefix, migrate: false });
    try {
      await Promise.all([a.migrate(), b.migrate(), a.migrate()]);
      // A NOSCRIPT answer adds an EVAL, never a second EVALSHA.
      expect(
        sent.filter((command) => command === "EVALSHA"),
        "a's two calls share one script call",
      ).toEqual(["EVALSHA"]);
      expect(await client.get(new RedisKeys(keyPrefix).format)).toBe("1");
      await Promise.all([a.migrate(), b.migrate(), a.migrate()]);
      await a.save([{ target: JOE, events: [{ name: "created", payload: {} }] }]);
      expect(await b.latest(JOE)).toMatchObject({ name: "created", position: 0 });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("lets migrate() calls join the migration a first save started", async () => {
    const keyPrefix = uniquePrefix("migrate-first-use");
    const sent: string[] = [];
    const adapter = new RedisEventStorageAdapter({ client: recording(sent) }, { keyPrefix });
    try {
      const calls = [adapter.save([{ target: JOE, events: [{ name: "created", payload: {} }] }]), adapter.migrate(), adapter.migrate()];
      await Promise.all(calls);
      const scripts = sent.filter((command) => command === "EVALSHA");
      expect(scripts, "one migration, then the append").toEqual(["EVALSHA", "EVALSHA"]);
      await adapter.migrate();
      expect(await adapter.latest(JOE)).toMatchObject({ name: "created" });
    } finally {
      await adapter.close();
    }
  });

  it("tries a failed migration again on the next call, and rejects with CLOSED after close", async () => {
    const keyPrefix = uniquePrefix("migrate-retry");
    await client.set(new RedisKeys(keyPrefix).format, "99");
    const adapter = new RedisEventStorageAdapter({ client }, { keyPrefix });
    const [first, second] = await Promise.allSettled([adapter.migrate(), adapter.migrate()]);
    expect(first).toMatchObject({ status: "rejected", reason: { code: "INVALID_INPUT" } });
    expect(second).toMatchObject({ status: "rejected", reason: { code: "INVALID_INPUT" } });
    await client.set(new RedisKeys(keyPrefix).format, "1");
    await expect(adapter.migrate()).resolves.toBeUndefined();
    await adapter.close();
    await expect(adapter.migrate()).rejects.toMatchObject({ code: "CLOSED" });
  });
});
