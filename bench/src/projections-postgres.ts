import { asc, eq, type Projection, ProjectionStore, streamIdentifier } from "@chronicle/core";
import { PostgresProjectionStorageAdapter } from "@chronicle/postgres";
import pg from "pg";
import { alternate, type BenchSuite, compare, measure, runConcurrently } from "./harness.js";

const POSTGRES_URL = process.env.CHRONICLE_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const SUITE = "projections-postgres";
const PROJECTIONS = 100_000;
const CITIES = 50;
const SEARCHES = 1_000;
const LOADS = 5_000;
const SAVES = 8_000;
const SAVERS = 8;
/** Each scenario alternates Chronicle and the baseline this many times, so a load spike on the machine hits both. */
const ROUNDS = 3;

const cityOf = (index: number) => `city-${index % CITIES}`;

/** The p50 and p99 of latencies in milliseconds. */
function percentiles(latencies: number[]): { p50Ms: number; p99Ms: number } {
  const sorted = [...latencies].sort((left, right) => left - right);
  const at = (fraction: number) =>
    Math.round((sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0) * 1000) / 1000;
  return { p50Ms: at(0.5), p99Ms: at(0.99) };
}

async function timed<T>(latencies: number[], work: () => Promise<T>): Promise<T> {
  const started = process.hrtime.bigint();
  const result = await work();
  latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
  return result;
}

/**
 * The PostgreSQL projection adapter over 100,000 projections, each figure beside
 * hand-written SQL against the same table in the same run: a search with one
 * `eq` on a state path and one sort (with the index the README documents, and
 * the baseline with the index a user would write for their own SQL), loads by
 * `(name, id)` with their p50 and p99, and saves from 8 concurrent savers
 * against a hand-written never-backwards upsert.
 */
