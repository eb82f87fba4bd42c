import {
  asc,
  contains,
  desc,
  EventStore,
  eq,
  gt,
  normaliseFilter,
  normaliseSort,
  type Projection,
  ProjectionStore,
  streamIdentifier,
} from "@chronicle/core";
import { describe, expect, it } from "vitest";
import { PostgresEventStorageAdapter, PostgresProjectionStorageAdapter } from "../src/index.js";
import { PROJECTION_MIGRATIONS } from "../src/projection-migrations.js";
import { ProjectionQueries } from "../src/projection-queries.js";
import { POSTGRES_URL } from "./postgres-test-support.js";
import { useTestSchemas } from "./test-schemas.js";

const { pool, schemaFor } = useTestSchemas(12);

function profile(id: string, version: number, position: bigint | undefined, state: Projection["state"] = {}): Projection {
  return {
    name: "profile",
    id,
    source: streamIdentifier("profiles", id),
    state,
    version,
    position,
    eventCount: position === undefined ? 0 : 1,
    updatedAt: position === undefined ? undefined : new Date(Number(position)),
  };
}

async function versions(schema: string): Promise<number[]> {
  const { rows } = await pool.query(`SELECT version FROM "${schema}".projection_schema_migrations ORDER BY version`);
  return rows.map((row) => row.version);
}

describe("migrations", () => {
  it("are idempotent, and adapters with pools of their own migrating one schema at once take turns", async () => {
    const schema = schemaFor("concurrent-migrations");
    const adapters = Array.from(
      { length: 5 },
      () => new PostgresProjectionStorageAdapter({ connectionString: POSTGRES_URL, maxConnections: 1 }, { schema }),
    );
    await Promise.all(adapters.flatMap((adapter) => [adapter.migrate(), adapter.migrate()]));
    expect(await versions(schema)).toEqual(PROJECTION_MIGRATIONS.map((migration) => migration.version));
    await Promise.all(adapters.map((adapter, index) => adapter.save({ ...profile(`p${index}`, 1, 1n), stateJson: "{}" })));
    const { rows } = await pool.query(`SELECT count(*)::integer AS count FROM "${schema}".projections`);
    expect(rows[0].count).toBe(5);
    await Promise.all(adapters.map((adapter) => adapter.close()));
  });

  it("share a schema with the event tables, in either order", async () => {
    for (const projectionsFirst of [true, false]) {
      const schema = schemaFor(`shared-${projectionsFirst}`);
      const projections = new ProjectionStore(new PostgresProjectionStorageAdapter({ pool }, { schema }));
      const events = new EventStore(new PostgresEventStorageAdapter({ pool }, { schema }));
      const publish = () => events.stream("profiles", "joe").publish({ events: [{ name: "created", payload: {} }] });
      if (projectionsFirst) expect(await projections.save(profile("joe", 1, 1n))).toBe(true);
      await publish();
      if (!projectionsFirst) expect(await projections.save(profile("joe", 1, 1n))).toBe(true);
      expect(await events.log().read()).toHaveLength(1);
      expect(await projections.load({ name: "profile", id: "joe" })).toEqual(profile("joe", 1, 1n));
      await Promise.all([projections.close(), events.close()]);
    }
  });

  it("wait for migrate() with migrate: false, and refuse a table newer than the code", async () => {
    const schema = schemaFor("manual");
    const manual = new PostgresProjectionStorageAdapter({ pool }, { schema, migrate: false });
    await expect(manual.load({ name: "profile", id: "joe" })).rejects.toMatchObject({ code: "UNAVAILABLE" });
    await manual.migrate();
    expect(await manual.load({ name: "profile", id: "joe" })).toBeUndefined();
    await pool.query(`INSERT INTO "${schema}".projection_schema_migrations (version, description) VALUES (999, 'from the future')`);
    const later = new PostgresProjectionStorageAdapter({ pool }, { schema });
    await expect(later.load({ name: "profile", id: "joe" })).rejects.toMatchObject({ message: expect.stringMatching(/newer than/) });
    await Promise.all([manual.close(), later.close()]);
  });
});

