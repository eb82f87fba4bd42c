/** Options of `new PostgresProjectionStorageAdapter(connection, options)`. */
export interface PostgresProjectionStorageAdapterOptions {
  /**
   * The PostgreSQL schema holding the `projections` table; adapters on different
   * schemas never see each other's projections. It may be the schema of a
   * `PostgresEventStorageAdapter`. Defaults to `"chronicle"`.
   */
  schema?: string;
  /** Whether to create or upgrade the table on first use. Defaults to `true`; with `false`, run `migrate()` yourself. */
  migrate?: boolean;
}
