import { logIdentifier, streamIdentifier } from "@chronicle/core";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { advisoryLockKey } from "../src/advisory-lock-keys.js";
import { classifyPostgresError } from "../src/classify-postgres-error.js";
import { PostgresEventStorageAdapter } from "../src/index.js";
import { createPool, POSTGRES_URL, readRaw } from "./postgres-test-support.js";
import { useTestSchemas } from "./test-schemas.js";

const { pool, schemaFor } = useTestSchemas(10);
const target = streamIdentifier("errors", "one");
const event = { name: "attempted", payload: { attempt: 1 } };

/** Holds the schema's "log" write lock on a connection of its own, so saves wait, until `release()`. */
async function holdWriteLock(schema: string): Promise<{ release(): Promise<void> }> {
  const client = await pool.connect();
  await client.query("BEGIN");
  await client.query("SELECT pg_advisory_xact_lock($1::bigint)", [advisoryLockKey(schema, "log")]);
  return {
    async release() {
      await client.query("COMMIT");
      client.release();
    },
  };
}

async function waitUntilWaiting(schema: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const { rows } = await pool.query(
      "SELECT count(*)::integer AS count FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1",
      [`%${schema}%append_events%`],
    );
    if (rows[0].count > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("the save never waited on the lock");
}

describe("errors", () => {
  it("a server that refuses connections is UNAVAILABLE, retryable, with the driver's error as cause", async () => {
    const adapter = new PostgresEventStorageAdapter(
      { connectionString: "postgres://postgres@127.0.0.1:1/test" },
      { schema: "unreachable" },
    );
    for (const call of [() => adapter.save([{ target, events: [event] }]), () => adapter.latest(target), () => adapter.migrate()]) {
      await expect(call()).rejects.toMatchObject({ code: "UNAVAILABLE", retryable: true, cause: { code: "ECONNREFUSED" } });
    }
    await adapter.close();
  });

  it("a statement timeout is UNAVAILABLE, and the save stored nothing", async () => {
    const schema = schemaFor("statement-timeout");
    const impatient = new pg.Pool({ connectionString: POSTGRES_URL, max: 2, options: "-c statement_timeout=300" });
    const adapter = new PostgresEventStorageAdapter({ pool: impatient }, { schema });
    await adapter.migrate();
    const lock = await holdWriteLock(schema);
    await expect(adapter.save([{ target, events: [event] }])).rejects.toMatchObject({
      code: "UNAVAILABLE",
      retryable: true,
      cause: { code: "57014" },
    });
    await lock.release();
    expect(await readRaw(pool, schema)).toEqual([]);
    await adapter.close();
    await impatient.end();
  });

  it("a pool that cannot hand out a connection in time is UNAVAILABLE", async () => {
    const small = new pg.Pool({ connectionString: POSTGRES_URL, max: 1, connectionTimeoutMillis: 200 });
    const adapter = new PostgresEventStorageAdapter({ pool: small }, { schema: schemaFor("pool-timeout") });
    await adapter.migrate();
    const held = await small.connect();
    await expect(adapter.latest(logIdentifier())).rejects.toMatchObject({ code: "UNAVAILABLE", retryable: true });
    held.release();
    expect(await adapter.latest(logIdentifier())).toBeUndefined();
    await adapter.close();
    await small.end();
  });

  it("a connection lost mid-save is UNAVAILABLE, and the save stored nothing", async () => {
    const schema = schemaFor("terminated");
    const own = createPool(2);
    const adapter = new PostgresEventStorageAdapter({ pool: own }, { schema });
    await adapter.migrate();
    const lock = await holdWriteLock(schema);
    // Caught at once: it may reject while the test is still busy terminating the connection.
    const saving = adapter.save([{ target, events: [event] }]).catch((error: unknown) => error);
    await waitUntilWaiting(schema);
    await pool.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()", [
      `%${schema}%append_events%`,
    ]);
    expect(await saving).toMatchObject({ code: "UNAVAILABLE", retryable: true });
    await lock.release();
    expect(await readRaw(pool, schema)).toEqual([]);
    // The pool replaces the lost connection.
    await adapter.save([{ target, events: [event] }]);
    expect(await readRaw(pool, schema)).toHaveLength(1);
    await adapter.close();
    await own.end();
  });

  it("classifies real serialisation failures for a retry and backstop violations as conflicts", async () => {
    const schema = schemaFor("classify");
    const adapter = new PostgresEventStorageAdapter({ pool }, { schema });
    await adapter.save([{ target, events: [{ id: "only-once", ...event }] }]);
    const duplicate = await pool
      .query(
        `INSERT INTO "${schema}".events (sequence_number, id, category, stream, position, name, payload, metadata, occurred_at, observed_at, transaction_id)
         VALUES (999, 'only-once', 'x', 'y', 0, 'n', 'null', '{}', now(), now(), pg_current_xact_id())`,
      )
      .catch((error: unknown) => error);
    expect(classifyPostgresError(duplicate)).toEqual({ kind: "conflict", constraint: "id" });

    const [first, second] = [await pool.connect(), await pool.connect()];
    await first.query(`CREATE TABLE "${schema}".counters (id integer PRIMARY KEY, value integer)`);
    await first.query(`INSERT INTO "${schema}".counters VALUES (1, 0)`);
    await first.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
    await second.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
    await first.query(`SELECT * FROM "${schema}".counters`);
    await second.query(`SELECT * FROM "${schema}".counters`);
    await first.query(`UPDATE "${schema}".counters SET value = 1`);
    const conflicting = second.query(`UPDATE "${schema}".counters SET value = 2`).catch((error: unknown) => error);
    await first.query("COMMIT");
    const serialisationFailure = await conflicting;
    expect(serialisationFailure).toMatchObject({ code: "40001" });
    expect(classifyPostgresError(serialisationFailure)).toEqual({ kind: "retry" });
    await second.query("ROLLBACK");
    first.release();
    second.release();
    await adapter.close();
  });
});

