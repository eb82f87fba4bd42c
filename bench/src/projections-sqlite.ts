import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { desc, eq, type Projection, ProjectionStore, streamIdentifier } from "@chronicle/core";
import { SqliteProjectionStorageAdapter } from "@chronicle/sqlite";
import Database from "better-sqlite3";
import { alternate, type BenchSuite, compare, type Work } from "./harness.js";

const SUITE = "projections-sqlite";
const PROJECTIONS = 100_000;
const CITIES = Array.from({ length: 50 }, (_, index) => `city-${index}`);
const SEARCHES = 300;
const PAGE = 20;
const LOADS = 10_000;
const SAVES = 5_000;
const ROUNDS = 3;

/** The index the README tells users to create for this query, written as the adapter writes the path. */
const CITY_INDEX = "CREATE INDEX profiles_by_city ON chronicle_projections (name, json_extract(state, '$.city'))";

/** A small deterministic generator, so every run searches the same data. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

interface Row {
  name: string;
  id: string;
  source_type: string;
  source_category: string | null;
  source_stream: string | null;
  state: string;
  version: number;
  position: string | null;
  event_count: number;
  updated_at: number | null;
}

/** What a careful hand-written program does with a row: the same object the adapter builds. */
function rowToProjection(row: Row): Projection {
  return {
    name: row.name,
    id: row.id,
    source: { type: "stream", category: row.source_category as string, stream: row.source_stream as string },
    state: JSON.parse(row.state),
    version: row.version,
    position: row.position === null ? undefined : BigInt(row.position),
    eventCount: row.event_count,
    updatedAt: row.updated_at === null ? undefined : new Date(row.updated_at),
  };
}

const COLUMNS =
  "name, id, source_type, source_category, source_stream, state, version, CAST(position AS TEXT) AS position, event_count, updated_at";

function percentile(sorted: readonly number[], fraction: number): number {
  const value = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0;
  return Math.round(value * 1000) / 1000;
}

/** Times each call, returning the count with p50 and p99 in milliseconds. */
async function timedCalls(count: number, call: (index: number) => Promise<unknown> | unknown) {
  const durations: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const started = performance.now();
    await call(index);
    durations.push(performance.now() - started);
  }
  durations.sort((left, right) => left - right);
  return { count, p50Ms: percentile(durations, 0.5), p99Ms: percentile(durations, 0.99) };
}

/**
 * Projections on SQLite: a search with one `eq` on a state path and one sort
 * over 100,000 projections, with the index the README documents, beside the
 * same query written by hand; loads by (name, id); and saves beside a
 * hand-written upsert. Both sides use one file and synchronous = NORMAL.
 */
