import {
  type AdapterCapabilities,
  type Clock,
  ClosedError,
  type EventStorageAdapter,
  type EventTarget,
  InvalidInputError,
  normaliseScanOptions,
  type PreparedWrite,
  prepareWrites,
  type SaveOptions,
  type ScanOptions,
  type SerialisationGuarantee,
  type StoredEvent,
  type StreamWrite,
  scanInPages,
  validateTarget,
} from "@chronicle/core";
import pg from "pg";
import { advisoryLockClass, advisoryLockKey } from "./advisory-lock-keys.js";
import { type AppendContext, appendSaves } from "./append-saves.js";
import { cancellableQuery } from "./cancellable-query.js";
import { classifyPostgresError } from "./classify-postgres-error.js";
import { type EventRow, RAW_TEXT, toStoredEvent } from "./event-rows.js";
import { notificationChannel } from "./notification-channel.js";
import { latestQuery, needsVisibilityGate, pageQuery, type ReadQuery } from "./page-queries.js";
import { openPool, validateSchemaName } from "./postgres-connections.js";
import { migrateSchema } from "./postgres-migrations.js";
import { type OpenedListeningClient, PostgresNotificationListener } from "./postgres-notification-listener.js";
import type { PostgresConnection, PostgresEventStorageAdapterOptions, PostgresPool, PostgresQuery } from "./postgres-options.js";
import { POSTGRES_SUBSCRIPTION_CAPABILITIES, PostgresSubscriptionSupport } from "./postgres-subscription-support.js";
import { quoteIdentifier } from "./sql-quoting.js";
import { statementName } from "./statement-names.js";
import { WriteCoalescer } from "./write-coalescer.js";

const GUARANTEES: readonly SerialisationGuarantee[] = ["log", "category", "stream"];

/** The earliest instant PostgreSQL's timestamptz holds: 4714-11-24 00:00 UTC BC. */
const EARLIEST_TIMESTAMP = -210_866_803_200_000;

/** How often a gated read held back by an ended transaction is asked again before it settles for what it got. */
const GATED_READ_ATTEMPTS = 4;

/** Events fetched per page when iterating, unless the caller asks for another size. */
const PAGE_SIZE = 1000;

/**
 * Keeps the event log in PostgreSQL (`pg` 8, PostgreSQL 14 or later). Each save
 * is one statement (one round trip); concurrent saves from one process are
 * coalesced into one transaction, each still judged on its own. Writes are
 * serialised per log, category or stream (`serialisationGuarantee`) with
 * transaction-level advisory locks, and reads of wider scopes are gated on
 * transaction visibility, so a reader paging `after` the last sequence number it
 * saw never skips an event.
 *
 * ```ts
 * const adapter = new PostgresEventStorageAdapter({ connectionString: process.env.DATABASE_URL! });
 * const store = new EventStore(adapter);
 * ```
 */
export class PostgresEventStorageAdapter implements EventStorageAdapter {
  readonly capabilities: AdapterCapabilities;
  /**
   * Checkpoints, parked events, leases and heartbeats in this adapter's schema,
   * wake-ups by `LISTEN/NOTIFY` on one dedicated connection, and transactional handlers.
   */
  readonly subscriptions: PostgresSubscriptionSupport;
  /** The schema holding this adapter's events. */
  readonly schema: string;
  readonly #pool: PostgresPool;
  readonly #ownedPool: pg.Pool | undefined;
  readonly #quotedSchema: string;
  readonly #clock: Clock | undefined;
  readonly #autoMigrate: boolean;
  /** The migration in flight, which concurrent `migrate()` calls share. */
  #migration: Promise<void> | undefined;
  readonly #writes: WriteCoalescer;
  readonly #append: AppendContext;
  readonly #listener: PostgresNotificationListener;
  #ready: Promise<void> | undefined;
  #closed = false;

