import { spawn } from "node:child_process";
import { randomFillSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { EventStore, isChronicleError } from "@chronicle/core";
import { SqliteEventStorageAdapter, type SqliteSynchronous } from "@chronicle/sqlite";
import Database from "better-sqlite3";
import { alternate, type BenchSuite, compare, type Measurement, measure, runConcurrently } from "./harness.js";

const SUITE = "sqlite";
const WRITERS = 8;
const SINGLE_PUBLISHES: Record<SqliteSynchronous, number> = { full: 10_000, normal: 40_000 };
const BATCH_SIZE = 100;
const BATCHES = 2_000;
const PROCESSES = 2;
const PUBLISHES_PER_PROCESS = 5_000;
const LOG_EVENTS = 200_000;
const WRITER_FLAG = "--sqlite-bench-writer";
const ONE_WRITER_PUBLISHES = 1_000;
const ONE_WRITER_BATCHES = 300;
/** The page size the adapter gives a file it creates (see the "Performance" section of its README). */
const ADAPTER_PAGE_SIZE = 2048;
/** The one-writer scenarios alternate Chronicle and the baseline this many times, so a load spike on the machine hits both. */
const ROUNDS = 3;

/** What a writer process is asked to do. */
interface WriterOptions {
  subject: "chronicle" | "baseline";
  filename: string;
  writer: string;
  publishes: number;
  synchronous: SqliteSynchronous;
}

const randomPool = Buffer.alloc(8 * 1024);
let randomOffset = randomPool.length;
let lastMillis = 0;
let counter = 0;

/**
 * The baseline's event ids: time-ordered like Chronicle's UUIDv7s, so both
 * sides do the same index work, generated from pooled randomness as a tuned
 * hand-written program would.
 */
function fastTimeOrderedId(): string {
  const now = Date.now();
  counter = now === lastMillis ? counter + 1 : 0;
  lastMillis = now;
  if (randomOffset + 8 > randomPool.length) {
    randomFillSync(randomPool);
    randomOffset = 0;
  }
  const random = randomPool.toString("hex", randomOffset, randomOffset + 8);
  randomOffset += 8;
  const time = now.toString(16).padStart(12, "0");
  const sequence = counter.toString(16).padStart(4, "0");
  return `${time.slice(0, 8)}-${time.slice(8)}-7${sequence.slice(1)}-${random.slice(0, 4)}-${random.slice(4)}${sequence}`;
}

/** A raw better-sqlite3 connection with the pragmas the adapter sets: its page size for a new file, WAL, `synchronous`. */
function openRaw(filename: string, synchronous: SqliteSynchronous): Database.Database {
  const database = new Database(filename);
  if (database.pragma("page_count", { simple: true }) === 0) database.pragma(`page_size = ${ADAPTER_PAGE_SIZE}`);
  database.pragma("journal_mode = WAL");
  database.pragma(`synchronous = ${synchronous.toUpperCase()}`);
  return database;
}

/**
 * The baseline: what a careful hand-written event log on better-sqlite3 does per
 * event, into the same table with the same indexes, one prepared INSERT per
 * transaction (`count` events in it), positions kept in memory.
 */
function rawAppender(database: Database.Database) {
  const begin = database.prepare("BEGIN IMMEDIATE");
  const commit = database.prepare("COMMIT");
  const insert = database.prepare(
    `INSERT INTO chronicle_events (id, category, stream, position, name, payload, metadata, occurred_at, observed_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const positions = new Map<string, number>();
  return (stream: string, payloads: readonly unknown[]) => {
    const now = Date.now();
    let position = positions.get(stream) ?? 0;
    begin.run();
    for (const payload of payloads) {
      insert.run(fastTimeOrderedId(), "accounts", stream, position, "deposited", JSON.stringify(payload), "{}", now, now);
      position += 1;
    }
    commit.run();
    positions.set(stream, position);
  };
}

/** A fresh, migrated database file in a temporary directory. */
async function freshFile(directory: string, name: string): Promise<string> {
  const filename = join(directory, `${name}.db`);
  const adapter = new SqliteEventStorageAdapter({ filename });
  await adapter.migrate();
  await adapter.close();
  return filename;
}

/**
 * The least a program can do to append events to streams durably: one table
 * `(id, stream, position, payload)` with a unique `(stream, position)`, the
 * id an integer rowid, positions kept in memory, one prepared INSERT per event
 * and one transaction per publish. No event ids, category, names, metadata or
 * timestamps: what Chronicle adds beyond it is the price of its guarantees.
 */
function minimalAppender(database: Database.Database) {
  database.exec(
    "CREATE TABLE minimal_events (id INTEGER PRIMARY KEY, stream TEXT NOT NULL, position INTEGER NOT NULL, payload TEXT NOT NULL, UNIQUE (stream, position))",
  );
  const begin = database.prepare("BEGIN IMMEDIATE");
  const commit = database.prepare("COMMIT");
  const insert = database.prepare("INSERT INTO minimal_events (stream, position, payload) VALUES (?, ?, ?)");
  const positions = new Map<string, number>();
  return (stream: string, payloads: readonly unknown[]) => {
    let position = positions.get(stream) ?? 0;
    begin.run();
    for (const payload of payloads) {
      insert.run(stream, position, JSON.stringify(payload));
      position += 1;
    }
    commit.run();
    positions.set(stream, position);
  };
}

/** One writer's appends to a baseline, awaited one after the other: `append(stream, payloads)` per publish. */
type Appender = (stream: string, payloads: readonly unknown[]) => void;

/**
 * One writer publishing one event, then 100-event batches, each publish awaited
 * before the next, with `synchronous=full` (a sync of the WAL per commit):
 * nothing to coalesce, so this is the cost of one publish end to end. Each is
 * measured twice, in alternating rounds: beside the minimal table, which the
 * targets are set against, and beside raw SQL into Chronicle's own table
 * (`rawAppender`), which tells the table's share of the gap from the code's.
 */
async function oneWriter(directory: string): Promise<void> {
  const minimal = openRaw(join(directory, "one-writer-minimal.db"), "full");
  const sameTable = openRaw(await freshFile(directory, "one-writer-same-table"), "full");
  const baselines: { name: string; append: Appender; targets: [number, number] }[] = [
    { name: "a minimal table", append: minimalAppender(minimal), targets: [0.8, 0.6] },
    { name: "raw SQL into the same table", append: rawAppender(sameTable), targets: [0, 0] },
  ];
  const payloads = Array.from({ length: BATCH_SIZE }, (_, index) => ({ amount: index }));
  for (const [baselineIndex, { name, append, targets }] of baselines.entries()) {
    const store = new EventStore(
      new SqliteEventStorageAdapter({ filename: await freshFile(directory, `one-writer-${baselineIndex}`) }, { synchronous: "full" }),
    );
    const describe = (share: number, unit: string) =>
      share === 0 ? "no target: what the table alone costs" : `at least ${share * 100}% of ${name}'s ${unit}/s`;
    const single = { suite: SUITE, scenario: `publish 1 event, 1 writer, synchronous=full, vs ${name}`, unit: "transactions" };
    const [chronicle1, baseline1] = await alternate(
      single,
      ROUNDS,
      () => async () => {
        const joe = store.stream("accounts", "single");
        for (let index = 0; index < ONE_WRITER_PUBLISHES; index += 1) {
          await joe.publish({ events: [{ name: "deposited", payload: { amount: index } }] });
        }
        return ONE_WRITER_PUBLISHES;
      },
      () => async () => {
        for (let index = 0; index < ONE_WRITER_PUBLISHES; index += 1) append("single", [{ amount: index }]);
        return ONE_WRITER_PUBLISHES;
      },
    );
    compare(chronicle1, baseline1, { minimumRatio: targets[0], description: describe(targets[0], "transactions") });
    const batched = { suite: SUITE, scenario: `publish batches of ${BATCH_SIZE}, 1 writer, synchronous=full, vs ${name}`, unit: "events" };
    const [chronicle2, baseline2] = await alternate(
      batched,
      ROUNDS,
      () => async () => {
        const stream = store.stream("accounts", "batched");
        for (let batch = 0; batch < ONE_WRITER_BATCHES; batch += 1) {
          await stream.publish({ events: payloads.map((payload) => ({ name: "deposited", payload })) });
        }
        return ONE_WRITER_BATCHES * BATCH_SIZE;
      },
      () => async () => {
        for (let batch = 0; batch < ONE_WRITER_BATCHES; batch += 1) append("batched", payloads);
        return ONE_WRITER_BATCHES * BATCH_SIZE;
      },
    );
    compare(chronicle2, baseline2, { minimumRatio: targets[1], description: describe(targets[1], "events") });
    await store.close();
  }
  minimal.close();
  sameTable.close();
}

async function singlePublishes(directory: string, synchronous: SqliteSynchronous): Promise<void> {
  const count = SINGLE_PUBLISHES[synchronous];
  const scenario = `publish 1 event, ${WRITERS} writers, synchronous=${synchronous}`;
  const store = new EventStore(
    new SqliteEventStorageAdapter({ filename: await freshFile(directory, `single-${synchronous}`) }, { synchronous }),
  );
  const chronicle = await measure({ suite: SUITE, scenario, subject: "chronicle", unit: "transactions" }, async () => {
    let errors = 0;
    await runConcurrently(WRITERS, count, async (index, worker) => {
      try {
        await store.stream("accounts", `account-${worker}`).publish({ events: [{ name: "deposited", payload: { amount: index } }] });
      } catch {
        errors += 1;
      }
    });
    return { count: count - errors, errors };
  });
  await store.close();

  const database = openRaw(await freshFile(directory, `single-${synchronous}-baseline`), synchronous);
  const append = rawAppender(database);
  const baseline = await measure({ suite: SUITE, scenario, subject: "baseline", unit: "transactions" }, async () => {
    await runConcurrently(WRITERS, count, async (index, worker) => {
      append(`account-${worker}`, [{ amount: index }]);
    });
    return count;
  });
  database.close();
  compare(chronicle, baseline, { minimumRatio: 0.7, description: "at least 70% of the baseline's transactions/s, zero errors" });
}

/**
 * `withIds`: the caller gives each event its id (as an idempotent producer does),
 * which isolates the adapter's cost from the store's id generation.
 */
async function batches(directory: string, synchronous: SqliteSynchronous, withIds = false): Promise<void> {
  const scenario = `publish batches of ${BATCH_SIZE}${withIds ? " with ids given" : ""}, synchronous=${synchronous}`;
  const payloads = Array.from({ length: BATCH_SIZE }, (_, index) => ({ amount: index }));
  const batch = () => payloads.map((payload) => ({ name: "deposited", payload, ...(withIds ? { id: fastTimeOrderedId() } : {}) }));
  const store = new EventStore(
    new SqliteEventStorageAdapter({ filename: await freshFile(directory, `batches-${synchronous}-${withIds}`) }, { synchronous }),
  );
  const chronicle = await measure({ suite: SUITE, scenario, subject: "chronicle", unit: "events" }, async () => {
    await runConcurrently(1, BATCHES, async () => {
      await store.stream("accounts", "batched").publish({ events: batch() });
    });
    return BATCHES * BATCH_SIZE;
  });
  await store.close();

  const database = openRaw(await freshFile(directory, `batches-${synchronous}-${withIds}-baseline`), synchronous);
  const append = rawAppender(database);
  const baseline = await measure({ suite: SUITE, scenario, subject: "baseline", unit: "events" }, async () => {
    for (let batch = 0; batch < BATCHES; batch += 1) append("batched", payloads);
    return BATCHES * BATCH_SIZE;
  });
  database.close();
  console.log(
    JSON.stringify({
      suite: SUITE,
      scenario,
      target: "at least 150000 events/s",
      rate: chronicle.rate,
      meetsTarget: chronicle.rate >= 150_000,
    }),
  );
  compare(chronicle, baseline, { minimumRatio: 0.7, description: "Chronicle's own goal: 70% of the raw driver's events/s" });
}

/** Runs writer processes against one file; times them from a common start signal, not from process start. */
async function processes(directory: string, subject: "chronicle" | "baseline", synchronous: SqliteSynchronous): Promise<Measurement> {
  const filename = await freshFile(directory, `processes-${subject}`);
  const script = fileURLToPath(import.meta.url);
  const children = Array.from({ length: PROCESSES }, (_, index) => {
    const options: WriterOptions = { subject, filename, writer: `process-${index}`, publishes: PUBLISHES_PER_PROCESS, synchronous };
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "--conditions=@chronicle/source", script, WRITER_FLAG, JSON.stringify(options)],
      {
        stdio: ["pipe", "pipe", "inherit"],
      },
    );
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const next = async () =>
      JSON.parse(((await lines.next()).value as string | undefined) ?? "null") as { count: number; errors: number } | null;
    return { child, next };
  });
  await Promise.all(children.map(({ next }) => next())); // each prints once it is ready
  return measure(
    { suite: SUITE, scenario: `${PROCESSES} processes, 1 event per publish, synchronous=${synchronous}`, subject, unit: "transactions" },
    async () => {
      for (const { child } of children) child.stdin.end("go\n");
      const outcomes = await Promise.all(children.map(({ next }) => next()));
      return {
        count: outcomes.reduce((sum, outcome) => sum + (outcome?.count ?? 0), 0),
        errors: outcomes.reduce((sum, outcome) => sum + (outcome?.errors ?? PUBLISHES_PER_PROCESS), 0),
      };
    },
  );
}

