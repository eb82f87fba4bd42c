import type { ProjectionPath } from "@chronicle/core";
import type { SqliteDatabase } from "./sqlite-database.js";
import type { SqliteSynchronous } from "./sqlite-options.js";

/**
 * The part of a better-sqlite3 `Database` the projection adapter uses: that of
 * the event adapter, and `function`, to register the deterministic SQL function
 * `chronicle_regexp` that evaluates `matches` filters with JavaScript's `RegExp`.
 */
export interface SqliteProjectionDatabase extends SqliteDatabase {
  function(name: string, options: { deterministic?: boolean }, implementation: (...parameters: never[]) => unknown): unknown;
}

/**
 * Where the projections live: your own better-sqlite3 connection (left open by
 * `close()`), or a file name the adapter opens and owns. It may be the file or
 * connection of a `SqliteEventStorageAdapter`.
 */
export type SqliteProjectionConnectionOptions = { readonly database: SqliteProjectionDatabase } | { readonly filename: string };

/** Options of `new SqliteProjectionStorageAdapter(connection, options)`. */
export interface SqliteProjectionStorageAdapterOptions {
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
  /**
   * State paths you created expression indexes for, such as
   * `["state.address.city"]`. Filters and sorts read every other path through
   * bound parameters; SQLite can only match an index on
   * `json_extract(state, '$.address.city')` when the query holds that same
   * text, so these paths are written into the statement as constants (built
   * from your configuration, never from query input). Each must lead into
   * `state` through keys and array indexes, with no key that is a non-negative
   * integer such as `"0"`.
   */
  indexedPaths?: readonly ProjectionPath[];
}