  constructor(connection: PostgresConnection, options: PostgresEventStorageAdapterOptions = {}) {
    const serialisationGuarantee = options.serialisationGuarantee ?? "log";
    if (!GUARANTEES.includes(serialisationGuarantee)) {
      throw new InvalidInputError(`serialisationGuarantee must be one of ${GUARANTEES.join(", ")}, got ${String(serialisationGuarantee)}`);
    }
    const schema = validateSchemaName(options.schema ?? "chronicle");
    const opened = openPool(connection, "PostgresEventStorageAdapter");
    this.#pool = opened.pool;
    this.#ownedPool = opened.owned;
    this.capabilities = {
      multiStreamWrites: true,
      serialisationGuarantees: GUARANTEES,
      serialisationGuarantee,
      subscriptions: POSTGRES_SUBSCRIPTION_CAPABILITIES,
    };
    this.schema = schema;
    this.#quotedSchema = quoteIdentifier(schema);
    this.#clock = options.clock;
    this.#autoMigrate = options.migrate ?? true;
    this.#append = {
      pool: this.#pool,
      schemaName: schema,
      schema: this.#quotedSchema,
      guarantee: serialisationGuarantee,
      sequenceLockKey: serialisationGuarantee === "log" ? null : advisoryLockKey(schema, "sequence"),
      inFlightClass: advisoryLockClass(schema, "in-flight"),
    };
    // Under "log" every batch waits for one lock anyway: a second batch in flight would only hide a round
    // trip, and it splits the queue into smaller transactions. With one lane, everything queued while a
    // batch is in flight shares the next commit, large saves included.
    this.#writes = new WriteCoalescer((saves) => appendSaves(this.#append, saves), serialisationGuarantee === "log" ? 1 : 4);
    this.#listener = new PostgresNotificationListener(() => openListeningClient(connection, this.#pool), notificationChannel(schema));
    this.subscriptions = new PostgresSubscriptionSupport({
      pool: this.#pool,
      schema: this.#quotedSchema,
      listener: this.#listener,
      whenReady: () => this.#whenReady(),
      isClosed: () => this.#closed,
    });
  }

  /**
   * Creates or upgrades the schema: idempotent, safe to run from several
   * processes at once, and concurrent calls on one adapter share one
   * migration (one connection, one transaction). Rejects when the schema is
   * newer than this package.
   */
  migrate(): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError("The PostgreSQL event storage adapter"));
    this.#migration ??= migrateSchema(this.#pool, this.schema, advisoryLockKey(this.schema, "migrate"))
      .catch((error: unknown) => {
        throw failure(error);
      })
      .finally(() => {
        this.#migration = undefined;
      });
    return this.#migration;
  }

  async save(writes: readonly StreamWrite[], options: SaveOptions = {}): Promise<StoredEvent[][]> {
    this.#assertOpen();
    options.signal?.throwIfAborted();
    const prepared = prepareWrites(writes, { clock: this.#clock });
    checkTimestamps(prepared);
    if (prepared.length === 0) return [];
    await this.#whenReady();
    options.signal?.throwIfAborted();
    this.#assertOpen();
    try {
      return await this.#writes.submit(prepared, options.signal);
    } catch (error) {
      throw options.signal?.aborted && error === options.signal.reason ? error : failure(error);
    }
  }

  async latest(target: EventTarget): Promise<StoredEvent | undefined> {
    this.#assertOpen();
    const checked = validateTarget(target);
    await this.#whenReady();
    const [latest] = await this.#read(latestQuery(this.#quotedSchema, checked, this.#gate(checked)));
    return latest;
  }

  scan(target: EventTarget, options: ScanOptions = {}): AsyncIterable<StoredEvent> {
    const adapter = this;
    return {
      async *[Symbol.asyncIterator]() {
        adapter.#assertOpen();
        const checked = validateTarget(target);
        const normalised = normaliseScanOptions(checked, options);
        await adapter.#whenReady();
        const gate = adapter.#gate(checked);
        yield* scanInPages(
          checked,
          normalised,
          async (page) => {
            adapter.#assertOpen();
            return adapter.#read(pageQuery(adapter.#quotedSchema, page, gate), normalised.signal);
          },
          // The next page's round trip overlaps the consumer's own work, such as a subscription's checkpoint write.
          { pageSize: PAGE_SIZE, readAhead: true },
        );
      },
    };
  }

  /**
   * Stops accepting calls, closes the connection that listens for notifications,
   * lets saves in flight finish, and closes the pool if the adapter opened it.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#listener.close();
    this.#writes.rejectQueued(new ClosedError("The PostgreSQL event storage adapter"));
    await this.#writes.drain();
    await this.#ownedPool?.end();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Runs a read. A gated read that an ended transaction held back (it might have
   * been a writer) is asked again with a fresh snapshot, so a read right after a
   * write sees it even while unrelated transactions come and go.
   */
  async #read(query: ReadQuery, signal?: AbortSignal): Promise<StoredEvent[]> {
    for (let attempt = 1; ; attempt += 1) {
      const rows = await this.#query(query.text, query.values, signal);
      if (!query.gated) return rows.map((row) => toStoredEvent(row as EventRow));
      const events = rows.filter((row) => row[1] !== null).map((row) => toStoredEvent(row.slice(1) as EventRow));
      if (rows[0]?.[0] !== "t" || attempt >= GATED_READ_ATTEMPTS) return events;
    }
  }

  async #query(text: string, values: unknown[], signal?: AbortSignal): Promise<(string | null)[][]> {
    const query: PostgresQuery = { name: statementName(text), text, values, rowMode: "array", types: RAW_TEXT };
    try {
      const result = signal === undefined ? await this.#pool.query(query) : await cancellableQuery(this.#pool, query, signal);
      return result.rows as (string | null)[][];
    } catch (error) {
      if (signal?.aborted && error === signal.reason) throw error;
      throw failure(error);
    }
  }

  /** The in-flight lock class reads of `target` are gated on, if they need gating. */
  #gate(target: EventTarget): number | undefined {
    return needsVisibilityGate(this.capabilities.serialisationGuarantee, target) ? this.#append.inFlightClass : undefined;
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
    if (this.#closed) throw new ClosedError("The PostgreSQL event storage adapter");
  }
}

