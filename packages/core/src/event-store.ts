import type { EventStorageAdapter, ScanOptions, StreamWrite } from "./adapter.js";
import type { Clock } from "./clock.js";
import { ClosedError, InvalidInputError } from "./errors.js";
import type { EventMap, NewEvent } from "./events.js";
import type { NewEventFor, ScanOptionsFor, StoredEventFor, StreamWriteFor, UntypedEvents } from "./handle-event-types.js";
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
import { prepareSubscription } from "./subscriptions/prepare-subscription.js";
import type { SubscribeOptions } from "./subscriptions/subscribe-options.js";
import { Subscription } from "./subscriptions/subscription.js";
import { ProcessWakeUps } from "./subscriptions/wake-ups.js";
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

/** What to publish to one stream; on a handle typed by an event map, only the map's events. */
export interface StreamPublish<Payload extends JsonValue = JsonValue, Events extends EventMap = UntypedEvents> {
  events: readonly NewEventFor<Events, Payload>[];
  /** Checked atomically with the write. Defaults to `noCondition()`. */
  condition?: WriteCondition;
}

/** Options of `StreamHandle.publish`. */
export interface StreamPublishOptions<Payload extends JsonValue = JsonValue, Events extends EventMap = UntypedEvents>
  extends StreamPublish<Payload, Events> {
  signal?: AbortSignal;
}

/** Options of `CategoryHandle.publish`: several streams of one category, atomically. */
export interface CategoryPublishOptions<Events extends EventMap = UntypedEvents> {
  streams: Readonly<Record<string, StreamPublish<JsonValue, Events>>>;
  signal?: AbortSignal;
}

/** Options of `EventStore.publish`: streams of any categories, atomically. */
export interface LogPublishOptions<Events extends EventMap = UntypedEvents> {
  writes: readonly StreamWriteFor<Events>[];
  signal?: AbortSignal;
}

/** Reads over the log, a category or a stream; typed by the handle's event map, if it has one. */
export class EventReader<Target extends EventTarget = EventTarget, Events extends EventMap = UntypedEvents> {
  /** @internal */
  constructor(
    protected readonly store: EventStore,
    /** What this handle reads. */
    readonly target: Target,
  ) {}

  /** The newest event, or `undefined` when there is none. */
  async latest(): Promise<StoredEventFor<Events> | undefined> {
    return (await this.store.adapter.latest(this.target)) as StoredEventFor<Events> | undefined;
  }

  /**
   * Every event in sequence order (or newest first with `direction: "backwards"`),
   * fetched page by page: memory stays flat however long the log.
   */
  iterate(options: ScanOptionsFor<Events> = {}): AsyncIterable<StoredEventFor<Events>> {
    const { adapter } = this.store;
    const target = this.target;
    const scanOptions = options as ScanOptions;
    return {
      async *[Symbol.asyncIterator]() {
        // Options are checked on the first step, so a bad one rejects like any other failure.
        normaliseScanOptions(target, scanOptions);
        yield* adapter.scan(target, scanOptions) as AsyncIterable<StoredEventFor<Events>>;
      },
    };
  }

  /** The events as an array; `iterate` is the form for long ranges. */
  async read(options: ScanOptionsFor<Events> = {}): Promise<StoredEventFor<Events>[]> {
    const events: StoredEventFor<Events>[] = [];
    for await (const event of this.iterate(options)) events.push(event);
    return events;
  }
}

/** The whole log: `store.log()`. */
export class LogHandle<Events extends EventMap = UntypedEvents> extends EventReader<LogIdentifier, Events> {}

/** One stream: `store.category("profiles").stream("joe")`, or `store.stream<ProfileEvents>("profiles", "joe")` typed by an event map. */
export class StreamHandle<Events extends EventMap = UntypedEvents> extends EventReader<StreamIdentifier, Events> {
  /** The stream's category. */
  get category(): string {
    return this.target.category;
  }

  /** The stream's name. */
  get name(): string {
    return this.target.stream;
  }

  /** Appends events if the condition holds; returns them as stored. */
  async publish<Payload extends JsonValue = JsonValue>(
    options: StreamPublishOptions<NoInfer<Payload>, Events>,
  ): Promise<StoredEventFor<Events, Payload>[]> {
    const [stored] = await this.store.publish({
      writes: [{ target: this.target, events: options?.events as readonly NewEvent[], condition: options?.condition }],
      signal: options?.signal,
    });
    return (stored ?? []) as StoredEventFor<Events, Payload>[];
  }
}

