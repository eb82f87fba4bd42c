import type { EventStorageAdapter, ScanOptions, StreamWrite } from "./adapter.js";
import type { Clock } from "./clock.js";
import { ClosedError, InvalidInputError } from "./errors.js";
import type { NewEvent, StoredEvent } from "./events.js";
import {
  type CategoryIdentifier,
  categoryIdentifier,
  type EventTarget,
  type LogIdentifier,
  logIdentifier,
  type StreamIdentifier,
  streamIdentifier,
} from "./identifiers.js";
import type { JsonValue } from "./json.js";
import { normaliseScanOptions, prepareForAdapter, validateName } from "./validation.js";
import type { WriteCondition } from "./write-conditions.js";

/** Options of `new EventStore(adapter, options)`. */
export interface EventStoreOptions {
  /**
   * Stamps `observedAt` on events published without one. When omitted, the
   * adapter's own clock does.
   */
  clock?: Clock;
}

/** What to publish to one stream. */
export interface StreamPublish<Payload extends JsonValue = JsonValue> {
  events: readonly NewEvent<Payload>[];
  /** Checked atomically with the write. Defaults to `noCondition()`. */
  condition?: WriteCondition;
}

/** Options of `StreamHandle.publish`. */
export interface StreamPublishOptions<Payload extends JsonValue = JsonValue> extends StreamPublish<Payload> {
  signal?: AbortSignal;
}

/** Options of `CategoryHandle.publish`: several streams of one category, atomically. */
export interface CategoryPublishOptions {
  streams: Readonly<Record<string, StreamPublish>>;
  signal?: AbortSignal;
}

/** Options of `EventStore.publish`: streams of any categories, atomically. */
export interface LogPublishOptions {
  writes: readonly StreamWrite[];
  signal?: AbortSignal;
}

/** Reads over the log, a category or a stream. */
export class EventReader<Target extends EventTarget = EventTarget> {
  /** @internal */
  constructor(
    protected readonly store: EventStore,
    /** What this handle reads. */
    readonly target: Target,
  ) {}

  /** The newest event, or `undefined` when there is none. */
  async latest(): Promise<StoredEvent | undefined> {
    return this.store.adapter.latest(this.target);
  }

  /**
   * Every event in sequence order (or newest first with `direction: "backwards"`),
   * fetched page by page: memory stays flat however long the log.
   */
  iterate(options: ScanOptions = {}): AsyncIterable<StoredEvent> {
    const { adapter } = this.store;
    const target = this.target;
    return {
      async *[Symbol.asyncIterator]() {
        // Options are checked on the first step, so a bad one rejects like any other failure.
        normaliseScanOptions(target, options);
        yield* adapter.scan(target, options);
      },
    };
  }

  /** The events as an array; `iterate` is the form for long ranges. */
  async read(options: ScanOptions = {}): Promise<StoredEvent[]> {
    const events: StoredEvent[] = [];
    for await (const event of this.iterate(options)) events.push(event);
    return events;
  }
}

/** The whole log: `store.log()`. */
export class LogHandle extends EventReader<LogIdentifier> {}

/** One stream: `store.category("profiles").stream("joe")`. */
export class StreamHandle extends EventReader<StreamIdentifier> {
  /** The stream's category. */
  get category(): string {
    return this.target.category;
  }

  /** The stream's name. */
  get name(): string {
    return this.target.stream;
  }

  /** Appends events if the condition holds; returns them as stored. */
  async publish<Payload extends JsonValue = JsonValue>(options: StreamPublishOptions<NoInfer<Payload>>): Promise<StoredEvent<Payload>[]> {
    const [stored] = await this.store.publish({
      writes: [{ target: this.target, events: options?.events, condition: options?.condition }],
      signal: options?.signal,
    });
    return (stored ?? []) as StoredEvent<Payload>[];
  }
}

/** One category: `store.category("profiles")`. */
export class CategoryHandle extends EventReader<CategoryIdentifier> {
  /** The category's name. */
  get name(): string {
    return this.target.category;
  }

  /** A stream of this category. */
  stream(name: string): StreamHandle {
    return new StreamHandle(this.store, streamIdentifier(this.target.category, validateName(name, "stream")));
  }

  /** Appends to several streams of this category atomically: every condition holds and all are stored, or nothing is. */
  async publish(options: CategoryPublishOptions): Promise<Record<string, StoredEvent[]>> {
    const streams = options?.streams;
    if (typeof streams !== "object" || streams === null || Array.isArray(streams)) {
      throw new InvalidInputError("publish needs { streams: { [stream]: { events, condition } } }");
    }
    const names = Object.keys(streams);
    const writes = names.map((name) => {
      const write = streams[name];
      return { target: streamIdentifier(this.target.category, name), events: write?.events as NewEvent[], condition: write?.condition };
    });
    const stored = await this.store.publish({ writes, signal: options.signal });
    return Object.fromEntries(names.map((name, index) => [name, stored[index] ?? []]));
  }
}

/**
 * The entry point: publish to and read from an event log kept by an adapter.
 *
 * ```ts
 * const store = new EventStore(new InMemoryEventStorageAdapter());
 * await store.category("profiles").stream("joe").publish({ events: [{ name: "created", payload: {} }] });
 * ```
 */
export class EventStore implements AsyncDisposable {
  /** The storage underneath. */
  readonly adapter: EventStorageAdapter;
  readonly #clock: Clock | undefined;
  #closed = false;

  constructor(adapter: EventStorageAdapter, options: EventStoreOptions = {}) {
    this.adapter = adapter;
    this.#clock = options.clock;
  }

  /** The whole log. */
  log(): LogHandle {
    return new LogHandle(this, logIdentifier());
  }

  /** A category. */
  category(name: string): CategoryHandle {
    return new CategoryHandle(this, categoryIdentifier(validateName(name, "category")));
  }

  /** A stream: the same as `store.category(category).stream(stream)`. */
  stream(category: string, stream: string): StreamHandle {
    return this.category(category).stream(stream);
  }

  /**
   * Appends to streams of any categories atomically. Input is validated here,
   * before the adapter sees it, so bad input rejects with `INVALID_INPUT` and
   * nothing is stored whatever the adapter.
   */
  async publish(options: LogPublishOptions): Promise<StoredEvent[][]> {
    if (this.#closed) throw new ClosedError("The event store");
    // Validated (and serialised) once here; an adapter using core's prepareWrites reuses the work.
    const handedOver = prepareForAdapter(options?.writes, {
      clock: this.#clock,
      multiStreamWrites: this.adapter.capabilities.multiStreamWrites,
    });
    return this.adapter.save(handedOver, options.signal === undefined ? undefined : { signal: options.signal });
  }

  /** Closes the adapter. Later calls reject with `CLOSED`; closing twice is harmless. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.adapter.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
