import { performance } from "node:perf_hooks";
import { InvalidInputError } from "@chronicle/core";
import { retryWhileBusy } from "./busy-retry.js";
import type { SqliteDatabase } from "./sqlite-database.js";

/** The table holding the log. */
export const EVENTS_TABLE = "chronicle_events";

/** The table recording which schema versions are applied (a table, not `user_version`, which belongs to the user's database). */
export const MIGRATIONS_TABLE = "chronicle_schema_migrations";

interface Migration {
  readonly version: number;
  readonly sql: string;
}

/**
 * Every schema change, in order. Applied ones are never edited: a change is a
 * new entry. The sequence number is the rowid, so commit order (SQLite has one
 * writer at a time) is sequence order; AUTOINCREMENT keeps numbers from being
 * reused even if the newest events are deleted by hand. The two unique
 * constraints are backstops behind the checks the adapter makes itself.
 */
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE ${EVENTS_TABLE} (
        sequence_number INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL,
        category TEXT NOT NULL,
        stream TEXT NOT NULL,
        position INTEGER NOT NULL,
        name TEXT NOT NULL,
        payload TEXT NOT NULL,
        metadata TEXT NOT NULL,
        occurred_at INTEGER NOT NULL,
        observed_at INTEGER NOT NULL,
        CONSTRAINT ${EVENTS_TABLE}_id_unique UNIQUE (id),
        CONSTRAINT ${EVENTS_TABLE}_stream_position_unique UNIQUE (category, stream, position)
      );
      -- An index entry ends with the rowid, so this serves category scans keyset-paged on the sequence number.
      CREATE INDEX ${EVENTS_TABLE}_by_category ON ${EVENTS_TABLE} (category);
    `,
  },
];

/** The schema version this adapter writes and reads. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** The schema version of `database`: 0 when Chronicle's tables are not there yet. */
export function schemaVersion(database: SqliteDatabase): number {
  const table = database.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(MIGRATIONS_TABLE);
  if (table === undefined) return 0;
  const row = database.prepare(`SELECT MAX(version) AS version FROM ${MIGRATIONS_TABLE}`).get() as { version: number | null };
  return row.version ?? 0;
}

/** Throws when the database was migrated by a newer Chronicle, whose schema this one must not touch. */
export function assertNotNewer(version: number): void {
  if (version > SCHEMA_VERSION) {
    throw new InvalidInputError(
      `The SQLite database has Chronicle schema version ${version}, newer than version ${SCHEMA_VERSION} of this @chronicle/sqlite: upgrade the package`,
    );
  }
}

/**
 * Brings the schema up to `SCHEMA_VERSION`. The version is read again inside a
 * `BEGIN IMMEDIATE` transaction, so several processes migrating one file at
 * once apply each migration exactly once; an up-to-date database costs one read.
 * The transaction runs synchronously from `BEGIN` to `COMMIT`: nothing else on
 * the connection can run inside it, and only taking the lock is retried.
 */
export async function migrateSchema(database: SqliteDatabase, busyTimeoutMs: number): Promise<void> {
  const current = schemaVersion(database);
  assertNotNewer(current);
  if (current === SCHEMA_VERSION) return;
  await retryWhileBusy(() => applyMigrations(database), performance.now() + busyTimeoutMs);
}

/** One attempt: takes the write lock and applies what is missing, or throws having changed nothing. */
function applyMigrations(database: SqliteDatabase): void {
  database.exec("BEGIN IMMEDIATE");
  try {
    database.exec(`CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`);
    const locked = schemaVersion(database);
    assertNotNewer(locked);
    const record = database.prepare(`INSERT INTO ${MIGRATIONS_TABLE} (version, applied_at) VALUES (?, ?)`);
    for (const migration of MIGRATIONS) {
      if (migration.version <= locked) continue;
      database.exec(migration.sql);
      record.run(migration.version, Date.now());
    }
    database.exec("COMMIT");
  } catch (error) {
    if (database.inTransaction) database.exec("ROLLBACK");
    throw error;
  }
}
