import type { Clock, SerialisationGuarantee } from "@chronicle/core";
import type { SqliteDatabase } from "./sqlite-database.js";

/**
 * Where the events live: your own better-sqlite3 connection (left open by
 * `close()`), or a file name the adapter opens and owns (`":memory:"` for a
 * private in-memory database).
 */
export type SqliteConnectionOptions = { readonly database: SqliteDatabase } | { readonly filename: string };

/**
 * How hard SQLite works to make a commit durable (`PRAGMA synchronous`):
 * `"full"` survives power loss; `"normal"` survives a crash of the process but
 * may lose the last commits on power loss, and commits faster.
 */
export type SqliteSynchronous = "full" | "normal";

/** Options of `new SqliteEventStorageAdapter(connection, options)`. */
export interface SqliteEventStorageAdapterOptions {
  /**
   * SQLite has one writer at a time, so every save is serialised across the whole
   * log whichever guarantee is named; accepted for parity. Defaults to `"log"`.
   */
  serialisationGuarantee?: SerialisationGuarantee;
  /** Stamps `observedAt` on events saved without one. Defaults to the system clock. */
  clock?: Clock;
  /** Whether the first call creates or upgrades the schema. Defaults to `true`; with `false`, call `migrate()` yourself. */
  migrate?: boolean;
  /** Durability of each commit. Defaults to `"full"`. */
  synchronous?: SqliteSynchronous;
  /**
   * How long a call waits for another connection's write lock before it rejects
   * with `UNAVAILABLE` (retryable). The wait does not block the event loop.
   * Defaults to 5000.
   */
  busyTimeoutMs?: number;
}
