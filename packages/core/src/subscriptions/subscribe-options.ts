import type { EventMap } from "../events.js";
import type { StoredEventFor, UntypedEvents } from "../handle-event-types.js";
import type { EventTarget } from "../identifiers.js";
import type { ParkedEvent } from "./subscription-support.js";

/** What a subscription's handler receives beside the event. */
export interface SubscriptionHandlerContext<Transaction = unknown> {
  /** Aborted when the subscription is closed: a long handler may stop early (its event is then handled again next time). */
  readonly signal: AbortSignal;
  /** 1 for the first call with this event, 2 for the first retry, and so on. */
  readonly attempt: number;
  /**
   * With `transactional: true`, the storage transaction the checkpoint commits
   * in (PostgreSQL: a `pg` client inside it; SQLite: the database). Otherwise `undefined`.
   */
  readonly transaction: Transaction;
  /**
   * In a consumer group: this member, the share the event's stream belongs to,
   * and the epoch of this member's lease on it. The epoch increases every time
   * the share changes hands, so an effect stored with it can be fenced the way
   * Chronicle fences checkpoints: refuse a write whose epoch is lower than one
   * already seen for the share. `undefined` without a group.
   */
  readonly group: SubscriptionGroupContext | undefined;
}

/** Where a consumer group member's handler runs: see `SubscriptionHandlerContext.group`. */
export interface SubscriptionGroupContext {
  readonly member: string;
  readonly share: number;
  readonly epoch: number;
}

/** Handles one event; a rejection is retried with backoff, then the event is parked. */
export type SubscriptionHandler<Events extends EventMap = UntypedEvents, Transaction = unknown> = (
  event: StoredEventFor<Events>,
  context: SubscriptionHandlerContext<Transaction>,
) => Promise<void> | void;

/** How a failing handler is retried before its event is parked. */
export interface SubscriptionRetryOptions {
  /** Calls of the handler per event, the first included, before the event is parked. Default 5; at least 1. */
  attempts?: number;
  /** The delay before the first retry; each later one doubles it. Default 100. */
  minDelayMs?: number;
  /** The longest delay between retries. Default 30 000. */
  maxDelayMs?: number;
}

/** Consumer group membership: subscriptions with the same name and a group share the work by stream. */
export interface SubscriptionGroupOptions {
  /** This member's name, unique within the group. */
  member: string;
  /** A member that has not renewed its leases for this long is presumed dead. Default 10 000. */
  leaseMs?: number;
  /**
   * How many shares the group splits its streams into (`shareOf`); every member
   * must use the same number, and it is fixed for a subscription name. Default 64.
   */
  shares?: number;
}

/** Anything `subscribe` accepts as a source: a log, category or stream handle, or an `EventTarget`. */
export type SubscriptionSource = EventTarget | { readonly target: EventTarget };

/** Options of `EventStore.subscribe`. */
export interface SubscribeOptions<Events extends EventMap = UntypedEvents, Transaction = unknown> {
  /** The checkpoint is kept under this name: 1 to 255 characters. */
  name: string;
  /** What to follow: `store.log()`, `store.category(…)`, `store.stream(…)`, or an `EventTarget`. */
  source: SubscriptionSource;
  /** Only events with these names reach the handler; the filter runs in the storage. */
  names?: readonly string[];
  /** Where to start when no checkpoint is stored: `"beginning"` (default) or `"end"` (only events committed after the start). */
  from?: "beginning" | "end";
  /** Called with each event, one at a time, in sequence-number order. */
  handler: SubscriptionHandler<Events, Transaction>;
  /** How a failing handler is retried before its event is parked. */
  retry?: SubscriptionRetryOptions;
  /** Optional: share the work between the subscriptions of this name. */
  group?: SubscriptionGroupOptions;
  /**
   * Write the checkpoint after every this many handled (or parked) events, and
   * whenever the subscription has caught up or closes. Default 1. A crash repeats
   * at most this many events. Must be 1 with `transactional: true`.
   */
  checkpointEvery?: number;
  /** How often a live subscription looks for new events when no notification wakes it. Default 1 000 ms. */
  pollIntervalMs?: number;
  /** `false` ignores wake-up notifications and relies on polling alone. Default `true`. */
  notifications?: boolean;
  /**
   * Runs the handler inside a storage transaction that also writes the
   * checkpoint, so effects written through `context.transaction` happen
   * exactly once. Only on adapters that declare `capabilities.subscriptions.transactional`.
   */
  transactional?: boolean;
  /** Closes the subscription when aborted. */
  signal?: AbortSignal;
}

/** What `subscription.status()` reports. */
export interface SubscriptionStatus {
  /**
   * `"catching-up"` while reading events that were committed before it last
   * looked; `"live"` once it has handled everything it could find and waits for
   * more; `"closed"` after `close()`; `"failed"` when the storage answered with an
   * error that retrying cannot fix (see `error`).
   */
  state: "catching-up" | "live" | "closed" | "failed";
  /** The sequence number of the last event handled or parked (the checkpoint's value), or `undefined` before any. */
  position: bigint | undefined;
  /** Events handled by this instance since it started. */
  handled: number;
  /** Events of this subscription name currently parked. */
  parked: number;
  /**
   * How far behind the source it is, in sequence numbers: `0n` when live,
   * otherwise the newest sequence number of the source seen at the last look
   * minus `position`. Sequence numbers may have gaps, so this bounds the number
   * of events still to handle from above.
   */
  lag: bigint;
  /** Why the state is `"failed"`. */
  error?: unknown;
  /** In a consumer group: this member and the shares it holds now, ascending. */
  group?: { member: string; shares: number[] };
}

/** One share of a consumer group, as `subscription.groupStatus()` reports it. */
export interface GroupShareStatus {
  readonly share: number;
  /** The member holding an unexpired lease on it, or `undefined` when none does. */
  readonly member: string | undefined;
  /** The epoch of its latest lease, or `undefined` when it was never leased. */
  readonly epoch: number | undefined;
  /** When its latest lease expires (or expired) unless renewed. */
  readonly expiresAt: Date | undefined;
  /** Its checkpoint: the holder's position when the holder is this member, else the stored one. */
  readonly position: bigint | undefined;
  /** The source's newest sequence number minus `position`: an upper bound of the events it has left. */
  readonly lag: bigint;
}

/** A consumer group's state, from `subscription.groupStatus()`. */
export interface GroupStatus {
  /** The live members (heartbeat not expired) at this member's last heartbeat, sorted. */
  readonly members: string[];
  /** Every share, `0` to `shares - 1`. */
  readonly shares: GroupShareStatus[];
}

/** A parked event as `subscription.parked()` returns it. */
export type SubscriptionParkedEvent = ParkedEvent;
