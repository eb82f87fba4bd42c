import { performance } from "node:perf_hooks";
import { InvalidInputError } from "@chronicle/core";
import { retryWhileBusy } from "./busy-retry.js";
import type { SqliteDatabase } from "./sqlite-database.js";

/** One step of a schema: applied ones are never edited, a change is a new entry. */
export interface SqliteMigration {
  readonly version: number;
  readonly sql: string;
}

/**
 * A schema with its own version history: what it is called in messages, the
 * table recording which versions are applied (a table, not `user_version`, which
 * belongs to the user's database), and its migrations in order. The event log
 * and the projections are separate schemas, so either can live in a file
 * without the other.
 */
export interface SqliteSchema {
  readonly title: string;
  readonly migrationsTable: string;
  readonly migrations: readonly SqliteMigration[];
}

/** The schema version this package writes and reads. */
export function latestVersion(schema: SqliteSchema): number {
  return schema.migrations.length;
}

/** The version of `schema` in `database`: 0 when its tables are not there yet. */
export function schemaVersion(database: SqliteDatabase, schema: SqliteSchema): number {
  const table = database.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(schema.migrationsTable);
  if (table === undefined) return 0;
  const row = database.prepare(`SELECT MAX(version) AS version FROM ${schema.migrationsTable}`).get() as { version: number | null };
  return row.version ?? 0;
}

/** Throws when the database was migrated by a newer Chronicle, whose schema this one must not touch. */
export function assertNotNewer(schema: SqliteSchema, version: number): void {
  if (version > latestVersion(schema)) {
    throw new InvalidInputError(
      `The SQLite database has Chronicle ${schema.title} schema version ${version}, newer than version ${latestVersion(schema)} of this @chronicle/sqlite: upgrade the package`,
    );
  }
}

/**
 * Brings `schema` up to its latest version. The version is read again inside a
 * `BEGIN IMMEDIATE` transaction, so several processes migrating one file at
 * once apply each migration exactly once; an up-to-date database costs one read.
 * The transaction runs synchronously from `BEGIN` to `COMMIT`: nothing else on
 * the connection can run inside it, and only taking the lock is retried.
 */
export async function migrateSchema(database: SqliteDatabase, schema: SqliteSchema, busyTimeoutMs: number): Promise<void> {
  const current = schemaVersion(database, schema);
  assertNotNewer(schema, current);
  if (current === latestVersion(schema)) return;
  await retryWhileBusy(() => applyMigrations(database, schema), performance.now() + busyTimeoutMs);
}

/** One attempt: takes the write lock and applies what is missing, or throws having changed nothing. */
function applyMigrations(database: SqliteDatabase, schema: SqliteSchema): void {
  database.exec("BEGIN IMMEDIATE");
  try {
    database.exec(`CREATE TABLE IF NOT EXISTS ${schema.migrationsTable} (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`);
    const locked = schemaVersion(database, schema);
    assertNotNewer(schema, locked);
    const record = database.prepare(`INSERT INTO ${schema.migrationsTable} (version, applied_at) VALUES (?, ?)`);
    for (const migration of schema.migrations) {
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