describe("AbortSignal", () => {
  it("cancels a save in flight: it rejects with the signal's reason and stores nothing", async () => {
    const schema = schemaFor("abort-save");
    const adapter = new PostgresEventStorageAdapter({ pool }, { schema });
    await adapter.migrate();
    const lock = await holdWriteLock(schema);
    const controller = new AbortController();
    const saving = adapter.save([{ target, events: [event] }], { signal: controller.signal }).catch((error: unknown) => error);
    await waitUntilWaiting(schema);
    const reason = new Error("the caller gave up");
    controller.abort(reason);
    expect(await saving).toBe(reason);
    await lock.release();
    expect(await readRaw(pool, schema)).toEqual([]);
    // Saves that carry no signal, or one that never fires, go on as usual.
    const calm = new AbortController();
    await adapter.save([{ target, events: [event] }], { signal: calm.signal });
    await adapter.save([{ target, events: [event] }]);
    expect((await readRaw(pool, schema)).map((stored) => stored.position)).toEqual([0, 1]);
    await adapter.close();
  });

  it("rejects a save whose signal is already aborted without storing it", async () => {
    const schema = schemaFor("abort-early");
    const adapter = new PostgresEventStorageAdapter({ pool }, { schema });
    const reason = new Error("too late");
    await expect(adapter.save([{ target, events: [event] }], { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    await adapter.migrate();
    expect(await readRaw(pool, schema)).toEqual([]);
    await adapter.close();
  });

  it("cancels a page query in flight", async () => {
    const schema = schemaFor("abort-scan");
    const adapter = new PostgresEventStorageAdapter({ pool }, { schema });
    await adapter.save([{ target, events: [event] }]);
    const blocker = await pool.connect();
    await blocker.query("BEGIN");
    await blocker.query(`LOCK TABLE "${schema}".events IN ACCESS EXCLUSIVE MODE`);
    const controller = new AbortController();
    const reading = (async () => {
      for await (const _ of adapter.scan(logIdentifier(), { signal: controller.signal })) {
        // nothing: the first page never arrives
      }
    })();
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const { rows } = await pool.query(
        "SELECT count(*)::integer AS count FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1 AND query NOT LIKE '%pg_stat_activity%'",
        [`%${schema}%`],
      );
      if (rows[0].count > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const reason = new Error("stop reading");
    controller.abort(reason);
    await expect(reading).rejects.toBe(reason);
    await blocker.query("ROLLBACK");
    blocker.release();
    await adapter.close();
  });
});
