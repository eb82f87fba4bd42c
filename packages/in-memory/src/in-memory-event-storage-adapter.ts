import {
  type AdapterCapabilities,
  type Clock,
  ClosedError,
  type EventStorageAdapter,
  type EventTarget,
  evaluateConditionAt,
  normaliseScanOptions,
  type PreparedEvent,
  prepareWrites,
  resolveStoredIds,
  type SaveOptions,
  type ScanOptions,
  type ScanPageQuery,
  type SerialisationGuarantee,
  type StoredEvent,
  type StreamWrite,
  scanInPages,
  UnmetWriteConditionError,
  validateTarget,
} from "@chronicle/core";
import type { InMemoryEventStorageAdapterOptions } from "./in-memory-options.js";
import { IN_MEMORY_SUBSCRIPTION_CAPABILITIES, InMemorySubscriptionSupport } from "./in-memory-subscription-support.js";

/** How an event is kept: its JSON as text, so no caller can mutate what is stored. */
interface Row {
  readonly event: PreparedEvent;
  readonly category: string;
  readonly stream: string;
  readonly position: number;
  readonly sequenceNumber: bigint;
}

const GUARANTEES: readonly SerialisationGuarantee[] = ["log", "category", "stream"];

/**
 * Keeps the log in this process's memory. The reference adapter: it keeps every
 * promise of the contract, and is what demos and unit tests run on. Each save
 * runs to completion without yielding, so writes are serialised across the whole
 * log whatever `serialisationGuarantee` says.
 */
export class InMemoryEventStorageAdapter implements EventStorageAdapter {
  readonly capabilities: AdapterCapabilities;
  /** Checkpoints and parked events in this process's memory: subscriptions work, but do not survive the process. */
  readonly subscriptions: InMemorySubscriptionSupport;
  readonly #clock: Clock | undefined;
  readonly #log: Row[] = [];
  readonly #categories = new Map<string, Row[]>();
  readonly #streams = new Map<string, Row[]>();
  readonly #ids = new Map<string, Row>();
  #closed = false;

