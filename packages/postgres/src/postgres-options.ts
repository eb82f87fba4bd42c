import type { Clock, SerialisationGuarantee } from "@chronicle/core";

/** A query as the adapter sends it: the subset of `pg`'s `QueryConfig` it uses. */
export interface PostgresQuery {
  text: string;
  values?: unknown[];
  /** Prepares the statement once per connection under this name. */
  name?: string;
  rowMode?: "array";
  /** Overrides the pool's type parsers for this query, so the adapter reads raw text whatever the pool is configured with. */
  types?: { getTypeParser(oid: number, format?: string): (value: string) => unknown };
}

/** Anything that runs a query: a `pg.Pool` or a client checked out of one. */
export interface PostgresQueryable {
  // biome-ignore lint/suspicious/noExplicitAny: rows are whatever the query selects; the adapter checks their shape.
  query(query: PostgresQuery): Promise<{ rows: any[] }>;
}

/** A client checked out of a pool: what `pg.Pool#connect()` resolves to. */
export interface PostgresPoolClient extends PostgresQueryable {
  /** Returns the client to its pool; with an error or `true`, the pool closes it instead. */
  release(destroy?: boolean | Error): void;
  /** The server process behind this connection (`pg` sets it on connect), used to cancel its query. */
  readonly processID?: number | null;
}

/**
 * The part of a `pg.Pool` the adapter uses, typed structurally (as Kysely's
 * `PostgresDialectConfig.pool` is), so any compatible pool will do. The adapter
 * never closes a pool it was given.
 */
export interface PostgresPool extends PostgresQueryable {
  connect(): Promise<PostgresPoolClient>;
}

/** Where the adapter's connections come from: the user's own pool, or a connection string for a pool the adapter owns and closes. */
export type PostgresConnection =
  | { pool: PostgresPool }
  | {
      connectionString: string;
      /** The most connections the adapter's own pool opens. Defaults to 10. */
      maxConnections?: number;
    };

/** Options of `new PostgresEventStorageAdapter(connection, options)`. */
export interface PostgresEventStorageAdapterOptions {
  /** The PostgreSQL schema holding the events; adapters on different schemas never see each other's events. Defaults to `"chronicle"`. */
  schema?: string;
  /**
   * The scope within which writes are serialised: `"log"` (the default), `"category"`
   * or `"stream"`. Every writer of one schema must use the same guarantee.
   */
  serialisationGuarantee?: SerialisationGuarantee;
  /** Whether to bring the schema up to date on first use. Defaults to `true`; with `false`, run `migrate()` yourself, e.g. in a deploy step. */
  migrate?: boolean;
  /** Stamps `observedAt` on events saved without one. Defaults to the system clock. */
  clock?: Clock;
}