/** One category: `store.category("profiles")`, or `store.category<ProfileEvents>("profiles")` typed by an event map. */
export class CategoryHandle<Events extends EventMap = UntypedEvents> extends EventReader<CategoryIdentifier, Events> {
  /** The category's name. */
  get name(): string {
    return this.target.category;
  }

  /** A stream of this category, typed by the category's event map. */
  stream(name: string): StreamHandle<Events> {
    return new StreamHandle<Events>(this.store, streamIdentifier(this.target.category, validateName(name, "stream")));
  }

  /** Appends to several streams of this category atomically: every condition holds and all are stored, or nothing is. */
  async publish(options: CategoryPublishOptions<Events>): Promise<Record<string, StoredEventFor<Events>[]>> {
    const streams = options?.streams;
    if (typeof streams !== "object" || streams === null || Array.isArray(streams)) {
      throw new InvalidInputError("publish needs { streams: { [stream]: { events, condition } } }");
    }
    const names = Object.keys(streams);
    const writes = names.map((name) => {
      const write = streams[name];
      return {
        target: streamIdentifier(this.target.category, name),
        events: write?.events as readonly NewEvent[],
        condition: write?.condition,
      };
    });
    const stored = await this.store.publish({ writes, signal: options.signal });
    return Object.fromEntries(names.map((name, index) => [name, (stored[index] ?? []) as StoredEventFor<Events>[]]));
  }
}

/**
 * The entry point: publish to and read from an event log kept by an adapter.
 *
 * ```ts
 * const store = new EventStore(new InMemoryEventStorageAdapter());
 * await store.category("profiles").stream("joe").publish({ events: [{ name: "created", payload: {} }] });
 * ```
 *
 * `new EventStore<AppEvents>(adapter)` types every handle of the store by the
 * event map `AppEvents`; `store.category<ProfileEvents>("profiles")` types one category.
 */
export class EventStore<Events extends EventMap = UntypedEvents> implements AsyncDisposable {
  /** The storage underneath. */
  readonly adapter: EventStorageAdapter;
  readonly #clock: Clock | undefined;
  readonly #wakeUps = new ProcessWakeUps();
  #closed = false;

  constructor(adapter: EventStorageAdapter, options: EventStoreOptions = {}) {
    this.adapter = adapter;
    this.#clock = options.clock;
  }

  /** The whole log, typed by the store's event map. */
  log(): LogHandle<Events> {
    return new LogHandle<Events>(this.#untyped(), logIdentifier());
  }

  /** A category, typed by the event map given (`store.category<ProfileEvents>("profiles")`) or else the store's. */
  category<CategoryEvents extends EventMap = Events>(name: string): CategoryHandle<CategoryEvents> {
    return new CategoryHandle<CategoryEvents>(this.#untyped(), categoryIdentifier(validateName(name, "category")));
  }

  /** A stream: the same as `store.category(category).stream(stream)`, typed the same way. */
  stream<StreamEvents extends EventMap = Events>(category: string, stream: string): StreamHandle<StreamEvents> {
    return this.category<StreamEvents>(category).stream(stream);
  }

  /**
   * Appends to streams of any categories atomically. Input is validated here,
   * before the adapter sees it, so bad input rejects with `INVALID_INPUT` and
   * nothing is stored whatever the adapter.
   */
  async publish(options: LogPublishOptions<Events>): Promise<StoredEventFor<Events>[][]> {
    if (this.#closed) throw new ClosedError("The event store");
    // Validated (and serialised) once here; an adapter using core's prepareWrites reuses the work.
    const handedOver = prepareForAdapter(options?.writes as readonly StreamWrite[], {
      clock: this.#clock,
      multiStreamWrites: this.adapter.capabilities.multiStreamWrites,
    });
    const stored = (await this.adapter.save(
      handedOver,
      options.signal === undefined ? undefined : { signal: options.signal },
    )) as StoredEventFor<Events>[][];
    this.#wakeUps.notify();
    return stored;
  }

  /**
   * Follows a log, category or stream: hands each event to `handler` in
   * sequence-number order, keeping a checkpoint under `name` in the adapter's
   * storage so a restart resumes after the last handled event. Bad options, an
   * adapter without subscription support, or a second live subscription of the
   * same name throw `INVALID_INPUT` here.
   */
  subscribe<Transaction = unknown>(options: SubscribeOptions<Events, Transaction>): Subscription {
    if (this.#closed) throw new ClosedError("The event store");
    return new Subscription(this.adapter, prepareSubscription(this.adapter, options as unknown as SubscribeOptions), this.#wakeUps);
  }

  /** The store as its handles use it: types are the handles' business, and the same at run time whatever the map. */
  #untyped(): EventStore {
    return this as unknown as EventStore;
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
