import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineProjector, type EventStorageAdapter, EventStore, type ProjectionStorageAdapter, ProjectionStore } from "@chronicle/core";
import { InMemoryEventStorageAdapter, InMemoryProjectionStorageAdapter } from "@chronicle/in-memory";
import { PostgresEventStorageAdapter, PostgresProjectionStorageAdapter } from "@chronicle/postgres";
import { RedisEventStorageAdapter, RedisProjectionStorageAdapter } from "@chronicle/redis";
import { SqliteEventStorageAdapter, SqliteProjectionStorageAdapter } from "@chronicle/sqlite";
import pg from "pg";
import { type BenchSuite, compare, measure } from "./harness.js";

const SUITE = "snapshots";
const EVENTS = 10_000;
const LOADS = 20;
const POSTGRES_URL = process.env.CHRONICLE_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const REDIS_URL = process.env.CHRONICLE_REDIS_URL ?? "redis://127.0.0.1:6379";
const RUN = `bench_snapshots_${process.pid}`;

const balance = defineProjector<{ balance: number; movements: number }>({
  name: "balance",
  initialState: () => ({ balance: 0, movements: 0 }),
  handlers: {
    "money-moved": (state, event) => ({
      balance: state.balance + (event.payload as { amount: number }).amount,
      movements: state.movements + 1,
    }),
  },
});

/**
 * Loading the state of a 10,000-event stream per adapter: a full fold
 * (`project({ source })`, the baseline) beside a load from a snapshot kept in
 * the same storage (`project({ source, store })`, nothing to fold after it).
 */
export const snapshotsSuite: BenchSuite = {
  name: SUITE,
  async run() {
    const folder = mkdtempSync(join(tmpdir(), "chronicle-bench-snapshots-"));
    const pool = new pg.Pool({ connectionString: POSTGRES_URL });
    const adapters: Record<string, () => { events: EventStorageAdapter; projections: ProjectionStorageAdapter }> = {
      "in-memory": () => ({ events: new InMemoryEventStorageAdapter(), projections: new InMemoryProjectionStorageAdapter() }),
      sqlite: () => {
        const filename = join(folder, "snapshots.db");
        return { events: new SqliteEventStorageAdapter({ filename }), projections: new SqliteProjectionStorageAdapter({ filename }) };
      },
      postgres: () => ({
        events: new PostgresEventStorageAdapter({ pool }, { schema: RUN }),
        projections: new PostgresProjectionStorageAdapter({ pool }, { schema: RUN }),
      }),
      redis: () => ({
        events: new RedisEventStorageAdapter({ url: REDIS_URL }, { keyPrefix: `${RUN}:` }),
        projections: new RedisProjectionStorageAdapter({ url: REDIS_URL }, { keyPrefix: `${RUN}:` }),
      }),
    };
    try {
      for (const [name, open] of Object.entries(adapters)) {
        const { events, projections: projectionAdapter } = open();
        const store = new EventStore(events);
        const projections = new ProjectionStore(projectionAdapter);
        try {
          const stream = store.stream("accounts", "a-1");
          for (let batch = 0; batch < EVENTS / 100; batch += 1) {
            await stream.publish({
              events: Array.from({ length: 100 }, (_, index) => ({ name: "money-moved", payload: { amount: index - 50 } })),
            });
          }
          await balance.project({ source: stream, store: projections });
          const full = await measure(
            { suite: SUITE, scenario: `${name}: load a ${EVENTS}-event stream's state`, subject: "baseline", unit: "loads" },
            async () => {
              for (let load = 0; load < LOADS; load += 1) await balance.project({ source: stream });
              return LOADS;
            },
          );
          const snapshot = await measure(
            { suite: SUITE, scenario: `${name}: load a ${EVENTS}-event stream's state`, subject: "chronicle", unit: "loads" },
            async () => {
              for (let load = 0; load < LOADS * 10; load += 1) await balance.project({ source: stream, store: projections });
              return LOADS * 10;
            },
          );
          compare(snapshot, full, { minimumRatio: 1, description: "from a snapshot faster than a full fold" });
        } finally {
          await projections.close();
          await store.close();
        }
      }
    } finally {
      await pool.query(`DROP SCHEMA IF EXISTS "${RUN}" CASCADE`);
      await pool.end();
      rmSync(folder, { recursive: true, force: true });
    }
  },
};
