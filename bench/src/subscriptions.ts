import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type EventStorageAdapter, EventStore, type StoredEvent } from "@chronicle/core";
import { InMemoryEventStorageAdapter } from "@chronicle/in-memory";
import { PostgresEventStorageAdapter } from "@chronicle/postgres";
import { RedisEventStorageAdapter } from "@chronicle/redis";
import { SqliteEventStorageAdapter } from "@chronicle/sqlite";
import { Redis } from "ioredis";
import pg from "pg";
import { type BenchSuite, compare, type Measurement, measure } from "./harness.js";

/** The adapters measured; each opens fresh, empty storage. Other adapters add themselves here. */
const adapters: { name: string; open: () => Promise<EventStorageAdapter>; cleanup?: () => Promise<void> }[] = [
  { name: "in-memory", open: async () => new InMemoryEventStorageAdapter() },
  {
    name: "postgres",
    open: async () => new PostgresEventStorageAdapter({ connectionString: POSTGRES_URL, maxConnections: 8 }, { schema: POSTGRES_SCHEMA }),
    cleanup: async () => {
      const admin = new pg.Client({ connectionString: POSTGRES_URL });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS ${POSTGRES_SCHEMA} CASCADE`);
      await admin.end();
    },
  },
  {
    name: "sqlite",
    open: async () => {
      sqliteDirectory = await mkdtemp(join(tmpdir(), "chronicle-bench-subscriptions-"));
      return new SqliteEventStorageAdapter({ filename: join(sqliteDirectory, "events.db") });
    },
    cleanup: async () => {
      if (sqliteDirectory !== undefined) await rm(sqliteDirectory, { recursive: true, force: true });
    },
  },
  {
    name: "redis",
    open: async () => new RedisEventStorageAdapter({ url: REDIS_URL }, { keyPrefix: REDIS_PREFIX }),
    cleanup: async () => {
      const admin = new Redis(REDIS_URL);
      let cursor = "0";
      do {
        const [next, keys] = await admin.scan(cursor, "MATCH", `{${REDIS_PREFIX}}*`, "COUNT", 1000);
        cursor = next;
        if (keys.length > 0) await admin.unlink(...keys);
      } while (cursor !== "0");
      await admin.quit();
    },
  },
];

let sqliteDirectory: string | undefined;

const POSTGRES_URL = process.env.CHRONICLE_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const POSTGRES_SCHEMA = `chronicle_bench_subscriptions_${process.pid}`;
const REDIS_URL = process.env.CHRONICLE_REDIS_URL ?? "redis://127.0.0.1:6379";
const REDIS_PREFIX = `chronicle-bench-subscriptions:${process.pid}:`;
const LIVE_SAMPLES = 2_000;
const POLLING_SAMPLES = 100;
const POLL_INTERVAL_MS = 20;
const LOG_EVENTS = 100_000;

function percentile(sorted: readonly number[], fraction: number): number {
  const value = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
  return Math.round(value * 1000) / 1000;
}

/** Publishes one event at a time and times each until the handler has it: milliseconds, sorted. */
async function publishToHandler(store: EventStore, options: { samples: number; notifications: boolean; name: string }) {
  let arrived: ((event: StoredEvent) => void) | undefined;
  const subscription = store.subscribe({
    name: options.name,
    source: store.category("latency"),
    from: "end",
    notifications: options.notifications,
    pollIntervalMs: options.notifications ? 1_000 : POLL_INTERVAL_MS,
    handler: (event) => arrived?.(event),
  });
  await subscription.caughtUp();
  const latencies: number[] = [];
  for (let sample = 0; sample < options.samples; sample++) {
    const handled = new Promise<StoredEvent>((resolve) => {
      arrived = resolve;
    });
    const started = process.hrtime.bigint();
    await store.stream("latency", options.name).publish({ events: [{ name: "ping", payload: { sample } }] });
    await handled;
    latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  await subscription.close();
  return latencies.sort((a, b) => a - b);
}

/** Subscriptions: publish-to-handler latency (live and polling only) and catch-up throughput beside a plain iterate(). */
export const subscriptionsSuite: BenchSuite = {
  name: "subscriptions",
  async run() {
    // CHRONICLE_BENCH_ADAPTERS=redis,postgres measures only those adapters.
    const only = process.env.CHRONICLE_BENCH_ADAPTERS?.split(",").map((name) => name.trim());
    for (const { name, open, cleanup } of adapters.filter((adapter) => only === undefined || only.includes(adapter.name))) {
      const suite = `subscriptions ${name}`;
      const store = new EventStore(await open());
      if (measured("latency")) await measureLatency(store, suite);
      if (measured("catch-up")) await measureCatchUp(store, suite);
      await store.close();
      await cleanup?.();
    }
  },
};

/** CHRONICLE_BENCH_SUBSCRIPTIONS=catch-up (or latency) measures only that part of the suite; both by default. */
function measured(part: "latency" | "catch-up"): boolean {
  const only = process.env.CHRONICLE_BENCH_SUBSCRIPTIONS?.split(",").map((name) => name.trim());
  return only === undefined || only.includes(part);
}

/** Publish-to-handler latency, live and polling only, beside the publish alone. */
async function measureLatency(store: EventStore, suite: string): Promise<void> {
  for (const [scenario, samples, notifications] of [
    ["publish to handler, live", LIVE_SAMPLES, true],
    [`publish to handler, polling every ${POLL_INTERVAL_MS} ms only`, POLLING_SAMPLES, false],
  ] as const) {
    await measure({ suite, scenario, subject: "chronicle", unit: "events" }, async () => {
      const sorted = await publishToHandler(store, { samples, notifications, name: `latency-${notifications}` });
      return { count: samples, p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99) };
    });
  }
  // Baseline for latency: the publish alone, with nothing waiting for it.
  await measure({ suite, scenario: "publish to handler, live", subject: "baseline", unit: "events" }, async () => {
    const latencies: number[] = [];
    for (let sample = 0; sample < LIVE_SAMPLES; sample++) {
      const started = process.hrtime.bigint();
      await store.stream("latency", "baseline").publish({ events: [{ name: "ping", payload: { sample } }] });
      latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    latencies.sort((a, b) => a - b);
    return { count: LIVE_SAMPLES, p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99) };
  });
}

/**
 * Catch-up throughput of a no-op handler from the beginning of a 100,000-event
 * category, beside a plain iterate() over it; the target is half its rate or
 * better. Baseline and subscriptions take turns for CHRONICLE_BENCH_ROUNDS
 * rounds (default 3), and each ratio compares the median runs, so one noisy
 * run on a shared machine does not decide it.
 */
async function measureCatchUp(store: EventStore, suite: string): Promise<void> {
  const batch = Array.from({ length: 1_000 }, (_, index) => ({ name: "tick", payload: { index } }));
  for (let published = 0; published < LOG_EVENTS; published += batch.length) {
    await store.stream("ticks", `clock-${published % 10}`).publish({ events: batch });
  }
  const scenario = `catch up on ${LOG_EVENTS} events`;
  // One unmeasured pass first, so the baseline is not the run that warms up the code paths both share.
  for await (const _ of store.category("ticks").iterate()) {
    // Reads everything.
  }
  // CHRONICLE_BENCH_CHECKPOINT_EVERY=100,1000 leaves out the slow checkpoint-per-event run.
  const checkpointEveries = process.env.CHRONICLE_BENCH_CHECKPOINT_EVERY?.split(",").map(Number) ?? [1, 100, 1000];
  const rounds = Math.max(1, Number(process.env.CHRONICLE_BENCH_ROUNDS ?? 3));
  const runs = new Map<number | "baseline", Measurement[]>();
  const record = (key: number | "baseline", measurement: Measurement) => runs.set(key, [...(runs.get(key) ?? []), measurement]);
  for (let round = 0; round < rounds; round++) {
    record(
      "baseline",
      await measure({ suite, scenario, subject: "baseline", unit: "events" }, async () => {
        let count = 0;
        for await (const _ of store.category("ticks").iterate()) count += 1;
        return count;
      }),
    );
    for (const checkpointEvery of checkpointEveries) {
      // A checkpoint per event takes minutes on a durable store: one round of it says enough.
      if (checkpointEvery === 1 && round > 0) continue;
      const measurement = await measure(
        { suite, scenario: `${scenario}, checkpointEvery ${checkpointEvery}`, subject: "chronicle", unit: "events" },
        async () => {
          let count = 0;
          const subscription = store.subscribe({
            name: `catch-up-${checkpointEvery}-${round}`,
            source: store.category("ticks"),
            checkpointEvery,
            handler: () => {
              count += 1;
            },
          });
          await subscription.caughtUp();
          await subscription.close();
          return count;
        },
      );
      record(checkpointEvery, measurement);
    }
  }
  const baseline = median(runs.get("baseline") ?? []);
  for (const checkpointEvery of checkpointEveries) {
    if (checkpointEvery === 1) continue;
    compare(median(runs.get(checkpointEvery) ?? []), baseline, {
      minimumRatio: 0.5,
      description: `batched checkpoints: at least half the rate of iterate() (medians of ${rounds} runs)`,
    });
  }
}

/** The run with the median rate (the higher middle one for an even count). */
function median(measurements: readonly Measurement[]): Measurement {
  const sorted = [...measurements].sort((a, b) => a.rate - b.rate);
  const middle = sorted[Math.floor(sorted.length / 2)];
  if (middle === undefined) throw new Error("No runs to take the median of");
  return middle;
}
