import { EventStore, streamIdentifier } from "@chronicle/core";
import { describe, expect, it } from "vitest";
import { LATEST_SCHEMA_VERSION, PostgresEventStorageAdapter, type PostgresPool } from "../src/index.js";
import { POSTGRES_MIGRATIONS } from "../src/postgres-migrations.js";
import { POSTGRES_URL } from "./postgres-test-support.js";
import { useTestSchemas } from "./test-schemas.js";

const { pool, schemaFor, dropAfterwards } = useTestSchemas(12);

/** Every version a fully migrated schema records. */
const ALL_VERSIONS = POSTGRES_MIGRATIONS.map((migration) => migration.version);

async function versions(schema: string): Promise<number[]> {
  const { rows } = await pool.query(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`);
  return rows.map((row) => row.version);
}

describe("migrations", () => {
  it("migrate() is idempotent and records the schema version", async () => {
    const schema = schemaFor("idempotent");
    const adapter = new PostgresEventStorageAdapter({ pool }, { schema });
    await adapter.migrate();
    await adapter.save([{ target: streamIdentifier("profiles", "joe"), events: [{ name: "created", payload: {} }] }]);
    await adapter.migrate();
    await adapter.migrate();
    expect(await versions(schema)).toEqual(ALL_VERSIONS);
    expect(await adapter.latest(streamIdentifier("profiles", "joe"))).toMatchObject({ name: "created", position: 0 });
    await adapter.close();
  });

  it("several adapters (each with its own pool) migrating the same schema at once take turns", async () => {
    const schema = schemaFor("concurrent");
    const adapters = Array.from(
      { length: 6 },
      () => new PostgresEventStorageAdapter({ connectionString: POSTGRES_URL, maxConnections: 1 }, { schema }),
    );
    await Promise.all(adapters.map((adapter) => adapter.migrate()));
    expect(await versions(schema)).toEqual(ALL_VERSIONS);
    // They all work on the one schema afterwards.
    await Promise.all(
      adapters.map((adapter, index) =>
        adapter.save([{ target: streamIdentifier("migrations", `writer-${index}`), events: [{ name: "migrated", payload: index }] }]),
      ),
    );
    const { rows } = await pool.query(`SELECT count(*)::integer AS count FROM "${schema}".events`);
    expect(rows[0].count).toBe(6);
    await Promise.all(adapters.map((adapter) => adapter.close()));
  });

  it("shares one migration between concurrent migrate() calls on one adapter, beside another adapter's on the same fresh schema", async () => {
    const schema = schemaFor("shared-migration");
    let connects = 0;
    // The same pool, counting the connections checked out of it: a migration takes one for its transaction.
    const counting: PostgresPool = {
      query: (query) => pool.query(query),
      connect: () => {
        connects += 1;
        return pool.connect();
      },
    };
    const a = new PostgresEventStorageAdapter({ pool: counting }, { schema, migrate: false });
    const b = new PostgresEventStorageAdapter({ connectionString: POSTGRES_URL, maxConnections: 1 }, { schema, migrate: false });
    try {
      await Promise.all([a.migrate(), b.migrate(), a.migrate()]);
      expect(connects, "a's two calls share one migration").toBe(1);
      expect(await versions(schema)).toEqual(ALL_VERSIONS);
      await Promise.all([a.migrate(), b.migrate(), a.migrate()]);
      expect(connects, "later calls migrate again, together").toBe(2);
      await a.save([{ target: streamIdentifier("profiles", "joe"), events: [{ name: "created", payload: {} }] }]);
      expect(await b.latest(streamIdentifier("profiles", "joe"))).toMatchObject({ name: "created", position: 0 });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("lets migrate() calls join the migration a first call started, and rejects with CLOSED after close", async () => {
    const schema = schemaFor("first-use-migration");
    const adapter = new PostgresEventStorageAdapter({ pool }, { schema });
    const calls = [
      adapter.save([{ target: streamIdentifier("profiles", "joe"), events: [{ name: "created", payload: {} }] }]),
      adapter.migrate(),
      adapter.latest(streamIdentifier("profiles", "joe")),
      adapter.migrate(),
    ];
    await Promise.all(calls);
    expect(await versions(schema)).toEqual(ALL_VERSIONS);
    await adapter.close();
    await expect(adapter.migrate()).rejects.toMatchObject({ code: "CLOSED" });
  });

  it("runs on first use unless migrate: false is given", async () => {
    const automatic = schemaFor("automatic");
    const adapter = new PostgresEventStorageAdapter({ pool }, { schema: automatic });
    expect(await adapter.latest(streamIdentifier("a", "b"))).toBeUndefined();
    expect(await versions(automatic)).toEqual(ALL_VERSIONS);
    await adapter.close();

    const manual = schemaFor("manual");
    const unmigrated = new PostgresEventStorageAdapter({ pool }, { schema: manual, migrate: false });
    await expect(unmigrated.latest(streamIdentifier("a", "b"))).rejects.toMatchObject({
      code: "UNAVAILABLE",
      message: expect.stringMatching(/run migrate\(\) first/),
    });
    await expect(unmigrated.save([{ target: streamIdentifier("a", "b"), events: [{ name: "x", payload: 1 }] }])).rejects.toMatchObject({
      code: "UNAVAILABLE",
    });
    const { rows } = await pool.query("SELECT count(*)::integer AS count FROM pg_namespace WHERE nspname = $1", [manual]);
    expect(rows[0].count).toBe(0);
    await unmigrated.migrate();
    expect(await unmigrated.latest(streamIdentifier("a", "b"))).toBeUndefined();
    await unmigrated.close();
  });

  it("refuses a schema whose recorded version is newer than the code", async () => {
    const schema = schemaFor("newer");
    const adapter = new PostgresEventStorageAdapter({ pool }, { schema });
    await adapter.migrate();
    await pool.query(`INSERT INTO "${schema}".schema_migrations (version, description) VALUES ($1, 'from the future')`, [
      LATEST_SCHEMA_VERSION + 1,
    ]);
    const later = new PostgresEventStorageAdapter({ pool }, { schema });
    await expect(later.migrate()).rejects.toMatchObject({ message: expect.stringMatching(/newer than/) });
    await expect(later.latest(streamIdentifier("a", "b"))).rejects.toMatchObject({ message: expect.stringMatching(/newer than/) });
    await Promise.all([adapter.close(), later.close()]);
  });

  it("quotes the schema name everywhere", async () => {
    const schema = `${schemaFor("quoted")}"; DROP TABLE x; --'`.slice(0, 63);
    dropAfterwards(schema);
    const store = new EventStore(new PostgresEventStorageAdapter({ pool }, { schema }));
    await store.stream("quoting", "it").publish({ events: [{ name: "quoted", payload: { schema } }] });
    expect(await store.log().read()).toMatchObject([{ name: "quoted", payload: { schema } }]);
    await store.close();
  });
});

