import { performance } from "node:perf_hooks";
import { ChronicleError } from "@chronicle/core";
import Database from "better-sqlite3";
import { DRIVER_BUSY_TIMEOUT_MS, retryWhileBusy } from "./busy-retry.js";
import type { SqliteDatabase } from "./sqlite-database.js";
import { classifySqliteError } from "./sqlite-errors.js";
import type { SqliteConnectionOptions, SqliteSynchronous } from "./sqlite-options.js";
import { assertNotNewer, latestVersion, migrateSchema, type SqliteSchema, schemaVersion } from "./sqlite-schema.js";

const SYNCHRONOUS: Record<SqliteSynchronous, string> = { full: "FULL", normal: "NORMAL" };
const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

/**
 * The page size of a database file the adapter creates. A commit appends every
 * page it changed to the WAL, and a one-event publish changes a page of the
 * table and of each index: with 2 KiB pages instead of SQLite's 4 KiB default
 * it writes and syncs half the bytes: 5–11% more single-event publishes and
 * 5–7% more 100-event batches at `synchronous: "full"`, reads the same.
 */
const NEW_FILE_PAGE_SIZE = 2048;

/** What every SQLite adapter takes about its connection, checked. */
export interface SqliteConnectionSettings {
  readonly synchronous: SqliteSynchronous;
  readonly busyTimeoutMs: number;
}

/** Checks the connection options shared by the SQLite adapters and fills in their defaults. */
export function connectionSettings(options: { synchronous?: SqliteSynchronous; busyTimeoutMs?: number }): SqliteConnectionSettings {
  const synchronous = options.synchronous ?? "full";
  if (!Object.hasOwn(SYNCHRONOUS, synchronous)) {
    throw new TypeError(`synchronous must be "full" or "normal", got ${String(synchronous)}`);
  }
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  if (typeof busyTimeoutMs !== "number" || !Number.isFinite(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new TypeError(`busyTimeoutMs must be a non-negative number of milliseconds, got ${String(busyTimeoutMs)}`);
  }
  return { synchronous, busyTimeoutMs };
}

/**
 * The user's connection, or one opened on `filename` (then the adapter owns it),
 * with `synchronous` and the driver's short busy timeout set: both are per
 * connection, so they are set on the user's connection too. WAL mode is set on
 * first use (`useWal`), as it may wait for a lock.
 */
export function openConnection(
  connection: SqliteConnectionOptions,
  settings: SqliteConnectionSettings,
): { database: SqliteDatabase; ownsDatabase: boolean } {
  if (typeof connection !== "object" || connection === null) {
    throw new TypeError("connection must be { database } or { filename }");
  }
  let database: SqliteDatabase;
  let ownsDatabase: boolean;
  if ("database" in connection) {
    database = connection.database;
    ownsDatabase = false;
  } else if (typeof connection.filename === "string") {
    try {
      database = new Database(connection.filename);
      // Only a file with nothing in it yet: the page size of an existing database is its own.
      const { page_count: pages } = database.prepare("PRAGMA page_count").get() as { page_count: number };
      if (pages === 0) database.exec(`PRAGMA page_size = ${NEW_FILE_PAGE_SIZE}`);
    } catch (error) {
      throw classifySqliteError(error, { open: true });
    }
    ownsDatabase = true;
  } else {
    throw new TypeError("connection must be { database } or { filename }");
  }
  database.exec(`PRAGMA synchronous = ${SYNCHRONOUS[settings.synchronous]}`);
  database.exec(`PRAGMA busy_timeout = ${Math.min(DRIVER_BUSY_TIMEOUT_MS, Math.floor(settings.busyTimeoutMs))}`);
  return { database, ownsDatabase };
}

/** WAL lets readers (in any process) read while one connection writes. The mode is stored in the file, so usually this only reads. */
export async function useWal(database: SqliteDatabase, busyTimeoutMs: number): Promise<void> {
  if (database.readonly === true) return;
  const deadline = performance.now() + busyTimeoutMs;
  const mode = await retryWhileBusy(() => database.prepare("PRAGMA journal_mode").get() as { journal_mode: string }, deadline);
  // An in-memory database has no file to share, and keeps its "memory" journal.
  if (mode.journal_mode === "wal" || mode.journal_mode === "memory") return;
  await retryWhileBusy(() => database.prepare("PRAGMA journal_mode = WAL").get(), deadline);
}

/**
 * Gets one adapter's connection ready for one schema: WAL mode, and the schema
 * migrated (or, with `migrate: false`, checked). Concurrent `migrate()` calls on
 * one adapter, its own first use included, share one migration: they share one
 * connection, on which one transaction must end before the next begins. Once it
 * settles, the next call runs again (an up-to-date schema costs one read).
 */
export class SqliteSchemaSetup {
  readonly #database: SqliteDatabase;
  readonly #schema: SqliteSchema;
  readonly #migrateOnFirstUse: boolean;
  readonly #busyTimeoutMs: number;
  #migration: Promise<void> | undefined;
  #ready: Promise<void> | undefined;

  constructor(database: SqliteDatabase, schema: SqliteSchema, options: { migrateOnFirstUse: boolean; busyTimeoutMs: number }) {
    this.#database = database;
    this.#schema = schema;
    this.#migrateOnFirstUse = options.migrateOnFirstUse;
    this.#busyTimeoutMs = options.busyTimeoutMs;
  }

  /** Creates or upgrades the schema; calls made while one runs share it. */
  migrate(): Promise<void> {
    this.#migration ??= (async () => {
      try {
        await useWal(this.#database, this.#busyTimeoutMs);
        await migrateSchema(this.#database, this.#schema, this.#busyTimeoutMs);
      } catch (error) {
        throw classifySqliteError(error, this.#database);
      }
    })().finally(() => {
      this.#migration = undefined;
    });
    return this.#migration;
  }

  /** Resolves once the connection and schema are ready; set up once, and again after a failure. */
  ready(): Promise<void> {
    this.#ready ??= this.#setUp().catch((error: unknown) => {
      this.#ready = undefined;
      throw classifySqliteError(error, this.#database);
    });
    return this.#ready;
  }

  async #setUp(): Promise<void> {
    if (this.#migrateOnFirstUse) {
      await this.migrate();
      return;
    }
    await useWal(this.#database, this.#busyTimeoutMs);
    const version = schemaVersion(this.#database, this.#schema);
    assertNotNewer(this.#schema, version);
    const latest = latestVersion(this.#schema);
    if (version < latest) {
      throw new ChronicleError(
        "UNAVAILABLE",
        `The SQLite database has Chronicle ${this.#schema.title} schema version ${version}, not ${latest}: call migrate(), or leave the migrate option on`,
      );
    }
  }
}
