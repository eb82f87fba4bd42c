import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "@chronicle/cli";
import { EventStore, streamIdentifier } from "@chronicle/core";
import { PostgresEventStorageAdapter } from "@chronicle/postgres";
import { SqliteEventStorageAdapter } from "@chronicle/sqlite";
import pg from "pg";
import { type BenchSuite, compare, measure } from "./harness.js";

const SUITE = "cli";
const EVENTS = 50_000;
const BATCH = 100;
const POSTGRES_URL = process.env.CHRONICLE_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const RUN = `bench_cli_${process.pid}`;

/** Runs the `chronicle` command in this process, as its binary would, and fails on a non-zero exit code. */
async function chronicle(...args: string[]): Promise<void> {
  process.exitCode = undefined;
  await run(["node", "chronicle", ...args]);
  if ((process.exitCode ?? 0) !== 0) throw new Error(`chronicle ${args.join(" ")} exited with ${process.exitCode}`);
  process.exitCode = undefined;
}

function postgresUrl(schema: string): string {
  return `${POSTGRES_URL}${POSTGRES_URL.includes("?") ? "&" : "?"}schema=${schema}`;
}

/** A payload of about 200 bytes, like a modest domain event. */
function payload(index: number) {
  return { index, name: `customer-${index}`, email: `customer-${index}@example.com`, tags: ["a", "b"], note: "x".repeat(100) };
}

/** Publishes the bench's events in 100-event batches over 500 streams, then closes the store. */
async function publishBatches(store: EventStore): Promise<number> {
  for (let batch = 0; batch < EVENTS / BATCH; batch += 1) {
    await store.publish({
      writes: [
        {
          target: streamIdentifier("customers", `c-${batch % 500}`),
          events: Array.from({ length: BATCH }, (_, index) => ({ name: "customer-registered", payload: payload(batch * BATCH + index) })),
        },
      ],
    });
  }
  await store.close();
  return EVENTS;
}

/**
 * The `chronicle` command's export, import and copy throughput, beside the
 * rate at which the same stores take 100-event batches through Chronicle's own
 * publish (the target: copy at least half as fast as the slower side's batch
 * publish rate, since copy does that work plus reading and checking).
 */
export const cliSuite: BenchSuite = {
  name: SUITE,
  async run() {
    const folder = mkdtempSync(join(tmpdir(), "chronicle-bench-cli-"));
    const pool = new pg.Pool({ connectionString: POSTGRES_URL });
    const schemas = [`${RUN}_publish`, `${RUN}_import`, `${RUN}_copy`];
    try {
      const source = join(folder, "source.db");
      const sqlitePublish = await measure({ suite: SUITE, scenario: "batch publish, SQLite", subject: "baseline", unit: "events" }, () =>
        publishBatches(new EventStore(new SqliteEventStorageAdapter({ filename: source }))),
      );
      const postgresPublish = await measure(
        { suite: SUITE, scenario: "batch publish, PostgreSQL", subject: "baseline", unit: "events" },
        () => publishBatches(new EventStore(new PostgresEventStorageAdapter({ pool }, { schema: schemas[0] }))),
      );
      const slower = sqlitePublish.rate < postgresPublish.rate ? sqlitePublish : postgresPublish;

      const exported = join(folder, "export.ndjson.gz");
      await measure({ suite: SUITE, scenario: "export SQLite to .ndjson.gz", subject: "chronicle", unit: "events" }, async () => {
        await chronicle("export", "--url", `sqlite:${source}`, "--out", exported);
        return EVENTS;
      });
      const imported = await measure(
        { suite: SUITE, scenario: "import .ndjson.gz into PostgreSQL", subject: "chronicle", unit: "events" },
        async () => {
          await chronicle("import", "--url", postgresUrl(schemas[1] as string), exported);
          return EVENTS;
        },
      );
      compare(imported, postgresPublish, { minimumRatio: 0.5, description: "import ≥ 0.5 × PostgreSQL batch publish" });
      const copied = await measure(
        { suite: SUITE, scenario: "copy SQLite → PostgreSQL (with verification)", subject: "chronicle", unit: "events" },
        async () => {
          await chronicle("copy", "--from", `sqlite:${source}`, "--to", postgresUrl(schemas[2] as string));
          return EVENTS;
        },
      );
      compare(copied, slower, { minimumRatio: 0.5, description: "copy ≥ 0.5 × the slower side's batch publish" });
    } finally {
      for (const schema of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
      rmSync(folder, { recursive: true, force: true });
    }
  },
};