  constructor(options: InMemoryEventStorageAdapterOptions = {}) {
    const serialisationGuarantee = options.serialisationGuarantee ?? "log";
    if (!GUARANTEES.includes(serialisationGuarantee)) {
      throw new TypeError(`serialisationGuarantee must be one of ${GUARANTEES.join(", ")}, got ${String(serialisationGuarantee)}`);
    }
    this.capabilities = {
      multiStreamWrites: true,
      serialisationGuarantees: GUARANTEES,
      serialisationGuarantee,
      subscriptions: IN_MEMORY_SUBSCRIPTION_CAPABILITIES,
    };
    this.#clock = options.clock;
    this.subscriptions = new InMemorySubscriptionSupport(options.clock, () => this.#closed);
  }

  async save(writes: readonly StreamWrite[], options: SaveOptions = {}): Promise<StoredEvent[][]> {
    this.#assertOpen();
    options.signal?.throwIfAborted();
    const prepared = prepareWrites(writes, { clock: this.#clock });

    // Idempotency comes before conditions, so a retried publish returns what it stored.
    const results: (StoredEvent[] | undefined)[] = prepared.map((write) => {
      const stored = new Map<string, StoredEvent>();
      for (const event of write.events) {
        const row = this.#ids.get(event.id);
        if (row !== undefined) stored.set(event.id, toStoredEvent(row));
      }
      const resolution = resolveStoredIds(write, stored);
      return resolution === "append" ? undefined : resolution;
    });

    prepared.forEach((write, index) => {
      if (results[index] !== undefined) return;
      const latest = this.#streams.get(streamKey(write.target.category, write.target.stream))?.at(-1)?.position;
      if (!evaluateConditionAt(write.condition, latest)) {
        throw new UnmetWriteConditionError(write.target, write.condition, latest);
      }
    });

    // Every check has passed: nothing below can fail, so the save is atomic.
    const stored = prepared.map((write, index) => {
      const replayed = results[index];
      if (replayed !== undefined) return replayed;
      const key = streamKey(write.target.category, write.target.stream);
      const stream = getOrCreate(this.#streams, key);
      const category = getOrCreate(this.#categories, write.target.category);
      return write.events.map((event) => {
        const row: Row = {
          event,
          category: write.target.category,
          stream: write.target.stream,
          position: stream.length,
          sequenceNumber: BigInt(this.#log.length + 1),
        };
        stream.push(row);
        category.push(row);
        this.#log.push(row);
        this.#ids.set(event.id, row);
        return toStoredEvent(row);
      });
    });
    this.subscriptions.notify({ sequenceNumber: BigInt(this.#log.length) });
    return stored;
  }

  async latest(target: EventTarget): Promise<StoredEvent | undefined> {
    this.#assertOpen();
    const row = this.#rowsOf(validateTarget(target)).at(-1);
    return row === undefined ? undefined : toStoredEvent(row);
  }

  scan(target: EventTarget, options: ScanOptions = {}): AsyncIterable<StoredEvent> {
    const adapter = this;
    return {
      async *[Symbol.asyncIterator]() {
        adapter.#assertOpen();
        const checked = validateTarget(target);
        yield* scanInPages(checked, normaliseScanOptions(checked, options), async (query) => {
          adapter.#assertOpen();
          return adapter.#page(query);
        });
      },
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #page(query: ScanPageQuery): StoredEvent[] {
    const rows = this.#rowsOf(query.target);
    const names = query.names === undefined ? undefined : new Set(query.names);
    const matches = (row: Row) =>
      (names === undefined || names.has(row.event.name)) &&
      (query.fromPosition === undefined || row.position >= query.fromPosition) &&
      (query.toPosition === undefined || row.position <= query.toPosition);
    const page: StoredEvent[] = [];
    if (query.direction === "forwards") {
      const start = query.after === undefined ? 0 : firstIndexAbove(rows, query.after);
      for (let index = start; index < rows.length && page.length < query.limit; index += 1) {
        const row = rows[index] as Row;
        if (query.before !== undefined && row.sequenceNumber >= query.before) break;
        if (matches(row)) page.push(toStoredEvent(row));
      }
    } else {
      const end = query.before === undefined ? rows.length : firstIndexAbove(rows, query.before - 1n);
      for (let index = end - 1; index >= 0 && page.length < query.limit; index -= 1) {
        const row = rows[index] as Row;
        if (query.after !== undefined && row.sequenceNumber <= query.after) break;
        if (matches(row)) page.push(toStoredEvent(row));
      }
    }
    return page;
  }

  #rowsOf(target: EventTarget): readonly Row[] {
    switch (target.type) {
      case "log":
        return this.#log;
      case "category":
        return this.#categories.get(target.category) ?? [];
      case "stream":
        return this.#streams.get(streamKey(target.category, target.stream)) ?? [];
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError("The in-memory event storage adapter");
  }
}

function getOrCreate(rows: Map<string, Row[]>, key: string): Row[] {
  let found = rows.get(key);
  if (found === undefined) {
    found = [];
    rows.set(key, found);
  }
  return found;
}

function streamKey(category: string, stream: string): string {
  return JSON.stringify([category, stream]);
}

/** The index of the first row whose sequence number is above `sequenceNumber` (rows are in sequence order). */
function firstIndexAbove(rows: readonly Row[], sequenceNumber: bigint): number {
  let low = 0;
  let high = rows.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((rows[middle] as Row).sequenceNumber <= sequenceNumber) low = middle + 1;
    else high = middle;
  }
  return low;
}

function toStoredEvent(row: Row): StoredEvent {
  return {
    id: row.event.id,
    name: row.event.name,
    category: row.category,
    stream: row.stream,
    position: row.position,
    sequenceNumber: row.sequenceNumber,
    payload: JSON.parse(row.event.payloadJson),
    metadata: JSON.parse(row.event.metadataJson),
    occurredAt: new Date(row.event.occurredAt.getTime()),
    observedAt: new Date(row.event.observedAt.getTime()),
  };
}