/** One writer process of the multi-process scenario: readies itself, waits for "go", writes, reports. */
async function writerProcess(options: WriterOptions): Promise<void> {
  const print = (line: unknown) => process.stdout.write(`${JSON.stringify(line)}\n`);
  let publish: (index: number, worker: number) => Promise<void>;
  let close: () => Promise<void>;
  if (options.subject === "chronicle") {
    const store = new EventStore(new SqliteEventStorageAdapter({ filename: options.filename }, { synchronous: options.synchronous }));
    await store.log().latest();
    publish = async (index, worker) => {
      await store
        .stream("accounts", `${options.writer}-${worker}`)
        .publish({ events: [{ name: "deposited", payload: { amount: index } }] });
    };
    close = () => store.close();
  } else {
    // The driver's own blocking busy wait, as a plain better-sqlite3 program would use it.
    const database = openRaw(options.filename, options.synchronous);
    database.pragma("busy_timeout = 5000");
    const append = rawAppender(database);
    publish = async (index, worker) => append(`${options.writer}-${worker}`, [{ amount: index }]);
    close = async () => void database.close();
  }
  print({ ready: true });
  for await (const _ of createInterface({ input: process.stdin })) break;
  let errors = 0;
  const failures = new Set<string>();
  await runConcurrently(WRITERS, options.publishes, async (index, worker) => {
    try {
      await publish(index, worker);
    } catch (error) {
      errors += 1;
      failures.add(isChronicleError(error) ? error.code : String((error as { code?: unknown }).code ?? error));
    }
  });
  await close();
  if (failures.size > 0) console.error(`${options.writer} (${options.subject}) failed with: ${[...failures].join(", ")}`);
  print({ count: options.publishes - errors, errors });
}

