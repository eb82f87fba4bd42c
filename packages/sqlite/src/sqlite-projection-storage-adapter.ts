import { performance } from "node:perf_hooks";
import {
  ClosedError,
  type EventTarget,
  InvalidInputError,
  type PreparedProjection,
  type Projection,
  type ProjectionCountQuery,
  type ProjectionKey,
  type ProjectionPath,
  type ProjectionSearchQuery,
  type ProjectionStorageAdapter,
  type ProjectionStorageCapabilities,
} from "@chronicle/core";
import { retryWhileBusy } from "./busy-retry.js";
import { connectionSettings, openConnection, SqliteSchemaSetup } from "./sqlite-connection.js";
import type { SqliteStatement } from "./sqlite-database.js";
import { classifySqliteError } from "./sqlite-errors.js";
import { isAmbiguousSegment, jsonPath } from "./sqlite-json-path.js";
import type {
  SqliteProjectionConnectionOptions,
  SqliteProjectionDatabase,
  SqliteProjectionStorageAdapterOptions,
} from "./sqlite-projection-options.js";
import { type CompiledStatement, compileCount, compileSearch, PROJECTION_COLUMNS, type QueryContext } from "./sqlite-projection-query.js";
import { PROJECTION_SCHEMA, PROJECTIONS_TABLE } from "./sqlite-projection-schema.js";
import { REGEXP_FUNCTION, regexpFunction } from "./sqlite-regexp.js";

const INT64_MAX = 2n ** 63n - 1n;

/** Prepared statements kept per adapter; searches compile to many shapes, so the cache is bounded. */
const STATEMENT_CACHE_SIZE = 200;

/**
 * One statement decides and writes: a newer version, or the same version at the
 * same or a later position, replaces the stored projection; anything else
 * leaves it and changes no row. No position (NULL) counts as before every position.
 */
const SAVE = `
  INSERT INTO ${PROJECTIONS_TABLE} (name, id, source_type, source_category, source_stream, state, version, position, event_count, updated_at)
  VALUES (@name, @id, @sourceType, @sourceCategory, @sourceStream, @state, @version, @position, @eventCount, @updatedAt)
  ON CONFLICT (name, id) DO UPDATE SET
    source_type = excluded.source_type,
    source_category = excluded.source_category,
    source_stream = excluded.source_stream,
    state = excluded.state,
    version = excluded.version,
    position = excluded.position,
    event_count = excluded.event_count,
    updated_at = excluded.updated_at
  WHERE excluded.version > ${PROJECTIONS_TABLE}.version
    OR (excluded.version = ${PROJECTIONS_TABLE}.version
      AND (${PROJECTIONS_TABLE}.position IS NULL
        OR (excluded.position IS NOT NULL AND excluded.position >= ${PROJECTIONS_TABLE}.position)))`;
const LOAD = `SELECT ${PROJECTION_COLUMNS} FROM ${PROJECTIONS_TABLE} WHERE name = ? AND id = ?`;
const LOCATE = `SELECT ${PROJECTION_COLUMNS} FROM ${PROJECTIONS_TABLE}
  WHERE name = ? AND source_type = ? AND source_category IS ? AND source_stream IS ? ORDER BY id LIMIT 1`;
const DELETE = `DELETE FROM ${PROJECTIONS_TABLE} WHERE name = ? AND id = ?`;

interface Row {
  name: string;
  id: string;
  source_type: "log" | "category" | "stream";
  source_category: string | null;
  source_stream: string | null;
  state: string;
  version: number;
  position_text: string | null;
  event_count: number;
  updated_at: number | null;
}

/**
 * Keeps projections in one SQLite table through better-sqlite3, keyed by
 * `(name, id)`, with the state as JSON text. It may share the file, or the
 * connection, of a `SqliteEventStorageAdapter`.
 *
 * Every call is one statement: a save decides "never backwards" inside its
 * `INSERT … ON CONFLICT DO UPDATE … WHERE`, so it is atomic across processes
 * without a transaction of its own, and joins the caller's transaction when the
 * connection has one open. Filters, sorts and keyset cursors compile to one
 * parameterised statement over `json_type` and `json_extract`. Waiting for
 * another connection's lock happens between event-loop turns, as in the event
 * adapter; past `busyTimeoutMs` a call rejects with `UNAVAILABLE`.
 */
export class SqliteProjectionStorageAdapter implements ProjectionStorageAdapter {
  readonly capabilities: ProjectionStorageCapabilities = { search: true };
  readonly #database: SqliteProjectionDatabase;
  readonly #ownsDatabase: boolean;
  readonly #busyTimeoutMs: number;
  readonly #setup: SqliteSchemaSetup;
  readonly #context: QueryContext;
  readonly #statements = new Map<string, SqliteStatement>();
  #closing: Promise<void> | undefined;

