import { performance } from "node:perf_hooks";
import { EventStore, eq, ProjectionStore, streamIdentifier } from "@chronicle/core";
import { projection } from "@chronicle/testing";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { SqliteEventStorageAdapter, SqliteProjectionStorageAdapter } from "../src/index.js";
import { compileSearch } from "../src/sqlite-projection-query.js";
import { startScript } from "./child-process.js";
import { removeTemporaryFiles, temporaryDatabaseFile } from "./temporary-files.js";

afterAll(removeTemporaryFiles);

const versionsOf = (filename: string, table: string) => {
  const database = new Database(filename, { readonly: true });
  try {
    return database.prepare(`SELECT version FROM ${table} ORDER BY version`).all();
  } finally {
    database.close();
  }
};

const JOE = projection()
  .withName("profile")
  .withId("joe")
  .withSource(streamIdentifier("profiles", "joe"))
  .withState({ city: "Leeds" })
  .build();

interface Done {
  type: "done";
  writer: number;
  stored: number;
  ignored: number;
  errors: string[];
  highest: Record<string, number>;
}

describe("SqliteProjectionStorageAdapter", () => {
  it("shares one file and one connection with the event adapter, each with its own versioned schema", async () => {
    const filename = temporaryDatabaseFile();
    const database = new Database(filename);
    const events = new SqliteEventStorageAdapter({ database });
    const projections = new SqliteProjectionStorageAdapter({ database });
    const other = new SqliteProjectionStorageAdapter({ filename });
    // Migrations of both schemas, on one connection and from another, at once and repeatedly.
    await Promise.all([
      events.migrate(),
      projections.migrate(),
      projections.migrate(),
      other.migrate(),
      events.migrate(),
      projections.migrate(),
    ]);
    await Promise.all([
      new EventStore(events).stream("profiles", "joe").publish({ events: [{ name: "created", payload: {} }] }),
      new ProjectionStore(projections).save(JOE),
    ]);
    expect(versionsOf(filename, "chronicle_schema_migrations")).toEqual([{ version: 1 }, { version: 2 }]);
    expect(versionsOf(filename, "chronicle_projection_schema_migrations")).toEqual([{ version: 1 }]);
    expect(await new ProjectionStore(other).load(JOE)).toEqual(JOE);
    expect(await events.latest(streamIdentifier("profiles", "joe"))).toMatchObject({ name: "created" });
    await Promise.all([events.close(), projections.close(), other.close()]);
    expect(database.open, "the user's connection stays open").toBe(true);
    database.close();
  });

  it("with migrate: false, is left to migrate(), and calls before it say so", async () => {
    const filename = temporaryDatabaseFile();
    const adapter = new SqliteProjectionStorageAdapter({ filename }, { migrate: false });
    const store = new ProjectionStore(adapter);
    await expect(store.load(JOE)).rejects.toMatchObject({ code: "UNAVAILABLE", retryable: false });
    await adapter.migrate();
    expect(await store.save(JOE)).toBe(true);
    await store.close();
  });

  it("saves from several processes at once never move a projection backwards, and no SQLITE_BUSY reaches a caller", async () => {
    const filename = temporaryDatabaseFile();
    const writers = Array.from({ length: 3 }, (_, writer) => startScript("save-projections", { filename, writer, saves: 200, ids: 5 }));
    const outcomes = await Promise.all(writers.map((child) => child.exited));
    for (const outcome of outcomes) expect(outcome, outcome.stderr).toMatchObject({ code: 0 });
    const done = writers.map((child) => child.lines.find((line) => (line as Done).type === "done") as Done);
    expect(done.flatMap((writer) => writer.errors)).toEqual([]);
    expect(done.reduce((sum, writer) => sum + writer.stored + writer.ignored, 0)).toBe(600);
    // Some saves lost to a later position saved by another process: the writers really raced.
    expect(done.reduce((sum, writer) => sum + writer.ignored, 0)).toBeGreaterThan(0);
    const store = new ProjectionStore(new SqliteProjectionStorageAdapter({ filename }));
    for (let index = 0; index < 5; index += 1) {
      const id = `p${index}`;
      const highest = Math.max(...done.map((writer) => writer.highest[id] ?? -1));
      expect((await store.load({ name: "counter", id }))?.position, id).toBe(BigInt(highest));
    }
    await store.close();
  }, 120_000);

  it("waits for another process's write lock without blocking the event loop, then saves, or rejects with UNAVAILABLE", async () => {
    const filename = temporaryDatabaseFile();
    const setup = new SqliteProjectionStorageAdapter({ filename });
    await setup.migrate();
    await setup.close();
    const holder = startScript("hold-write-lock", { filename });
    await holder.waitForLine((line) => (line as { type: string }).type === "locked");

    const impatient = new ProjectionStore(new SqliteProjectionStorageAdapter({ filename }, { busyTimeoutMs: 300 }));
    const patient = new ProjectionStore(new SqliteProjectionStorageAdapter({ filename }, { busyTimeoutMs: 20_000 }));
    expect(await impatient.load(JOE), "readers do not wait for a writer in WAL mode").toBeUndefined();
    let ticks = 0;
    const ticker = setInterval(() => {
      ticks += 1;
    }, 10);
    const started = performance.now();
    await expect(impatient.save(JOE)).rejects.toMatchObject({ code: "UNAVAILABLE", retryable: true, cause: { code: "SQLITE_BUSY" } });
    expect(performance.now() - started).toBeGreaterThanOrEqual(300);
    expect(ticks, "timers ran while the save waited").toBeGreaterThan(5);
    const waiting = patient.save(JOE);
    await new Promise((resolve) => setTimeout(resolve, 50));
    holder.process.stdin.end("release\n");
    expect(await waiting).toBe(true);
    clearInterval(ticker);
    expect(await holder.exited).toMatchObject({ code: 0 });
    await Promise.all([impatient.close(), patient.close()]);
  });

  it("writes declared indexed paths into the statement, so SQLite uses the expression index; binds every other path", async () => {
    const filename = temporaryDatabaseFile();
    const adapter = new SqliteProjectionStorageAdapter({ filename }, { indexedPaths: ["state.address.city", ["state", "it's", 0]] });
    const store = new ProjectionStore(adapter);
    expect(await store.save(JOE)).toBe(true);
    const database = new Database(filename);
    database.exec("CREATE INDEX by_city ON chronicle_projections (name, json_extract(state, '$.address.city'))");
    database.exec(`CREATE INDEX by_odd_key ON chronicle_projections (json_extract(state, '$."it''s"[0]'))`);
    const plan = (path: string) => {
      const query = compileSearch(
        {
          name: "profile",
          filter: { op: "eq", path: { root: "state", segments: path.split(".") }, value: "Leeds" },
          // Sorted by something no index serves, so the plan is chosen by the filter alone.
          sort: [
            { path: { root: "state", segments: ["age"] }, direction: "desc" },
            { path: { root: "name", segments: [] }, direction: "asc" },
            { path: { root: "id", segments: [] }, direction: "asc" },
          ],
          limit: 10,
        },
        { indexedJsonPaths: new Set(["$.address.city"]) },
      );
      return { sql: query.sql, plan: JSON.stringify(database.prepare(`EXPLAIN QUERY PLAN ${query.sql}`).all(query.parameters)) };
    };
    const indexed = plan("address.city");
    expect(indexed.sql).toContain("json_extract(state, '$.address.city')");
    expect(indexed.plan).toContain("by_city (name=? AND <expr>=?)");
    const other = plan("address.street");
    expect(other.sql).not.toContain("address");
    expect(other.plan).not.toContain("<expr>=?");
    // Through the adapter: the same results whether a path is indexed or not.
    expect((await store.search({ filter: eq("state.city", "Leeds") })).items).toEqual([JOE]);
    expect((await store.search({ filter: eq(["state", "it's", 0], "x") })).items).toEqual([]);
    expect(() => new SqliteProjectionStorageAdapter({ filename }, { indexedPaths: ["state.tags.0"] })).toThrow(TypeError);
    expect(() => new SqliteProjectionStorageAdapter({ filename }, { indexedPaths: ["id"] })).toThrow(TypeError);
    database.close();
    await store.close();
  });
});