async function iterateLog(directory: string): Promise<void> {
  const filename = await freshFile(directory, "iterate");
  const database = openRaw(filename, "normal");
  const append = rawAppender(database);
  const payloads = Array.from({ length: 1_000 }, (_, index) => ({ amount: index, note: "a deposit of some size" }));
  for (let written = 0; written < LOG_EVENTS; written += payloads.length) append("iterated", payloads);
  const scenario = `iterate a log of ${LOG_EVENTS} events`;
  const baseline = await measure({ suite: SUITE, scenario, subject: "baseline", unit: "events" }, async () => {
    let count = 0;
    for (const row of database.prepare("SELECT * FROM chronicle_events ORDER BY sequence_number").iterate()) {
      JSON.parse((row as { payload: string }).payload);
      count += 1;
    }
    return count;
  });
  database.close();
  const store = new EventStore(new SqliteEventStorageAdapter({ filename }));
  const chronicle = await measure({ suite: SUITE, scenario, subject: "chronicle", unit: "events" }, async () => {
    let count = 0;
    for await (const _ of store.log().iterate()) count += 1;
    return count;
  });
  await store.close();
  compare(chronicle, baseline, { minimumRatio: 0.5, description: "paged keyset reads: memory stays flat" });
}

if (process.argv[2] === WRITER_FLAG) {
  await writerProcess(JSON.parse(process.argv[3] ?? "{}") as WriterOptions);
}

