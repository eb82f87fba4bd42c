/**
 * The part of a better-sqlite3 `Statement` the adapter uses. Typed structurally,
 * so any compatible driver object works and the adapter never depends on the
 * driver's own type declarations.
 */
export interface SqliteStatement {
  run(...parameters: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  get(...parameters: unknown[]): unknown;
  all(...parameters: unknown[]): unknown[];
}

/**
 * The part of a better-sqlite3 `Database` the adapter uses: pass your own
 * connection through `{ database }`. The adapter never closes a database it did
 * not open.
 */
export interface SqliteDatabase {
  /** `false` once the connection is closed. */
  readonly open: boolean;
  /** Whether a transaction is open on this connection. */
  readonly inTransaction: boolean;
  /** Whether the connection was opened read-only; such a connection never writes, not even the journal mode. */
  readonly readonly?: boolean;
  prepare(source: string): SqliteStatement;
  exec(source: string): unknown;
  close(): unknown;
}