export const projectionsSqliteSuite: BenchSuite = {
  name: SUITE,
  async run() {
    const directory = mkdtempSync(join(tmpdir(), "chronicle-projections-bench-"));
    const filename = join(directory, "projections.db");
    try {
      const adapter = new SqliteProjectionStorageAdapter({ filename }, { synchronous: "normal", indexedPaths: ["state.city"] });
      const store = new ProjectionStore(adapter);
      await adapter.migrate();
      const raw = new Database(filename);
      raw.pragma("journal_mode = WAL");
      raw.pragma("synchronous = NORMAL");
      fill(raw);
      raw.exec(CITY_INDEX);
      raw.exec("ANALYZE");

      const random = generator(7);
      const cities = Array.from({ length: SEARCHES }, () => CITIES[Math.floor(random() * CITIES.length)] as string);
      const search = raw.prepare(
        `SELECT ${COLUMNS} FROM chronicle_projections WHERE name = ? AND json_extract(state, '$.city') = ?
         ORDER BY json_extract(state, '$.age') DESC, name, id LIMIT ?`,
      );
      const searchWork =
        (subject: "chronicle" | "baseline"): (() => Work) =>
        () =>
        async () => {
          let found = 0;
          for (const city of cities) {
            if (subject === "chronicle") {
              const page = await store.search({ name: "profile", filter: eq("state.city", city), sort: [desc("state.age")], limit: PAGE });
              found += page.items.length;
            } else {
              // One more row than the page, as the store asks for, to know whether another page follows.
              found += (search.all("profile", city, PAGE + 1) as Row[]).map(rowToProjection).slice(0, PAGE).length;
            }
          }
          return { count: cities.length, found };
        };
      const [chronicleSearch, baselineSearch] = await alternate(
        { suite: SUITE, scenario: "search eq + sort over 100,000", unit: "searches" },
        ROUNDS,
        searchWork("chronicle"),
        searchWork("baseline"),
      );
      compare(chronicleSearch, baselineSearch, { minimumRatio: 1 / 1.5, description: "within 1.5x of the hand-written query's time" });

      const ids = Array.from({ length: LOADS }, () => `p${Math.floor(random() * PROJECTIONS)}`);
      const load = raw.prepare(`SELECT ${COLUMNS} FROM chronicle_projections WHERE name = ? AND id = ?`);
      const [chronicleLoad, baselineLoad] = await alternate(
        { suite: SUITE, scenario: "load by (name, id)", unit: "loads" },
        ROUNDS,
        () => () => timedCalls(ids.length, (index) => store.load({ name: "profile", id: ids[index] as string })),
        () => () => timedCalls(ids.length, (index) => rowToProjection(load.get("profile", ids[index]) as Row)),
      );
      compare(chronicleLoad, baselineLoad, { minimumRatio: 0.5, description: "at least 50% of a hand-written SELECT's loads/s" });

      const upsert = raw.prepare(
        `INSERT INTO chronicle_projections (name, id, source_type, source_category, source_stream, state, version, position, event_count, updated_at)
         VALUES (?, ?, 'stream', 'profiles', ?, ?, 1, ?, ?, ?)
         ON CONFLICT (name, id) DO UPDATE SET state = excluded.state, position = excluded.position,
           event_count = excluded.event_count, updated_at = excluded.updated_at`,
      );
      let position = PROJECTIONS;
      const [chronicleSave, baselineSave] = await alternate(
        { suite: SUITE, scenario: "save (upsert) one projection", unit: "saves" },
        ROUNDS,
        () => async () => {
          for (let index = 0; index < SAVES; index += 1) {
            position += 1;
            const id = `p${index % PROJECTIONS}`;
            await store.save({
              name: "profile",
              id,
              source: streamIdentifier("profiles", id),
              state: { city: "city-1", age: index % 70, score: index },
              version: 1,
              position: BigInt(position),
              eventCount: position,
              updatedAt: new Date(position),
            });
          }
          return SAVES;
        },
        () => async () => {
          for (let index = 0; index < SAVES; index += 1) {
            position += 1;
            const id = `p${index % PROJECTIONS}`;
            upsert.run(
              "profile",
              id,
              id,
              JSON.stringify({ city: "city-1", age: index % 70, score: index }),
              BigInt(position),
              position,
              position,
            );
          }
          return SAVES;
        },
      );
      compare(chronicleSave, baselineSave, { minimumRatio: 0.6, description: "at least 60% of a hand-written upsert's saves/s" });
      raw.close();
      await store.close();
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  },
};

/** 100,000 projections of one name (and 10,000 of another), written in one transaction outside the measurements. */
function fill(database: Database.Database): void {
  const random = generator(42);
  const insert = database.prepare(
    `INSERT INTO chronicle_projections (name, id, source_type, source_category, source_stream, state, version, position, event_count, updated_at)
     VALUES (?, ?, 'stream', 'profiles', ?, ?, 1, ?, ?, ?)`,
  );
  database.transaction(() => {
    for (const [name, count] of [
      ["profile", PROJECTIONS],
      ["order", PROJECTIONS / 10],
    ] as const) {
      for (let index = 0; index < count; index += 1) {
        const state = {
          city: CITIES[Math.floor(random() * CITIES.length)],
          age: Math.floor(random() * 70) + 18,
          score: Math.round(random() * 1000) / 10,
          tags: ["a", "b"].slice(0, Math.floor(random() * 3)),
        };
        insert.run(name, `p${index}`, `p${index}`, JSON.stringify(state), index, index + 1, 1_700_000_000_000 + index);
      }
    }
  })();
}
