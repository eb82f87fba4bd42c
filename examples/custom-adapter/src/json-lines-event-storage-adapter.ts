import { closeSync, fstatSync, openSync, readSync, writeSync } from "node:fs";
import {
  type AdapterCapabilities,
  ClosedError,
  type EventStorageAdapter,
  type EventTarget,
  evaluateConditionAt,
  normaliseScanOptions,
  prepareWrites,
  resolveStoredIds,
  type SaveOptions,
  type ScanOptions,
  type ScanPageQuery,
  type StoredEvent,
  type StreamWrite,
  scanInPages,
  UnmetWriteConditionError,
  validateTarget,
} from "@chronicle/core";
import { classifyFileError } from "./json-lines-error-classifier.js";
import type { JsonLinesEventStorageAdapterConfig } from "./json-lines-options.js";

/** One event as a line of the file holds it. */
interface EventRecord {
  id: string;
  name: string;
  category: string;
  stream: string;
  position: number;
  /** A decimal string: JSON has no bigint. */
  sequenceNumber: string;
  payload: StoredEvent["payload"];
  metadata: StoredEvent["metadata"];
  /** ISO 8601 with milliseconds. */
  occurredAt: string;
  observedAt: string;
}

/**
 * Keeps the log in one append-only file of JSON lines, one line per save, so a
 * save is stored whole or not at all. A starting point for an adapter of your
 * own: it shows every promise of the contract kept in a few lines each.
 *
 * Every operation first reads what other instances appended since it last
 * looked, then works synchronously, so any number of instances in one process
 * can share a file. Several processes must not write one file at the same time:
 * this adapter takes no lock across processes (a real adapter would, and would
 * prove it in its own multi-process tests).
 */
export class JsonLinesEventStorageAdapter implements EventStorageAdapter {
  /** One save may span several streams; the file serialises every write, so the guarantee is the whole log. */
  readonly capabilities: AdapterCapabilities = {
    multiStreamWrites: true,
    serialisationGuarantees: ["log"],
    serialisationGuarantee: "log",
  };
  readonly #fd: number;
  /** How many bytes of the file are already indexed below. */
  #offset = 0;
  readonly #log: StoredEvent[] = [];
  readonly #streams = new Map<string, StoredEvent[]>();
  readonly #ids = new Map<string, StoredEvent>();
  #closed = false;

  constructor(config: JsonLinesEventStorageAdapterConfig) {
    if (typeof config?.filename !== "string" || config.filename === "") {
      throw new TypeError("JsonLinesEventStorageAdapter needs { filename }");
    }
    this.#fd = openSync(config.filename, "a+");
  }