/**
 * Opens the connection that listens for notifications: a `pg.Client` of its own
 * from the connection string, or, with the user's pool, a client checked out of
 * it for as long as anyone listens (it is then discarded rather than returned).
 */
async function openListeningClient(connection: PostgresConnection, pool: PostgresPool): Promise<OpenedListeningClient> {
  if ("connectionString" in connection && typeof connection.connectionString === "string") {
    const client = new pg.Client({ connectionString: connection.connectionString });
    client.on("error", () => undefined);
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    return { client, dispose: () => client.end() };
  }
  const client = await pool.connect();
  const candidate = client as unknown as Partial<OpenedListeningClient["client"]>;
  if (typeof candidate.on !== "function") {
    client.release();
    throw new InvalidInputError("the pool's clients emit no notifications: give a pg.Pool, or a connection string, to use listen()");
  }
  candidate.on("error", () => undefined);
  return {
    client: client as unknown as OpenedListeningClient["client"],
    dispose: async () => client.release(true),
  };
}

/** Turns any error into the one to report: Chronicle errors as they are, driver errors classified. */
function failure(error: unknown): unknown {
  const classified = classifyPostgresError(error);
  return classified.kind === "fail" ? classified.error : error;
}

/** PostgreSQL cannot keep dates before 4713 BC; saying so up front keeps a save from failing halfway. */
function checkTimestamps(writes: readonly PreparedWrite[]): void {
  writes.forEach((write, writeIndex) => {
    write.events.forEach((event, eventIndex) => {
      for (const field of ["occurredAt", "observedAt"] as const) {
        if (event[field].getTime() < EARLIEST_TIMESTAMP) {
          throw new InvalidInputError(
            `writes[${writeIndex}].events[${eventIndex}].${field} is before 4713 BC, which PostgreSQL cannot store`,
          );
        }
      }
    });
  });
}
