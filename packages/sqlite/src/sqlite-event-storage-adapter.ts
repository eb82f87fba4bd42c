import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import {
  type AdapterCapabilities,
  type Clock,
  ClosedError,
  DuplicateEventIdError,
  type EventStorageAdapter,
  type EventTarget,
  evaluateConditionAt,
  latestPageQuery,
  normaliseScanOptions,
  type PreparedEvent,
  type PreparedWrite,
  prepareWrites,
  resolveStoredIds,
  type SaveOptions,
  type ScanOptions,
  type ScanPageQuery,
  type SerialisationGuarantee,
  type StoredEvent,
  type StreamIdentifier,
  type StreamWrite,
  scanInPages,
  UnavailableError,
  UnmetWriteConditionError,
  validateTarget,
} from "@chronicle/core";
import { nextBackoff, retryWhileBusy } from "./busy-retry.js";
import { connectionSettings, openConnection, SqliteSchemaSetup } from "./sqlite-connection.js";
import type { SqliteDatabase, SqliteStatement } from "./sqlite-database.js";
import { classifySqliteError, isBusy, violatedBackstop } from "./sqlite-errors.js";
import { EVENT_SCHEMA, EVENTS_TABLE } from "./sqlite-event-schema.js";
import type { SqliteConnectionOptions, SqliteEventStorageAdapterOptions } from "./sqlite-options.js";
import { SQLITE_SUBSCRIPTION_CAPABILITIES, SqliteSubscriptionSupport } from "./sqlite-subscription-support.js";
import { SqliteTransactionGate } from "./sqlite-transaction-gate.js";

const GUARANTEES: readonly SerialisationGuarantee[] = ["log", "category", "stream"];

/** Bounds one coalesced transaction, so a flood of saves cannot hold the write lock (and the event loop) for long. */
const MAX_EVENTS_PER_TRANSACTION = 10_000;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const COLUMNS = "sequence_number, id, category, stream, position, name, payload, metadata, occurred_at, observed_at";
/** How many events one INSERT statement stores at most. */
const ROWS_PER_INSERT = 10;
/** The values bound per event. */
const COLUMNS_PER_ROW = 9;
/** The metadata text of an event saved without metadata: read back as a new empty object without parsing. */
const EMPTY_METADATA = "{}";
const insertStatements = Array.from(
  { length: ROWS_PER_INSERT + 1 },
  (_, rows) =>
    `INSERT INTO ${EVENTS_TABLE} (id, category, stream, position, name, payload, metadata, occurred_at, observed_at) VALUES ` +
    Array.from({ length: rows }, () => "(?, ?, ?, ?, ?, ?, ?, ?, ?)").join(", "),
);
/** The INSERT statement storing `rows` events. */
const insertStatement = (rows: number): string => insertStatements[rows] as string;
const LATEST_POSITION = `SELECT MAX(position) AS position FROM ${EVENTS_TABLE} WHERE category = ? AND stream = ?`;
const EVENTS_BY_ID = `SELECT ${COLUMNS} FROM ${EVENTS_TABLE} WHERE id IN (SELECT value FROM json_each(?))`;

interface Row {
  sequence_number: number;
  id: string;
  category: string;
  stream: string;
  position: number;
  name: string;
  payload: string;
  metadata: string;
  occurred_at: number;
  observed_at: number;
}

/** A save waiting for the next transaction. */
interface PendingSave {
  readonly writes: readonly PreparedWrite[];
  readonly eventCount: number;
  /** The `performance.now()` time after which waiting for the write lock gives up. */
  readonly deadline: number;
  /** Set once the optimistic path met a stored id or an unmet condition: the next attempt goes straight to the careful path. */
  careful: boolean;
  readonly resolve: (events: StoredEvent[][]) => void;
  readonly reject: (error: unknown) => void;
  readonly detach: () => void;
}

type SaveOutcome = { readonly stored: StoredEvent[][] } | { readonly error: unknown };

/** Thrown inside a save when the optimistic path meets a stored id or an unmet condition, which the careful path decides. */
const DECIDE_CAREFULLY = Symbol("decide carefully");