describe("save", () => {
  it("never moves a projection back when adapters on pools of their own save at once", async () => {
    const schema = schemaFor("racing-savers");
    const adapters = Array.from({ length: 4 }, () => new PostgresProjectionStorageAdapter({ connectionString: POSTGRES_URL }, { schema }));
    await adapters[0]?.migrate();
    for (let round = 0; round < 10; round += 1) {
      const id = `racer-${round}`;
      const candidates = Array.from({ length: 24 }, (_, index) =>
        profile(id, 1 + ((index * 7 + round) % 3), BigInt((index * 13 + round) % 17)),
      );
      candidates.push(profile(id, 1 + (round % 3), undefined));
      const results = await Promise.all(
        candidates.map((item, index) =>
          (adapters[index % adapters.length] as PostgresProjectionStorageAdapter).save({ ...item, stateJson: JSON.stringify(item.state) }),
        ),
      );
      const rank = (item: Projection) => item.version * 1000 + (item.position === undefined ? -1 : Number(item.position));
      const best = Math.max(...candidates.map(rank));
      const stored = await adapters[0]?.load({ name: "profile", id });
      expect(stored && rank(stored)).toBe(best);
      candidates.forEach((item, index) => {
        if (rank(item) === best) expect(results[index]).toBe(true);
      });
    }
    await Promise.all(adapters.map((adapter) => adapter.close()));
  });

  it("rejects what PostgreSQL cannot store with INVALID_INPUT", async () => {
    const store = new ProjectionStore(new PostgresProjectionStorageAdapter({ pool }, { schema: schemaFor("invalid") }));
    await expect(store.save({ ...profile("joe", 1, 1n), updatedAt: new Date(-8.64e15) })).rejects.toMatchObject({ code: "INVALID_INPUT" });
    expect(await store.load({ name: "profile", id: "joe" })).toBeUndefined();
  });
});

