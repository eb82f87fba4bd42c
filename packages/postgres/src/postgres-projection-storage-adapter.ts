import {
  ClosedError,
  type EventTarget,
  InvalidInputError,
  type PreparedProjection,
  type Projection,
  type ProjectionCountQuery,
  type ProjectionKey,
  type ProjectionSearchQuery,
  type ProjectionStorageAdapter,
  type ProjectionStorageCapabilities,
} from "@chronicle/core";
import type pg from "pg";
import { advisoryLockKey } from "./advisory-lock-keys.js";
import { classifyPostgresError } from "./classify-postgres-error.js";
import { RAW_TEXT } from "./event-rows.js";
import { jsonbText, needsEncoding } from "./jsonb-text.js";
import { openPool, validateSchemaName } from "./postgres-connections.js";
import { migrateSchema } from "./postgres-migrations.js";
import type { PostgresConnection, PostgresPool, PostgresQuery } from "./postgres-options.js";
import type { PostgresProjectionStorageAdapterOptions } from "./postgres-projection-options.js";
import { PROJECTION_MIGRATION_HISTORY } from "./projection-migrations.js";
import { type CompiledQuery, PROJECTION_COLUMNS, ProjectionQueries } from "./projection-queries.js";
import { type ProjectionRow, sourceColumns, toProjection } from "./projection-rows.js";
import { quoteIdentifier } from "./sql-quoting.js";
import { statementName } from "./statement-names.js";

/** The earliest instant PostgreSQL's timestamptz holds: 4714-11-24 00:00 UTC BC. */
const EARLIEST_TIMESTAMP = -210_866_803_200_000;

const LARGEST_BIGINT = 2n ** 63n - 1n;

/** What the adapter calls itself in CLOSED errors. */
const WHAT = "The PostgreSQL projection storage adapter";

/** The fixed statements of one schema. */
interface Statements {
  readonly save: string;
  readonly load: string;
  readonly delete: string;
  readonly locate: (source: EventTarget) => string;
}

/**
 * Keeps projections in PostgreSQL (`pg` 8, PostgreSQL 14 or later), in a
 * `projections` table keyed by `(name, id)` with the state as `jsonb`. A save is
 * one upsert that never moves a projection backwards, however many processes
 * save at once; every search and count is one parameterised statement.
 *
 * ```ts
 * const projections = new ProjectionStore(new PostgresProjectionStorageAdapter({ connectionString: process.env.DATABASE_URL! }));
 * ```
 */
export class PostgresProjectionStorageAdapter implements ProjectionStorageAdapter {
  readonly capabilities: ProjectionStorageCapabilities = { search: true };
  /** The schema holding this adapter's projections. */
  readonly schema: string;
  readonly #pool: PostgresPool;
  readonly #ownedPool: pg.Pool | undefined;
  readonly #autoMigrate: boolean;
  readonly #statements: Statements;
  readonly #queries: ProjectionQueries;
  #migration: Promise<void> | undefined;
  #ready: Promise<void> | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(connection: PostgresConnection, options: PostgresProjectionStorageAdapterOptions = {}) {
    this.schema = validateSchemaName(options.schema ?? "chronicle");
    const opened = openPool(connection, "PostgresProjectionStorageAdapter");
    this.#pool = opened.pool;
    this.#ownedPool = opened.owned;
    this.#autoMigrate = options.migrate ?? true;
    const schema = quoteIdentifier(this.schema);
    this.#queries = new ProjectionQueries(schema);
    this.#statements = statementsOf(schema);
  }

  /**
   * Creates or upgrades the projection table: idempotent, safe to run from
   * several processes at once, and concurrent calls on one adapter share one
   * migration. Rejects when the table is newer than this package.
   */
  migrate(): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError(WHAT));
    this.#migration ??= migrateSchema(this.#pool, this.schema, advisoryLockKey(this.schema, "migrate"), PROJECTION_MIGRATION_HISTORY)
      .catch((error: unknown) => {
        throw failure(error);
      })
      .finally(() => {
        this.#migration = undefined;
      });
    return this.#migration;
  }

  async save(projection: PreparedProjection): Promise<boolean> {
    this.#assertOpen();
    const updatedAt = projection.updatedAt?.getTime();
    if (updatedAt !== undefined && updatedAt < EARLIEST_TIMESTAMP) {
      throw new InvalidInputError("updatedAt is before 4713 BC, which PostgreSQL cannot store");
    }
    if (projection.position !== undefined && projection.position > LARGEST_BIGINT) {
      throw new InvalidInputError("position is above 2^63 - 1, which PostgreSQL cannot store");
    }
    const stateJson = projection.stateJson;
    // jsonb holds the state with U+0000 and U+0001 encoded; state_text then keeps the exact text.
    const exact = needsEncoding(stateJson);
    const rows = await this.#run(this.#statements.save, [
      projection.name,
      projection.id,
      ...sourceColumns(projection.source),
      exact ? jsonbText(stateJson) : stateJson,
      exact ? stateJson : null,
      projection.version,
      projection.position?.toString() ?? null,
      projection.eventCount,
      updatedAt ?? null,
    ]);
    return rows.length > 0;
  }

  async load(key: ProjectionKey): Promise<Projection | undefined> {
    this.#assertOpen();
    const [row] = await this.#run(this.#statements.load, [key.name, key.id]);
    return row === undefined ? undefined : toProjection(row as ProjectionRow);
  }

  async locate(name: string, source: EventTarget): Promise<Projection | undefined> {
    this.#assertOpen();
    const [type, category, stream] = sourceColumns(source);
    const values = [name, type, category, stream].filter((value) => value !== null);
    const [row] = await this.#run(this.#statements.locate(source), values);
    return row === undefined ? undefined : toProjection(row as ProjectionRow);
  }

  async delete(key: ProjectionKey): Promise<boolean> {
    this.#assertOpen();
    const rows = await this.#run(this.#statements.delete, [key.name, key.id]);
    return rows.length > 0;
  }

  async search(query: ProjectionSearchQuery): Promise<Projection[]> {
    this.#assertOpen();
    const rows = await this.#runCompiled(this.#queries.search(query));
    return rows.map((row) => toProjection(row as ProjectionRow));
  }

  async count(query: ProjectionCountQuery): Promise<number> {
    this.#assertOpen();
    const [row] = await this.#runCompiled(this.#queries.count(query));
    return Number(row?.[0] ?? 0);
  }

  /** Stops accepting calls and closes the pool if the adapter opened it; a pool it was given stays open. */
  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= (async () => {
      await this.#ownedPool?.end();
    })();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Runs one of the fixed statements, prepared once per connection. */
  async #run(text: string, values: unknown[]): Promise<(string | null)[][]> {
    return this.#query({ name: statementName(text), text, values, rowMode: "array", types: RAW_TEXT });
  }

  /**
   * Runs a compiled search or count unprepared, so PostgreSQL plans it with the
   * parameters' values: that is what lets an expression index on a state path
   * serve it.
   */
  async #runCompiled(query: CompiledQuery): Promise<(string | null)[][]> {
    return this.#query({ text: query.text, values: query.values, rowMode: "array", types: RAW_TEXT });
  }

  async #query(query: PostgresQuery): Promise<(string | null)[][]> {
    await this.#whenReady();
    this.#assertOpen();
    try {
      const result = await this.#pool.query(query);
      return result.rows as (string | null)[][];
    } catch (error) {
      throw failure(error);
    }
  }

  #whenReady(): Promise<void> {
    if (!this.#autoMigrate) return Promise.resolve();
    this.#ready ??= this.migrate().catch((error: unknown) => {
      // A failed migration is tried again on the next call rather than remembered.
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError(WHAT);
  }
}