/**
 * Stores the log in one SQLite table through better-sqlite3, in WAL mode, so
 * readers never wait for the writer and several processes can share one file.
 *
 * Saves made concurrently in one process are coalesced into one `BEGIN
 * IMMEDIATE` transaction, each inside its own savepoint when it has company, so
 * one unmet condition rolls back only its own save. SQLite has one writer at a time: every save is
 * serialised across the whole log, and commit order is sequence order. Waiting
 * for another connection's lock happens between event-loop turns, never inside
 * the synchronous driver for longer than a few milliseconds.
 */
export class SqliteEventStorageAdapter implements EventStorageAdapter {
  readonly capabilities: AdapterCapabilities;
  /** Checkpoints, parked events and consumer group leases in the same file as the log; transactional handlers get the connection inside a transaction. */
  readonly subscriptions: SqliteSubscriptionSupport;
  readonly #database: SqliteDatabase;
  readonly #ownsDatabase: boolean;
  readonly #clock: Clock | undefined;
  readonly #busyTimeoutMs: number;
  readonly #setup: SqliteSchemaSetup;
  readonly #statements = new Map<string, SqliteStatement>();
  readonly #gate = new SqliteTransactionGate();
  #queue: PendingSave[] = [];
  #writer: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  /** Set once the connection and schema are ready, after which the writer need not wait for them. */
  #ready = false;