describe("schemas and pools", () => {
  it("adapters on two schemas never see each other's events", async () => {
    const first = new PostgresEventStorageAdapter({ pool }, { schema: schemaFor("isolated-a") });
    const second = new PostgresEventStorageAdapter({ pool }, { schema: schemaFor("isolated-b") });
    const target = streamIdentifier("profiles", "joe");
    await first.save([{ target, events: [{ name: "in-a", payload: 1 }] }]);
    await second.save([{ target, events: [{ name: "in-b", payload: 2 }] }]);
    await second.save([{ target, events: [{ name: "in-b-again", payload: 3 }] }]);
    const names = async (adapter: PostgresEventStorageAdapter) => {
      const seen: string[] = [];
      for await (const event of adapter.scan({ type: "log" })) seen.push(event.name);
      return seen;
    };
    expect(await names(first)).toEqual(["in-a"]);
    expect(await names(second)).toEqual(["in-b", "in-b-again"]);
    expect((await first.latest(target))?.position).toBe(0);
    await Promise.all([first.close(), second.close()]);
  });

  it("does not close a pool it was given", async () => {
    const adapter = new PostgresEventStorageAdapter({ pool }, { schema: schemaFor("given-pool") });
    await adapter.migrate();
    await adapter.close();
    await adapter.close();
    const { rows } = await pool.query("SELECT 1 AS one");
    expect(rows[0].one).toBe(1);
    await expect(adapter.latest(streamIdentifier("a", "b"))).rejects.toMatchObject({ code: "CLOSED" });
  });

  it("closes the pool it opened from a connection string", async () => {
    const schema = schemaFor("own-pool");
    const adapter = new PostgresEventStorageAdapter({ connectionString: POSTGRES_URL }, { schema });
    await adapter.save([{ target: streamIdentifier("a", "b"), events: [{ name: "x", payload: null }] }]);
    const connected = async () => {
      const { rows } = await pool.query(
        "SELECT count(*)::integer AS count FROM pg_stat_activity WHERE application_name = '' AND query LIKE $1",
        [`%${schema}%`],
      );
      return rows[0].count as number;
    };
    expect(await connected()).toBeGreaterThan(0);
    await adapter.close();
    // Closing a pool ends its connections; the server notices within moments.
    for (let attempt = 0; attempt < 50 && (await connected()) > 0; attempt += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await connected()).toBe(0);
  });
});