/**
 * better-sqlite3: one writer's single-event publishes and batches beside a
 * minimal table and beside raw SQL into Chronicle's own table
 * (`CHRONICLE_BENCH_SQLITE=one-writer` runs only these), single-event publishes from 8 async writers at both
 * `synchronous` settings, batches of 100, two processes on one file, and
 * iterating a long log, each beside a raw better-sqlite3 baseline.
 */
export const sqliteSuite: BenchSuite = {
  name: SUITE,
  async run() {
    const directory = mkdtempSync(join(tmpdir(), "chronicle-bench-sqlite-"));
    try {
      await oneWriter(directory);
      // `CHRONICLE_BENCH_SQLITE=one-writer` stops here: the one-writer scenarios alone, beside both baselines.
      if (process.env.CHRONICLE_BENCH_SQLITE === "one-writer") return;
      await singlePublishes(directory, "full");
      await singlePublishes(directory, "normal");
      await batches(directory, "full");
      await batches(directory, "normal");
      await batches(directory, "normal", true);
      const chronicle = await processes(directory, "chronicle", "full");
      const baseline = await processes(directory, "baseline", "full");
      compare(chronicle, baseline, { minimumRatio: 0.7, description: "total transactions/s across processes, zero errors" });
      await iterateLog(directory);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  },
};