  constructor(connection: SqliteConnectionOptions, options: SqliteEventStorageAdapterOptions = {}) {
    const serialisationGuarantee = options.serialisationGuarantee ?? "log";
    if (!GUARANTEES.includes(serialisationGuarantee)) {
      throw new TypeError(`serialisationGuarantee must be one of ${GUARANTEES.join(", ")}, got ${String(serialisationGuarantee)}`);
    }
    const settings = connectionSettings(options);
    this.capabilities = {
      multiStreamWrites: true,
      serialisationGuarantees: GUARANTEES,
      serialisationGuarantee,
      subscriptions: SQLITE_SUBSCRIPTION_CAPABILITIES,
    };
    this.#clock = options.clock;
    this.#busyTimeoutMs = settings.busyTimeoutMs;
    const { database, ownsDatabase } = openConnection(connection, settings);
    this.#database = database;
    this.#ownsDatabase = ownsDatabase;
    this.#setup = new SqliteSchemaSetup(database, EVENT_SCHEMA, {
      migrateOnFirstUse: options.migrate ?? true,
      busyTimeoutMs: settings.busyTimeoutMs,
    });
    this.subscriptions = new SqliteSubscriptionSupport({
      database,
      gate: this.#gate,
      clock: options.clock,
      busyTimeoutMs: settings.busyTimeoutMs,
      assertOpen: () => this.#assertOpen(),
      ready: () => this.#whenReady(),
    });
  }

  /**
   * Creates or upgrades the schema: idempotent and safe to run from several
   * processes at once. Runs on first use unless the option `migrate: false` is given.
   */
  async migrate(): Promise<void> {
    this.#assertOpen();
    await this.#setup.migrate();
  }

  async save(writes: readonly StreamWrite[], options: SaveOptions = {}): Promise<StoredEvent[][]> {
    this.#assertOpen();
    const signal = options.signal;
    signal?.throwIfAborted();
    const prepared = prepareWrites(writes, { clock: this.#clock });
    return new Promise<StoredEvent[][]>((resolve, reject) => {
      // A save still queued when its signal aborts is dropped; once its transaction has started it runs to the end.
      const abandon = () => {
        const index = this.#queue.indexOf(pending);
        if (index === -1) return;
        this.#queue.splice(index, 1);
        reject(signal?.reason);
      };
      const pending: PendingSave = {
        writes: prepared,
        eventCount: prepared.reduce((count, write) => count + write.events.length, 0),
        deadline: performance.now() + this.#busyTimeoutMs,
        careful: false,
        resolve,
        reject,
        detach: () => signal?.removeEventListener("abort", abandon),
      };
      signal?.addEventListener("abort", abandon, { once: true });
      this.#queue.push(pending);
      this.#startWriter();
    });
  }

  async latest(target: EventTarget): Promise<StoredEvent | undefined> {
    this.#assertOpen();
    const checked = validateTarget(target);
    await this.#whenReady();
    const [event] = await this.#read(latestPageQuery(checked));
    return event;
  }

  scan(target: EventTarget, options: ScanOptions = {}): AsyncIterable<StoredEvent> {
    const adapter = this;
    return {
      async *[Symbol.asyncIterator]() {
        adapter.#assertOpen();
        const checked = validateTarget(target);
        const normalised = normaliseScanOptions(checked, options);
        await adapter.#whenReady();
        let last: StoredEvent | undefined;
        const pages = scanInPages(checked, normalised, async (query) => {
          adapter.#assertOpen();
          return adapter.#read(seekPastCursor(query, last));
        });
        for await (const event of pages) {
          last = event;
          yield event;
        }
      },
    };
  }

  /** Waits for queued saves to finish, then closes the database if the adapter opened it. */
  async close(): Promise<void> {
    this.#closing ??= (async () => {
      while (this.#writer !== undefined || this.#gate.whenClosed !== undefined) {
        await (this.#writer ?? this.#gate.whenClosed);
      }
      if (this.#ownsDatabase && this.#database.open) this.#database.close();
    })();
    await this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #assertOpen(): void {
    if (this.#closing !== undefined) throw new ClosedError("The SQLite event storage adapter");
    if (!this.#database.open) throw new ClosedError("The SQLite database");
  }

  #statement(source: string): SqliteStatement {
    let statement = this.#statements.get(source);
    if (statement === undefined) {
      statement = this.#database.prepare(source);
      this.#statements.set(source, statement);
    }
    return statement;
  }

  /** Sets up the connection and, unless told not to, the schema; once, retried after a failure. */
  #whenReady(): Promise<void> {
    return this.#setup.ready();
  }

  async #read(query: ScanPageQuery): Promise<StoredEvent[]> {
    try {
      return await retryWhileBusy(() => this.#page(query), performance.now() + this.#busyTimeoutMs);
    } catch (error) {
      throw classifySqliteError(error, this.#database);
    }
  }

  #page(query: ScanPageQuery): StoredEvent[] {
    const conditions: string[] = [];
    const parameters: unknown[] = [];
    const { target } = query;
    if (target.type !== "log") {
      conditions.push("category = ?");
      parameters.push(target.category);
    }
    if (target.type === "stream") {
      conditions.push("stream = ?");
      parameters.push(target.stream);
    }
    if (query.after !== undefined) {
      conditions.push("sequence_number > ?");
      parameters.push(clampToInt64(query.after));
    }
    if (query.before !== undefined) {
      conditions.push("sequence_number < ?");
      parameters.push(clampToInt64(query.before));
    }
    if (query.fromPosition !== undefined) {
      conditions.push("position >= ?");
      parameters.push(query.fromPosition);
    }
    if (query.toPosition !== undefined) {
      conditions.push("position <= ?");
      parameters.push(query.toPosition);
    }
    if (query.names !== undefined) {
      conditions.push("name IN (SELECT value FROM json_each(?))");
      parameters.push(JSON.stringify(query.names));
    }
    // Within a stream, positions grow with sequence numbers, and the unique index on (category, stream, position) serves the order.
    const order = target.type === "stream" ? "position" : "sequence_number";
    const where = conditions.length === 0 ? "" : `WHERE ${conditions.join(" AND ")}`;
    const source = `SELECT ${COLUMNS} FROM ${EVENTS_TABLE} ${where} ORDER BY ${order} ${query.direction === "forwards" ? "ASC" : "DESC"} LIMIT ?`;
    parameters.push(query.limit);
    return (this.#statement(source).all(...parameters) as Row[]).map(toStoredEvent);
  }

  #startWriter(): void {
    if (this.#writer !== undefined) return;
    this.#writer = this.#writeQueued().finally(() => {
      this.#writer = undefined;
      if (this.#queue.length > 0) this.#startWriter();
    });
  }

  /** Commits queued saves, a batch per transaction, until none is left. Never rejects: each save's promise carries its outcome. */
  async #writeQueued(): Promise<void> {
    // Every save made in this turn of the event loop joins the first transaction.
    await nextTurn();
    try {
      if (!this.#ready) {
        await this.#whenReady();
        this.#ready = true;
      }
    } catch (error) {
      this.#rejectQueued(() => true, error);
      return;
    }
    let backoff = 0;
    while (this.#queue.length > 0) {
      // A transactional handler's transaction is open on this connection: a save must not join it.
      if (this.#gate.whenClosed !== undefined) {
        const now = performance.now();
        this.#rejectQueued(
          (save) => save.deadline <= now,
          new UnavailableError(`A transactional handler held the SQLite connection for more than ${this.#busyTimeoutMs} ms`),
        );
        if (this.#queue.length === 0) return;
        const nearestDeadline = this.#queue.reduce((nearest, save) => Math.min(nearest, save.deadline), Number.POSITIVE_INFINITY);
        await this.#gate.waitForClose(nearestDeadline - now);
        continue;
      }
      try {
        this.#statement("BEGIN IMMEDIATE").run();
      } catch (error) {
        if (!isBusy(error)) {
          this.#rejectQueued(() => true, classifySqliteError(error, this.#database));
          return;
        }
        const now = performance.now();
        const unavailable = new UnavailableError(`The SQLite database stayed locked by another connection for ${this.#busyTimeoutMs} ms`, {
          cause: error,
        });
        this.#rejectQueued((save) => save.deadline <= now, unavailable);
        if (this.#queue.length === 0) return;
        const nearestDeadline = this.#queue.reduce((nearest, save) => Math.min(nearest, save.deadline), Number.POSITIVE_INFINITY);
        backoff = nextBackoff(backoff);
        await sleep(Math.max(0, Math.min(backoff, nearestDeadline - now)));
        continue;
      }
      backoff = 0;
      this.#commit(this.#takeBatch());
    }
  }

  #takeBatch(): PendingSave[] {
    let events = 0;
    let count = 0;
    for (const save of this.#queue) {
      if (count > 0 && events + save.eventCount > MAX_EVENTS_PER_TRANSACTION) break;
      events += save.eventCount;
      count += 1;
    }
    return this.#queue.splice(0, count);
  }

  #rejectQueued(which: (save: PendingSave) => boolean, error: unknown): void {
    const rejected = this.#queue.filter(which);
    this.#queue = this.#queue.filter((save) => !which(save));
    for (const save of rejected) {
      save.detach();
      save.reject(error);
    }
  }

  /** Runs a batch in the transaction `BEGIN IMMEDIATE` opened, synchronously, so nothing else on this connection sees it half done. */
  #commit(batch: readonly PendingSave[]): void {
    if (batch.length === 1) {
      this.#commitAlone(batch[0] as PendingSave);
      return;
    }
    const outcomes: SaveOutcome[] = [];
    try {
      for (const save of batch) outcomes.push(this.#applySave(save.writes));
      this.#statement("COMMIT").run();
    } catch (error) {
      this.#rollBack();
      const classified = classifySqliteError(error, this.#database);
      for (const save of batch) {
        save.detach();
        save.reject(classified);
      }
      return;
    }
    batch.forEach((save, index) => {
      const outcome = outcomes[index] as SaveOutcome;
      save.detach();
      if ("stored" in outcome) save.resolve(outcome.stored);
      else save.reject(outcome.error);
    });
  }

  /**
   * A save alone in its transaction needs no savepoint, which costs SQLite a
   * statement journal: when it fails, the whole transaction is rolled back. When
   * the optimistic path cannot decide, the save goes back to the head of the
   * queue for a careful attempt in the next transaction.
   */
  #commitAlone(save: PendingSave): void {
    let stored: StoredEvent[][];
    try {
      stored = save.careful ? this.#appendCarefully(save.writes) : this.#appendOptimistically(save.writes);
      this.#statement("COMMIT").run();
    } catch (error) {
      this.#rollBack();
      if (error === DECIDE_CAREFULLY) {
        save.careful = true;
        this.#queue.unshift(save);
        return;
      }
      save.detach();
      save.reject(classifySqliteError(error, this.#database));
      return;
    }
    save.detach();
    save.resolve(stored);
  }

  #rollBack(): void {
    try {
      if (this.#database.open && this.#database.inTransaction) this.#database.exec("ROLLBACK");
    } catch {
      // The transaction is lost either way; the error that led here is the one worth reporting.
    }
  }

  /**
   * Applies one save inside its own savepoint: its failure undoes only its own
   * writes. Errors that end the whole transaction are thrown to fail the batch.
   */
  #applySave(writes: readonly PreparedWrite[]): SaveOutcome {
    this.#statement("SAVEPOINT chronicle_save").run();
    try {
      let stored: StoredEvent[][];
      try {
        stored = this.#appendOptimistically(writes);
      } catch (error) {
        if (error !== DECIDE_CAREFULLY) throw error;
        this.#statement("ROLLBACK TO chronicle_save").run();
        stored = this.#appendCarefully(writes);
      }
      this.#statement("RELEASE chronicle_save").run();
      return { stored };
    } catch (error) {
      // SQLite may have rolled the whole transaction back (a full disk, an I/O error): then no save of the batch stands.
      if (!this.#database.inTransaction) throw error;
      this.#statement("ROLLBACK TO chronicle_save").run();
      this.#statement("RELEASE chronicle_save").run();
      return { error: classifySqliteError(error, this.#database) };
    }
  }

  /**
   * The common case, with no id lookups: conditions hold and ids are new. When
   * either is not so, the careful path decides, since a stored id (a retried
   * publish) must be recognised before the condition is judged.
   */
  #appendOptimistically(writes: readonly PreparedWrite[]): StoredEvent[][] {
    return writes.map((write) => {
      const latest = this.#latestPosition(write.target);
      if (!evaluateConditionAt(write.condition, latest)) throw DECIDE_CAREFULLY;
      try {
        return this.#insert(write, latest);
      } catch (error) {
        if (violatedBackstop(error) !== undefined) throw DECIDE_CAREFULLY;
        throw error;
      }
    });
  }

  /** Idempotency first, then every condition, then the inserts: the order the contract gives. */
  #appendCarefully(writes: readonly PreparedWrite[]): StoredEvent[][] {
    const resolutions = writes.map((write) => resolveStoredIds(write, this.#storedEvents(write)));
    const latestPositions = writes.map((write, index) => {
      if (resolutions[index] !== "append") return undefined;
      const latest = this.#latestPosition(write.target);
      if (!evaluateConditionAt(write.condition, latest)) throw new UnmetWriteConditionError(write.target, write.condition, latest);
      return latest;
    });
    return writes.map((write, index) => {
      const resolution = resolutions[index];
      if (resolution !== "append" && resolution !== undefined) return resolution;
      const latest = latestPositions[index];
      try {
        return this.#insert(write, latest);
      } catch (error) {
        // Only a writer bypassing Chronicle could make the backstops fire here.
        switch (violatedBackstop(error)) {
          case "stream position":
            throw new UnmetWriteConditionError(write.target, write.condition, this.#latestPosition(write.target), { cause: error });
          case "event id":
            throw new DuplicateEventIdError(write.events[0]?.id ?? "", "or another id of this write is already stored", { cause: error });
          default:
            throw error;
        }
      }
    });
  }

  #latestPosition(target: StreamIdentifier): number | undefined {
    const row = this.#statement(LATEST_POSITION).get(target.category, target.stream) as { position: number | null };
    return row.position ?? undefined;
  }

  #storedEvents(write: PreparedWrite): Map<string, StoredEvent> {
    const stored = new Map<string, StoredEvent>();
    if (write.events.length === 0) return stored;
    const rows = this.#statement(EVENTS_BY_ID).all(JSON.stringify(write.events.map((event) => event.id))) as Row[];
    for (const row of rows) stored.set(row.id, toStoredEvent(row));
    return stored;
  }

  /**
   * Inserts a write's events several rows per statement, which roughly halves the
   * cost per event against one statement each. The rows of one statement get
   * consecutive sequence numbers, ending at `lastInsertRowid`: the write lock is
   * held and nothing else inserts into the table meanwhile.
   */
  #insert(write: PreparedWrite, latest: number | undefined): StoredEvent[] {
    const { category, stream } = write.target;
    const { events } = write;
    const firstPosition = latest === undefined ? 0 : latest + 1;
    const stored: StoredEvent[] = new Array(events.length);
    for (let start = 0; start < events.length; start += ROWS_PER_INSERT) {
      const end = Math.min(start + ROWS_PER_INSERT, events.length);
      const parameters: unknown[] = new Array((end - start) * COLUMNS_PER_ROW);
      let next = 0;
      for (let index = start; index < end; index += 1) {
        const event = events[index] as PreparedEvent;
        parameters[next++] = event.id;
        parameters[next++] = category;
        parameters[next++] = stream;
        parameters[next++] = firstPosition + index;
        parameters[next++] = event.name;
        parameters[next++] = event.payloadJson;
        parameters[next++] = event.metadataJson;
        parameters[next++] = event.occurredAt.getTime();
        parameters[next++] = event.observedAt.getTime();
      }
      const { lastInsertRowid } = this.#statement(insertStatement(end - start)).run(...parameters);
      // Sequence numbers stay below 2^53 (see the README), so plain arithmetic is exact.
      const firstSequenceNumber = Number(lastInsertRowid) - (end - start - 1) - start;
      for (let index = start; index < end; index += 1) {
        const event = events[index] as PreparedEvent;
        stored[index] = {
          id: event.id,
          name: event.name,
          category,
          stream,
          position: firstPosition + index,
          sequenceNumber: BigInt(firstSequenceNumber + index),
          // Parsed back from the stored text, so what a save returns is exactly what a read will.
          payload: JSON.parse(event.payloadJson),
          metadata: event.metadataJson === EMPTY_METADATA ? {} : JSON.parse(event.metadataJson),
          occurredAt: new Date(event.occurredAt.getTime()),
          observedAt: new Date(event.observedAt.getTime()),
        };
      }
    }
    return stored;
  }
}

/** Resolves in the check phase of the next turn of the event loop, after the I/O callbacks of this one. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Within a stream, the page after the last event read starts at the next
 * position: the same bound as the sequence-number cursor, but one the unique
 * index on positions can seek to instead of scanning the events already read.
 */
function seekPastCursor(query: ScanPageQuery, last: StoredEvent | undefined): ScanPageQuery {
  if (query.target.type !== "stream" || last === undefined) return query;
  if (query.direction === "forwards" && query.after === last.sequenceNumber) {
    return { ...query, fromPosition: Math.max(query.fromPosition ?? 0, last.position + 1) };
  }
  if (query.direction === "backwards" && query.before === last.sequenceNumber) {
    return { ...query, toPosition: Math.min(query.toPosition ?? Number.MAX_SAFE_INTEGER, last.position - 1) };
  }
  return query;
}

/** SQLite integers are 64-bit; a bound beyond them means the same as the extreme value. */
function clampToInt64(value: bigint): bigint {
  return value < INT64_MIN ? INT64_MIN : value > INT64_MAX ? INT64_MAX : value;
}

function toStoredEvent(row: Row): StoredEvent {
  return {
    id: row.id,
    name: row.name,
    category: row.category,
    stream: row.stream,
    position: row.position,
    sequenceNumber: BigInt(row.sequence_number),
    payload: JSON.parse(row.payload),
    metadata: JSON.parse(row.metadata),
    occurredAt: new Date(row.occurred_at),
    observedAt: new Date(row.observed_at),
  };
}