/** Turns any error into the one to report: Chronicle errors as they are, driver errors classified. */
function failure(error: unknown): unknown {
  const classified = classifyPostgresError(error);
  return classified.kind === "fail" ? classified.error : error;
}

/** The milliseconds since the epoch in `$11` as a timestamptz, exactly: whole days, then the rest. */
const UPDATED_AT =
  "(timestamp '1970-01-01' + ($11::bigint / 86400000) * interval '1 day' + ($11::bigint % 86400000) * interval '1 millisecond') AT TIME ZONE 'UTC'";

function statementsOf(schema: string): Statements {
  const table = `${schema}.projections`;
  const locate = {
    log: `SELECT ${PROJECTION_COLUMNS} FROM ${table} WHERE name = $1 AND source_type = $2 AND source_category IS NULL AND source_stream IS NULL ORDER BY id LIMIT 1`,
    category: `SELECT ${PROJECTION_COLUMNS} FROM ${table} WHERE name = $1 AND source_type = $2 AND source_category = $3 AND source_stream IS NULL ORDER BY id LIMIT 1`,
    stream: `SELECT ${PROJECTION_COLUMNS} FROM ${table} WHERE name = $1 AND source_type = $2 AND source_category = $3 AND source_stream = $4 ORDER BY id LIMIT 1`,
  };
  return {
    // Never backwards, decided on the row itself: ON CONFLICT locks the stored row and
    // evaluates the WHERE on its latest committed version, so of two concurrent saves the
    // later (version, position) wins whichever commits first. An unfolded projection
    // (position NULL) counts as before every position.
    save: `INSERT INTO ${table} AS stored
        (name, id, source_type, source_category, source_stream, state, state_text, version, position, event_count, updated_at)
      VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::json, $8, $9::bigint, $10, ${UPDATED_AT})
      ON CONFLICT (name, id) DO UPDATE SET
        source_type = excluded.source_type, source_category = excluded.source_category, source_stream = excluded.source_stream,
        state = excluded.state, state_text = excluded.state_text, version = excluded.version, position = excluded.position,
        event_count = excluded.event_count, updated_at = excluded.updated_at
      WHERE stored.version < excluded.version
         OR (stored.version = excluded.version AND coalesce(stored.position, -1) <= coalesce(excluded.position, -1))
      RETURNING true`,
    load: `SELECT ${PROJECTION_COLUMNS} FROM ${table} WHERE name = $1 AND id = $2`,
    delete: `DELETE FROM ${table} WHERE name = $1 AND id = $2 RETURNING true`,
    locate: (source) => locate[source.type],
  };
}