export const projectionsPostgresSuite: BenchSuite = {
  name: SUITE,
  async run() {
    const schema = `chronicle_bench_projections_${process.pid}`;
    const admin = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 });
    const baselinePool = new pg.Pool({ connectionString: POSTGRES_URL, max: SAVERS });
    const adapter = new PostgresProjectionStorageAdapter({ connectionString: POSTGRES_URL, maxConnections: SAVERS }, { schema });
    const store = new ProjectionStore(adapter);
    const table = `${schema}.projections`;
    try {
      await adapter.migrate();
      // Loaded in bulk: what is measured is reading it.
      await admin.query(
        `INSERT INTO ${table} (name, id, source_type, source_category, source_stream, state, version, position, event_count, updated_at)
         SELECT 'person', 'person-' || lpad(n::text, 6, '0'), 'stream', 'people', 'person-' || n,
                jsonb_build_object('city', 'city-' || (n % ${CITIES}), 'age', (n * 7919) % 100, 'score', n % 1000 / 10.0,
                                   'tags', jsonb_build_array('tag-' || (n % 5), 'tag-' || (n % 11))),
                1, n, 1, now()
         FROM generate_series(0, ${PROJECTIONS - 1}) AS n`,
      );
      // The index the README documents for eq("state.city", …) sorted by asc("state.age").
      await admin.query(
        `CREATE INDEX person_city_age ON ${table} (name, (state #> '{city}'), ${schema}.projection_sort_key(state #> '{age}'), id)`,
      );
      // The index a user would add for the hand-written query below.
      await admin.query(`CREATE INDEX person_city_age_by_hand ON ${table} (name, (state ->> 'city'), ((state ->> 'age')::numeric), id)`);
      await admin.query(`ANALYZE ${table}`);

      // 1. Search: one eq on a state path, one sort, a page of 20.
      const [chronicleSearch, baselineSearch] = await alternate(
        { suite: SUITE, scenario: `search eq(state.city) + asc(state.age), limit 20, over ${PROJECTIONS} projections`, unit: "searches" },
        ROUNDS,
        () => async () => {
          let found = 0;
          for (let index = 0; index < SEARCHES; index += 1) {
            const page = await store.search({
              name: "person",
              filter: eq("state.city", cityOf(index)),
              sort: [asc("state.age")],
              limit: 20,
            });
            found += page.items.length;
          }
          if (found !== SEARCHES * 20) throw new Error(`found ${found} projections, expected ${SEARCHES * 20}`);
          return SEARCHES;
        },
        () => async () => {
          let found = 0;
          for (let index = 0; index < SEARCHES; index += 1) {
            const { rows } = await baselinePool.query(
              `SELECT name, id, source_type, source_category, source_stream, state, version, position, event_count, updated_at
               FROM ${table} WHERE name = $1 AND state ->> 'city' = $2 ORDER BY (state ->> 'age')::numeric, id LIMIT 21`,
              ["person", cityOf(index)],
            );
            found += Math.min(rows.length, 20);
          }
          if (found !== SEARCHES * 20) throw new Error(`found ${found} rows, expected ${SEARCHES * 20}`);
          return SEARCHES;
        },
      );
      compare(chronicleSearch, baselineSearch, { minimumRatio: 1 / 1.5, description: "within 1.5x of hand-written SQL" });

      // 2. Load by (name, id), one at a time, with latencies.
      const loadLatencies: Record<"chronicle" | "baseline", number[]> = { chronicle: [], baseline: [] };
      const idOf = (index: number) => `person-${String((index * 7919) % PROJECTIONS).padStart(6, "0")}`;
      const [chronicleLoad, baselineLoad] = await alternate(
        { suite: SUITE, scenario: "load by (name, id), one at a time", unit: "loads" },
        ROUNDS,
        () => async () => {
          const latencies: number[] = [];
          for (let index = 0; index < LOADS; index += 1) {
            const found = await timed(latencies, () => store.load({ name: "person", id: idOf(index) }));
            if (found === undefined) throw new Error(`${idOf(index)} not found`);
          }
          loadLatencies.chronicle.push(...latencies);
          return { count: LOADS, ...percentiles(latencies) };
        },
        () => async () => {
          const latencies: number[] = [];
          for (let index = 0; index < LOADS; index += 1) {
            const { rows } = await timed(latencies, () =>
              baselinePool.query({
                name: "bench_load_projection",
                text: `SELECT name, id, source_type, source_category, source_stream, state, version, position, event_count, updated_at
                       FROM ${table} WHERE name = $1 AND id = $2`,
                values: ["person", idOf(index)],
              }),
            );
            if (rows.length !== 1) throw new Error(`${idOf(index)} not found`);
          }
          loadLatencies.baseline.push(...latencies);
          return { count: LOADS, ...percentiles(latencies) };
        },
      );
      compare(chronicleLoad, baselineLoad, { minimumRatio: 1 / 1.5, description: "within 1.5x of hand-written SQL" });
      for (const subject of ["chronicle", "baseline"] as const) {
        console.log(
          JSON.stringify({ suite: SUITE, scenario: "load latency, all rounds", subject, ...percentiles(loadLatencies[subject]) }),
        );
      }

      // 3. Saves from 8 concurrent savers, each moving its own projections forwards.
      const saved = (index: number, round: number): Projection => ({
        name: "saver",
        id: `saver-${index % 1000}`,
        source: streamIdentifier("savers", `saver-${index % 1000}`),
        state: { city: cityOf(index), age: index % 100, tags: ["a", "b"], round },
        version: 1,
        position: BigInt(round * SAVES + index),
        eventCount: index + 1,
        updatedAt: new Date(1_700_000_000_000 + index),
      });
      const [chronicleSave, baselineSave] = await alternate(
        { suite: SUITE, scenario: `save, ${SAVERS} concurrent savers`, unit: "saves" },
        ROUNDS,
        (round) => async () => {
          await runConcurrently(SAVERS, SAVES, async (index) => {
            await store.save(saved(index, round));
          });
          return SAVES;
        },
        (round) => async () => {
          await runConcurrently(SAVERS, SAVES, async (index) => {
            const item = saved(index, round);
            await baselinePool.query({
              name: "bench_save_projection",
              text: `INSERT INTO ${table} AS stored (name, id, source_type, source_category, source_stream, state, version, position, event_count, updated_at)
                     VALUES ('saver-by-hand', $1, 'stream', 'savers', $1, $2::jsonb, $3, $4, $5, $6)
                     ON CONFLICT (name, id) DO UPDATE SET state = excluded.state, version = excluded.version, position = excluded.position,
                       event_count = excluded.event_count, updated_at = excluded.updated_at
                     WHERE stored.version < excluded.version OR (stored.version = excluded.version AND stored.position <= excluded.position)`,
              values: [item.id, JSON.stringify(item.state), item.version, String(item.position), item.eventCount, item.updatedAt],
            });
          });
          return SAVES;
        },
      );
      compare(chronicleSave, baselineSave, { minimumRatio: 1 / 1.5, description: "within 1.5x of a hand-written upsert" });
      await measure({ suite: SUITE, scenario: "count eq(state.city)", subject: "chronicle", unit: "counts" }, async () => {
        for (let index = 0; index < 100; index += 1) await store.count({ name: "person", filter: eq("state.city", cityOf(index)) });
        return 100;
      });
    } finally {
      await store.close();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
      await Promise.all([admin.end(), baselinePool.end()]);
    }
  },
};