describe("connections", () => {
  it("reports an unreachable server as UNAVAILABLE", async () => {
    const adapter = new PostgresProjectionStorageAdapter({ connectionString: "postgres://postgres@127.0.0.1:1/none" });
    await expect(adapter.load({ name: "profile", id: "joe" })).rejects.toMatchObject({ code: "UNAVAILABLE", retryable: true });
    await adapter.close();
  });

  it("reports a connection lost mid-call as UNAVAILABLE", async () => {
    const schema = schemaFor("terminated");
    const adapter = new PostgresProjectionStorageAdapter({ connectionString: POSTGRES_URL, maxConnections: 1 }, { schema });
    await adapter.migrate();
    // Another session holds the table, so the load waits on the server until its connection is cut.
    const holder = await pool.connect();
    try {
      await holder.query("BEGIN");
      await holder.query(`LOCK TABLE "${schema}".projections IN ACCESS EXCLUSIVE MODE`);
      const load = adapter.load({ name: "profile", id: "joe" });
      const outcome = load.then(
        () => "resolved",
        (error: { code?: string; retryable?: boolean }) => `${error.code} ${error.retryable}`,
      );
      let terminated = 0;
      for (let attempt = 0; attempt < 200 && terminated === 0; attempt += 1) {
        const { rows } = await pool.query(
          `SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1 AND pid <> pg_backend_pid()`,
          [`%${schema}%`],
        );
        terminated = rows.length;
        if (terminated === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(terminated).toBe(1);
      expect(await outcome).toBe("UNAVAILABLE true");
    } finally {
      await holder.query("ROLLBACK");
      holder.release();
    }
    // The pool replaces the lost connection: the next call works.
    expect(await adapter.load({ name: "profile", id: "joe" })).toBeUndefined();
    await adapter.close();
  });

  it("leaves a given pool open and closes its own; calls after close reject with CLOSED", async () => {
    const schema = schemaFor("closing");
    const given = new PostgresProjectionStorageAdapter({ pool }, { schema });
    await given.migrate();
    await given.close();
    await given.close();
    expect((await pool.query("SELECT 1 AS one")).rows[0].one).toBe(1);
    await expect(given.load({ name: "profile", id: "joe" })).rejects.toMatchObject({ code: "CLOSED" });
    await expect(given.migrate()).rejects.toMatchObject({ code: "CLOSED" });

    const owned = new PostgresProjectionStorageAdapter({ connectionString: POSTGRES_URL }, { schema });
    await owned.load({ name: "profile", id: "joe" });
    await owned.close();
    await expect(owned.count({})).rejects.toMatchObject({ code: "CLOSED" });
  });
});

describe("indexes", () => {
  /** The plan PostgreSQL picks for a compiled search with sequential scans and sorts priced out, as the adapter sends it. */
  async function plan(query: { text: string; values: unknown[] }): Promise<string> {
    const client = await pool.connect();
    try {
      await client.query("SET enable_seqscan = off");
      await client.query("SET enable_sort = off");
      const { rows } = await client.query({ text: `EXPLAIN ${query.text}`, values: query.values });
      return rows.map((row) => row["QUERY PLAN"]).join("\n");
    } finally {
      await client.query("RESET ALL");
      client.release();
    }
  }

  it("the README's expression and GIN indexes serve the statements the adapter sends", async () => {
    const schema = schemaFor("indexes");
    const adapter = new PostgresProjectionStorageAdapter({ pool }, { schema });
    await adapter.migrate();
    await pool.query(
      `CREATE INDEX profile_city_age ON "${schema}".projections (name, (state #> '{city}'), "${schema}".projection_sort_key(state #> '{age}'), id)`,
    );
    await pool.query(`CREATE INDEX profile_tags ON "${schema}".projections USING gin ((state #> '{tags}') jsonb_path_ops)`);
    const queries = new ProjectionQueries(`"${schema}"`);
    const sort = normaliseSort([asc("state.age"), asc("name"), asc("id")]);
    const search = queries.search({ name: "profile", filter: normaliseFilter(eq("state.city", "Leeds")), sort, limit: 21 });
    const searchPlan = await plan(search);
    expect(searchPlan).toContain("profile_city_age");
    expect(searchPlan).not.toMatch(/Sort\b/);
    const after = queries.search({
      name: "profile",
      filter: normaliseFilter(eq("state.city", "Leeds")),
      sort,
      limit: 21,
      after: [30, "profile", "joe"],
    });
    expect(await plan(after)).toContain("profile_city_age");
    const descending = queries.search({
      name: "profile",
      filter: normaliseFilter(eq("state.city", "Leeds")),
      sort: normaliseSort([desc("state.age"), asc("name"), asc("id")]),
      limit: 21,
    });
    expect(await plan(descending)).toContain("profile_city_age");
    const descendingIndex = `CREATE INDEX profile_city_age_desc ON "${schema}".projections
      (name, (state #> '{city}'), "${schema}".projection_sort_key(state #> '{age}') DESC, id)`;
    await pool.query(descendingIndex);
    expect(await plan(descending)).toContain("profile_city_age_desc");
    await pool.query(`CREATE INDEX profile_age ON "${schema}".projections (name, (state #> '{age}'))`);
    const older = queries.count({ name: "profile", filter: normaliseFilter(gt("state.age", 30)) });
    expect(await plan(older)).toContain("profile_age");
    await pool.query(
      `CREATE INDEX profile_by_age ON "${schema}".projections (name, "${schema}".projection_sort_key(state #> '{age}'), id)`,
    );
    const byAge = queries.search({ name: "profile", sort: normaliseSort([asc("state.age"), asc("name"), asc("id")]), limit: 21 });
    const byAgePlan = await plan(byAge);
    expect(byAgePlan).toContain("profile_by_age");
    expect(byAgePlan).not.toMatch(/Sort\b/);
    const numbered = queries.count({ filter: normaliseFilter(contains("state.tags", 7)) });
    expect(await plan(numbered)).toContain("profile_tags");
    // A string may also be contained in a string: with the index on the path's type beside it, both branches use an index.
    await pool.query(`CREATE INDEX profile_tags_type ON "${schema}".projections (jsonb_typeof(state #> '{tags}'))`);
    const tagged = queries.count({ filter: normaliseFilter(contains("state.tags", "red")) });
    const taggedPlan = await plan(tagged);
    expect(taggedPlan).toContain("profile_tags");
    expect(taggedPlan).toContain("profile_tags_type");
    await adapter.close();
  });
});
