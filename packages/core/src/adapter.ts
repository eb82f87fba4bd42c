import type { CompleteNewEvent, NewEvent, StoredEvent } from "./events.js";
import type { EventTarget, StreamIdentifier } from "./identifiers.js";
import type { SubscriptionCapabilities, SubscriptionSupport } from "./subscriptions/subscription-support.js";
import type { WriteCondition } from "./write-conditions.js";

/**
 * The scope within which an adapter serialises writes: one at a time across the
 * whole log, per category, or per stream. Narrower scopes allow more concurrent
 * writers; readers never skip an event under any of them.
 */
export type SerialisationGuarantee = "log" | "category" | "stream";

/** What an adapter can do, declared up front rather than discovered by catching errors. */
export interface AdapterCapabilities {
  /** Whether one `save` may hold writes to several streams (atomically). */
  readonly multiStreamWrites: boolean;
  /** The serialisation guarantees this adapter can be configured with. */
  readonly serialisationGuarantees: readonly SerialisationGuarantee[];
  /** The guarantee this instance runs under. */
  readonly serialisationGuarantee: SerialisationGuarantee;
  /** What the adapter's `subscriptions` member offers; absent when it has none. */
  readonly subscriptions?: SubscriptionCapabilities;
}

/** Appends to one stream, if its condition holds. */
export interface StreamWrite {
  readonly target: StreamIdentifier;
  /** May be empty: the condition is then only checked, atomically with the other writes. */
  readonly events: readonly NewEvent[];
  /** Defaults to `noCondition()`. */
  readonly condition?: WriteCondition;
}

/** A `StreamWrite` after validation, with every default filled in. */
export interface PreparedWrite {
  readonly target: StreamIdentifier;
  readonly events: readonly PreparedEvent[];
  readonly condition: WriteCondition;
}

/** A validated event with its defaults filled in and its JSON already serialised. */
export interface PreparedEvent extends CompleteNewEvent {
  /** `JSON.stringify(payload)`. */
  readonly payloadJson: string;
  /** `JSON.stringify(metadata)`. */
  readonly metadataJson: string;
  /**
   * Whether the id was generated during preparation rather than given by the
   * caller. Such an id is known to nobody until the save that carries it
   * commits, so an adapter may check a write of generated ids for earlier
   * storage by one of them: if a resent save committed before, all are stored.
   */
  readonly idGenerated?: boolean;
}

/** Options of `EventStorageAdapter.save`. */
export interface SaveOptions {
  /** Abandons the save if it has not been committed yet. */
  signal?: AbortSignal;
}

/** Options of reads and iteration. */
export interface ScanOptions {
  /** `"forwards"` (oldest first, the default) or `"backwards"` (newest first). */
  direction?: "forwards" | "backwards";
  /** Only events with a sequence number greater than this. */
  after?: bigint;
  /** Only events with a sequence number less than this. */
  before?: bigint;
  /** Only events at this stream position or later (stream targets only). */
  fromPosition?: number;
  /** Only events at this stream position or earlier (stream targets only). */
  toPosition?: number;
  /** Only events with one of these names. */
  names?: readonly string[];
  /** At most this many events. */
  limit?: number;
  /** How many events to fetch per page underneath; a tuning hint. */
  pageSize?: number;
  /** Stops the iteration: it rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * The storage contract. Implement these four methods, run the contract suite
 * from `@chronicle/testing/vitest`, and the `EventStore` works on your storage.
 */
export interface EventStorageAdapter extends AsyncDisposable {
  /** What this adapter supports. */
  readonly capabilities: AdapterCapabilities;
  /**
   * The optional state keeping behind `EventStore.subscribe`: checkpoints,
   * parked events, notifications, transactions and leases. Present exactly when
   * `capabilities.subscriptions` is.
   */
  readonly subscriptions?: SubscriptionSupport;
  /**
   * Stores every write atomically: all conditions hold and all events are
   * stored, or nothing is. Returns the stored events of each write, in order.
   */
  save(writes: readonly StreamWrite[], options?: SaveOptions): Promise<StoredEvent[][]>;
  /** The newest event of the target, or `undefined` when it has none. */
  latest(target: EventTarget): Promise<StoredEvent | undefined>;
  /** The target's events in sequence order, fetched page by page. */
  scan(target: EventTarget, options?: ScanOptions): AsyncIterable<StoredEvent>;
  /** Releases what the adapter opened. Later calls reject with `CLOSED`; closing twice is harmless. */
  close(): Promise<void>;
}
