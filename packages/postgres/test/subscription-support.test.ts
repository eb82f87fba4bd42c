import type { WakeUpHint } from "@chronicle/core";
import { newEvent } from "@chronicle/testing";
import { afterEach, describe, expect, it } from "vitest";
import { notificationChannel, PostgresEventStorageAdapter } from "../src/index.js";
import { quoteIdentifier } from "../src/sql-quoting.js";
import { POSTGRES_URL } from "./postgres-test-support.js";
import { useTestSchemas } from "./test-schemas.js";

const { pool, schemaFor } = useTestSchemas(4);
const opened: PostgresEventStorageAdapter[] = [];

afterEach(async () => {
  for (const adapter of opened.splice(0)) await adapter.close();
});

function open(schema: string, connection: "own" | "shared" = "own"): PostgresEventStorageAdapter {
  const adapter = new PostgresEventStorageAdapter(connection === "own" ? { connectionString: POSTGRES_URL, maxConnections: 4 } : { pool }, {
    schema,
  });
  opened.push(adapter);
  return adapter;
}

async function saveOne(adapter: PostgresEventStorageAdapter): Promise<bigint> {
  const [events] = await adapter.save([
    { target: { type: "stream", category: "pings", stream: "a" }, events: [newEvent().withName("ping").build()] },
  ]);
  const sequenceNumber = events?.[0]?.sequenceNumber;
  if (sequenceNumber === undefined) throw new Error("the save stored no event");
  return sequenceNumber;
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The server processes listening on the schema's channel. */
async function listeningBackends(schema: string): Promise<number[]> {
  const { rows } = await pool.query("SELECT pid FROM pg_stat_activity WHERE query = $1", [
    `LISTEN ${quoteIdentifier(notificationChannel(schema))}`,
  ]);
  return rows.map((row) => row.pid as number);
}

describe("PostgreSQL subscription support", () => {
  it("hears appends again after its listening connection is terminated", async () => {
    const schema = schemaFor("reconnect");
    const listening = open(schema);
    const writer = open(schema);
    await listening.migrate();
    const hints: WakeUpHint[] = [];
    const stop = await listening.subscriptions.listen((hint) => hints.push(hint));
    const first = await saveOne(writer);
    await until(() => hints.some((hint) => hint.sequenceNumber === first), "the first append is heard");

    const [backend] = await listeningBackends(schema);
    expect(backend, "one connection listens").toBeTypeOf("number");
    await pool.query("SELECT pg_terminate_backend($1)", [backend]);
    await until(async () => {
      const backends = await listeningBackends(schema);
      return backends.length === 1 && backends[0] !== backend;
    }, "a new connection listens");
    await until(() => hints.some((hint) => hint.sequenceNumber === undefined), "listeners are told they may have missed appends");
    const second = await saveOne(writer);
    await until(() => hints.some((hint) => hint.sequenceNumber === second), "an append after the reconnection is heard");

    await stop();
    await until(async () => (await listeningBackends(schema)).length === 0, "the last listener's stop closes the connection");
  });

  it("listens through a client of the user's pool, and close() lets it go", async () => {
    const schema = schemaFor("shared-pool");
    const listening = open(schema, "shared");
    const hints: WakeUpHint[] = [];
    await listening.subscriptions.listen((hint) => hints.push(hint));
    const sequenceNumber = await saveOne(open(schema));
    await until(() => hints.some((hint) => hint.sequenceNumber === sequenceNumber), "the append is heard");
    expect(await listeningBackends(schema)).toHaveLength(1);
    await listening.close();
    await until(async () => (await listeningBackends(schema)).length === 0, "close() ends the listening connection");
    await expect(listening.subscriptions.listen(() => undefined)).rejects.toMatchObject({ code: "CLOSED" });
    await expect(listening.subscriptions.readCheckpoint({ subscription: "s", share: 0 })).rejects.toMatchObject({ code: "CLOSED" });
  });

  it("lets exactly one of several connections win each compare-and-set round", async () => {
    const schema = schemaFor("cas-race");
    const racers = Array.from({ length: 4 }, () => open(schema));
    await racers[0]?.migrate();
    const key = { subscription: "race", share: 1 };
    let expected: bigint | undefined;
    for (let round = 0; round < 20; round += 1) {
      const results = await Promise.all(
        racers.map((racer, index) => racer.subscriptions.writeCheckpoint({ ...key, expected, position: BigInt(round * 10 + index + 1) })),
      );
      expect(results.filter(Boolean), `round ${round}: one winner`).toHaveLength(1);
      const stored = await racers[0]?.subscriptions.readCheckpoint(key);
      expect(stored?.position).toBe(BigInt(round * 10 + results.indexOf(true) + 1));
      expected = stored?.position;
    }
    const back = await racers[1]?.subscriptions.writeCheckpoint({ ...key, expected, position: 1n });
    expect(back, "a checkpoint never moves backwards").toBe(false);
  });

  it("fences off a member whose lease was taken over while it kept writing", async () => {
    const schema = schemaFor("fencing");
    const a = open(schema);
    const b = open(schema);
    await a.migrate();
    const share = { subscription: "group", share: 2 };
    const lease = await a.subscriptions.acquireLease({ ...share, member: "a", leaseMs: 200 });
    expect(lease?.epoch).toBe(1);
    let position = 0n;
    let takenOver = false;
    const lateWins: bigint[] = [];
    const writing = (async () => {
      for (let index = 0; index < 200 && !takenOver; index += 1) {
        const next = position + 1n;
        const startedAfterTakeover = takenOver;
        const written = await a.subscriptions.writeCheckpoint({
          ...share,
          expected: position === 0n ? undefined : position,
          position: next,
          epoch: 1,
        });
        if (written) {
          position = next;
          if (startedAfterTakeover) lateWins.push(next);
        }
      }
    })();
    let takeover: Awaited<ReturnType<typeof b.subscriptions.acquireLease>>;
    await until(async () => {
      takeover = await b.subscriptions.acquireLease({ ...share, member: "b", leaseMs: 60_000 });
      return takeover !== undefined;
    }, "b takes the expired lease over");
    takenOver = true;
    await writing;
    expect(takeover?.epoch).toBe(2);
    expect(lateWins, "no write of the old holder that started after the takeover succeeded").toEqual([]);
    const stored = (await b.subscriptions.readCheckpoint(share))?.position;
    expect(await a.subscriptions.writeCheckpoint({ ...share, expected: stored, position: (stored ?? 0n) + 1n, epoch: 1 })).toBe(false);
    expect(await a.subscriptions.renewLease({ ...share, member: "a", epoch: 1, leaseMs: 60_000 })).toBeUndefined();
    expect(await b.subscriptions.writeCheckpoint({ ...share, expected: stored, position: (stored ?? 0n) + 1n, epoch: 2 })).toBe(true);
    expect(await b.subscriptions.releaseLease({ ...share, member: "b", epoch: 2 })).toBe(true);
    expect(
      await b.subscriptions.writeCheckpoint({ ...share, expected: (stored ?? 0n) + 1n, position: (stored ?? 0n) + 2n, epoch: 2 }),
      "a released lease fences its last holder too",
    ).toBe(false);
  });

  it("rolls a transactional handler's writes back with a checkpoint that no longer holds", async () => {
    const schema = schemaFor("transaction");
    const adapter = open(schema);
    await adapter.migrate();
    const table = `${quoteIdentifier(schema)}.effects`;
    await pool.query(`CREATE TABLE ${table} (key text NOT NULL)`);
    const key = { subscription: "tx", share: 0 };
    const record = (value: string) => async (transaction: { query(query: { text: string; values?: unknown[] }): Promise<unknown> }) => {
      await transaction.query({ text: `INSERT INTO ${table} (key) VALUES ($1)`, values: [value] });
      return value;
    };
    expect(await adapter.subscriptions.runInTransaction({ ...key, expected: undefined, position: 1n }, record("one"))).toEqual({
      committed: true,
      result: "one",
    });
    expect(await adapter.subscriptions.runInTransaction({ ...key, expected: undefined, position: 2n }, record("stale"))).toEqual({
      committed: false,
    });
    const failure = new Error("handler failed");
    await expect(
      adapter.subscriptions.runInTransaction({ ...key, expected: 1n, position: 2n }, async (transaction) => {
        await record("failed")(transaction);
        throw failure;
      }),
    ).rejects.toBe(failure);
    const { rows } = await pool.query(`SELECT key FROM ${table} ORDER BY key`);
    expect(rows.map((row) => row.key)).toEqual(["one"]);
    expect((await adapter.subscriptions.readCheckpoint(key))?.position).toBe(1n);
  });
});