  constructor(connection: SqliteProjectionConnectionOptions, options: SqliteProjectionStorageAdapterOptions = {}) {
    const settings = connectionSettings(options);
    const indexedJsonPaths = new Set((options.indexedPaths ?? []).map(indexedJsonPath));
    const { database, ownsDatabase } = openConnection(connection, settings);
    this.#database = database as SqliteProjectionDatabase;
    this.#ownsDatabase = ownsDatabase;
    this.#busyTimeoutMs = settings.busyTimeoutMs;
    this.#context = { indexedJsonPaths };
    this.#setup = new SqliteSchemaSetup(database, PROJECTION_SCHEMA, {
      migrateOnFirstUse: options.migrate ?? true,
      busyTimeoutMs: settings.busyTimeoutMs,
    });
    if (typeof this.#database.function !== "function") {
      throw new TypeError("database must be a better-sqlite3 Database (it has no function() to register chronicle_regexp with)");
    }
    this.#database.function(REGEXP_FUNCTION, { deterministic: true }, regexpFunction() as (...parameters: never[]) => unknown);
  }

  /**
   * Creates or upgrades the projections' schema: idempotent and safe to run from
   * several processes at once, and concurrent calls on one adapter share one
   * migration. Runs on first use unless the option `migrate: false` is given.
   */
  async migrate(): Promise<void> {
    this.#assertOpen();
    await this.#setup.migrate();
  }

  async save(projection: PreparedProjection): Promise<boolean> {
    this.#assertOpen();
    if (projection.position !== undefined && (projection.position < 0n || projection.position > INT64_MAX)) {
      throw new InvalidInputError(`SQLite stores positions from 0 to 2^63 - 1, got ${projection.position}`);
    }
    const { source } = projection;
    const parameters = {
      name: projection.name,
      id: projection.id,
      sourceType: source.type,
      sourceCategory: source.type === "log" ? null : source.category,
      sourceStream: source.type === "stream" ? source.stream : null,
      state: projection.stateJson,
      version: projection.version,
      position: projection.position ?? null,
      eventCount: projection.eventCount,
      updatedAt: projection.updatedAt === undefined ? null : projection.updatedAt.getTime(),
    };
    const { changes } = await this.#run(() => this.#statement(SAVE).run(parameters));
    return Number(changes) > 0;
  }

  async load(key: ProjectionKey): Promise<Projection | undefined> {
    this.#assertOpen();
    const row = await this.#run(() => this.#statement(LOAD).get(key.name, key.id) as Row | undefined);
    return row === undefined ? undefined : toProjection(row);
  }

  async locate(name: string, source: EventTarget): Promise<Projection | undefined> {
    this.#assertOpen();
    const category = source.type === "log" ? null : source.category;
    const stream = source.type === "stream" ? source.stream : null;
    const row = await this.#run(() => this.#statement(LOCATE).get(name, source.type, category, stream) as Row | undefined);
    return row === undefined ? undefined : toProjection(row);
  }

  async delete(key: ProjectionKey): Promise<boolean> {
    this.#assertOpen();
    const { changes } = await this.#run(() => this.#statement(DELETE).run(key.name, key.id));
    return Number(changes) > 0;
  }

  async search(query: ProjectionSearchQuery): Promise<Projection[]> {
    this.#assertOpen();
    const compiled = compileSearch(query, this.#context);
    const rows = await this.#run(() => this.#compiled(compiled).all(compiled.parameters) as Row[]);
    return rows.map(toProjection);
  }

  async count(query: ProjectionCountQuery): Promise<number> {
    this.#assertOpen();
    const compiled = compileCount(query, this.#context);
    const row = await this.#run(() => this.#compiled(compiled).get(compiled.parameters) as { count: number });
    return row.count;
  }

  /** Closes the database if the adapter opened it. Later calls reject with `CLOSED`. */
  async close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#statements.clear();
      if (this.#ownsDatabase && this.#database.open) this.#database.close();
    })();
    await this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #assertOpen(): void {
    if (this.#closing !== undefined) throw new ClosedError("The SQLite projection storage adapter");
    if (!this.#database.open) throw new ClosedError("The SQLite database");
  }

  /** Runs one statement once the schema is ready, waiting out other connections' locks between event-loop turns. */
  async #run<T>(operation: () => T): Promise<T> {
    await this.#setup.ready();
    try {
      return await retryWhileBusy(() => {
        this.#assertOpen();
        return operation();
      }, performance.now() + this.#busyTimeoutMs);
    } catch (error) {
      throw classifySqliteError(error, this.#database);
    }
  }

  #statement(source: string): SqliteStatement {
    let statement = this.#statements.get(source);
    if (statement === undefined) {
      statement = this.#database.prepare(source);
      if (this.#statements.size >= STATEMENT_CACHE_SIZE) this.#statements.delete(this.#statements.keys().next().value as string);
      this.#statements.set(source, statement);
    } else {
      // Most recently used last, so the least recently used is dropped first.
      this.#statements.delete(source);
      this.#statements.set(source, statement);
    }
    return statement;
  }

  #compiled(compiled: CompiledStatement): SqliteStatement {
    return this.#statement(compiled.sql);
  }
}

/** The JSON path of a configured indexed path, checked: into `state`, through keys and indexes that are never ambiguous. */
function indexedJsonPath(path: ProjectionPath): string {
  const segments = typeof path === "string" ? path.split(".") : [...path];
  const [root, ...rest] = segments;
  const valid =
    root === "state" &&
    rest.length > 0 &&
    rest.every((segment) =>
      typeof segment === "number" ? Number.isSafeInteger(segment) && segment >= 0 : segment !== "" && !isAmbiguousSegment(segment),
    );
  if (!valid) {
    throw new TypeError(
      `indexedPaths: ${JSON.stringify(path)} must lead into state through keys that are not non-negative integers, and array indexes`,
    );
  }
  return jsonPath(rest);
}

function toProjection(row: Row): Projection {
  const source: EventTarget =
    row.source_type === "log"
      ? { type: "log" }
      : row.source_type === "category"
        ? { type: "category", category: row.source_category as string }
        : { type: "stream", category: row.source_category as string, stream: row.source_stream as string };
  return {
    name: row.name,
    id: row.id,
    source,
    state: JSON.parse(row.state),
    version: row.version,
    position: row.position_text === null ? undefined : BigInt(row.position_text),
    eventCount: row.event_count,
    updatedAt: row.updated_at === null ? undefined : new Date(row.updated_at),
  };
}