  async save(writes: readonly StreamWrite[], options: SaveOptions = {}): Promise<StoredEvent[][]> {
    this.#assertOpen();
    options.signal?.throwIfAborted();
    // Validates everything and fills in ids and dates before anything is written.
    const prepared = prepareWrites(writes, {});
    try {
      this.#catchUp();
      // Idempotency is decided before conditions, so a retried publish gets back what it stored.
      const replayed = prepared.map((write) => {
        const stored = new Map<string, StoredEvent>();
        for (const event of write.events) {
          const found = this.#ids.get(event.id);
          if (found !== undefined) stored.set(event.id, found);
        }
        const resolution = resolveStoredIds(write, stored);
        return resolution === "append" ? undefined : resolution;
      });
      for (const [index, write] of prepared.entries()) {
        if (replayed[index] !== undefined) continue;
        const latest = this.#streams.get(streamKey(write.target.category, write.target.stream))?.at(-1)?.position;
        if (!evaluateConditionAt(write.condition, latest)) throw new UnmetWriteConditionError(write.target, write.condition, latest);
      }

      // Every check passed: number the new events and append them as one line.
      let sequenceNumber = BigInt(this.#log.length);
      const nextPosition = new Map<string, number>();
      const records: EventRecord[] = [];
      for (const [index, write] of prepared.entries()) {
        if (replayed[index] !== undefined) continue;
        const key = streamKey(write.target.category, write.target.stream);
        for (const event of write.events) {
          const position = nextPosition.get(key) ?? this.#streams.get(key)?.length ?? 0;
          nextPosition.set(key, position + 1);
          sequenceNumber += 1n;
          records.push({
            id: event.id,
            name: event.name,
            category: write.target.category,
            stream: write.target.stream,
            position,
            sequenceNumber: String(sequenceNumber),
            // Parsed from the serialised form, so later changes to the caller's objects cannot reach the log.
            payload: JSON.parse(event.payloadJson),
            metadata: JSON.parse(event.metadataJson),
            occurredAt: event.occurredAt.toISOString(),
            observedAt: event.observedAt.toISOString(),
          });
        }
      }
      if (records.length > 0) {
        const line = Buffer.from(`${JSON.stringify(records)}\n`);
        writeSync(this.#fd, line);
        this.#index(records);
        this.#offset += line.length;
      }

      let next = 0;
      return prepared.map(
        (write, index) =>
          replayed[index] ?? write.events.map(() => copy(this.#ids.get((records[next++] as EventRecord).id) as StoredEvent)),
      );
    } catch (error) {
      throw classifyFileError(error);
    }
  }

  async latest(target: EventTarget): Promise<StoredEvent | undefined> {
    this.#assertOpen();
    const checked = validateTarget(target);
    this.#catchUp();
    const event = this.#eventsOf(checked).at(-1);
    return event === undefined ? undefined : copy(event);
  }

  scan(target: EventTarget, options: ScanOptions = {}): AsyncIterable<StoredEvent> {
    // An async generator throws nothing synchronously: bad input rejects on the first step.
    const adapter = this;
    return {
      async *[Symbol.asyncIterator]() {
        adapter.#assertOpen();
        const checked = validateTarget(target);
        yield* scanInPages(checked, normaliseScanOptions(checked, options), async (query) => adapter.#page(query));
      },
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    closeSync(this.#fd);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** One page of a scan: the target's events within the query's bounds, in the query's direction. */
  #page(query: ScanPageQuery): StoredEvent[] {
    this.#assertOpen();
    this.#catchUp();
    const inRange = (event: StoredEvent) =>
      (query.after === undefined || event.sequenceNumber > query.after) &&
      (query.before === undefined || event.sequenceNumber < query.before) &&
      (query.fromPosition === undefined || event.position >= query.fromPosition) &&
      (query.toPosition === undefined || event.position <= query.toPosition) &&
      (query.names === undefined || query.names.includes(event.name));
    const events = this.#eventsOf(query.target);
    const ordered = query.direction === "forwards" ? events : [...events].reverse();
    const page: StoredEvent[] = [];
    for (const event of ordered) {
      if (page.length === query.limit) break;
      if (inRange(event)) page.push(copy(event));
    }
    return page;
  }

  #eventsOf(target: EventTarget): readonly StoredEvent[] {
    if (target.type === "log") return this.#log;
    if (target.type === "stream") return this.#streams.get(streamKey(target.category, target.stream)) ?? [];
    return this.#log.filter((event) => event.category === target.category);
  }

  /** Indexes the lines other instances appended since this one last looked. A line not yet complete is left for later. */
  #catchUp(): void {
    const size = fstatSync(this.#fd).size;
    if (size <= this.#offset) return;
    const buffer = Buffer.alloc(size - this.#offset);
    readSync(this.#fd, buffer, 0, buffer.length, this.#offset);
    const end = buffer.lastIndexOf(0x0a);
    if (end < 0) return;
    for (const line of buffer.subarray(0, end).toString("utf8").split("\n")) {
      this.#index(JSON.parse(line) as EventRecord[]);
    }
    this.#offset += end + 1;
  }

  #index(records: readonly EventRecord[]): void {
    for (const record of records) {
      const event = toStoredEvent(record);
      this.#log.push(event);
      const key = streamKey(event.category, event.stream);
      const stream = this.#streams.get(key);
      if (stream === undefined) this.#streams.set(key, [event]);
      else stream.push(event);
      this.#ids.set(event.id, event);
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError("The JSON-lines event storage adapter");
  }
}

function streamKey(category: string, stream: string): string {
  return JSON.stringify([category, stream]);
}

function toStoredEvent(record: EventRecord): StoredEvent {
  return {
    ...record,
    sequenceNumber: BigInt(record.sequenceNumber),
    occurredAt: new Date(record.occurredAt),
    observedAt: new Date(record.observedAt),
  };
}

/** A copy the caller may mutate without touching what is indexed. */
function copy(event: StoredEvent): StoredEvent {
  return structuredClone(event);
}
