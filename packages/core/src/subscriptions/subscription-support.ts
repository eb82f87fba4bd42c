import type { StoredEvent } from "../events.js";
import { fnv1a } from "./share-assignment.js";

/**
 * What an adapter's subscription support offers, declared up front as
 * `adapter.capabilities.subscriptions`. The
 * `EventStore` reads it synchronously, so `subscribe` can refuse options the
 * storage cannot honour (such as `transactional: true`) before anything runs.
 */
export interface SubscriptionCapabilities {
  /**
   * Whether checkpoints, parked events and leases survive the process: kept in
   * the storage itself, so a subscription restarted in another process (after a
   * crash or `SIGKILL`) finds them. `false` for storage that lives in memory.
   */
  readonly durable: boolean;
  /** Whether `runInTransaction` is offered, so `subscribe({ transactional: true })` is accepted. */
  readonly transactional: boolean;
  /**
   * Whether `listen` is offered: wake-up hints for events committed through any
   * connection or process (PostgreSQL `LISTEN/NOTIFY`, Redis pub/sub). Without
   * it, a subscription learns of other processes' events by polling.
   */
  readonly notifications: boolean;
  /** Whether the consumer group members (`heartbeat`, `leaveGroup`, `acquireLease`, …) are offered. */
  readonly consumerGroups: boolean;
}

/**
 * Where a checkpoint is kept: a subscription's name and one of its shares.
 *
 * A subscription without a group has exactly one share, `0`. A consumer group
 * splits its streams into a fixed number of shares (see `shareOf`), each with
 * its own checkpoint under the same subscription name. The number of shares is
 * part of a group's identity: changing it needs a new subscription name.
 */
export interface CheckpointKey {
  /** The subscription's name: 1 to 255 characters, validated before the adapter sees it. */
  readonly subscription: string;
  /** A non-negative integer; `0` for a subscription without a group. */
  readonly share: number;
}

/** A stored checkpoint: how far a subscription (or one share of a group) has got. */
export interface Checkpoint extends CheckpointKey {
  /**
   * The sequence number of the last event the subscription handled or parked.
   * With a `names` filter, the last such event among those the filter lets
   * through; the subscription resumes with a scan `after` it.
   */
  readonly position: bigint;
  /** When the storage last wrote it (the storage's clock where it has one). */
  readonly updatedAt: Date;
}

/**
 * A compare-and-set write of a checkpoint. It succeeds, atomically, only when
 * all of these hold at the moment of the write:
 * - the stored position equals `expected` (`undefined`: no checkpoint is stored),
 *   or the stored position already equals `position` (so retrying a write whose
 *   outcome was lost to an `UNAVAILABLE` is harmless);
 * - `position` is not lower than the stored position (a checkpoint never moves backwards);
 * - when `epoch` is given, the share's lease (see `acquireLease`) currently has
 *   exactly that epoch. This fences off a member that lost its lease: it can no
 *   longer move the checkpoint of a share another member now holds.
 *
 * Otherwise the write changes nothing.
 */
export interface CheckpointWrite extends CheckpointKey {
  /** The new position: a sequence number of the source. */
  readonly position: bigint;
  /** The position the writer last read or wrote; `undefined` when it found none. */
  readonly expected: bigint | undefined;
  /** The fencing token of the writer's lease; given for shares of a consumer group only. */
  readonly epoch?: number;
}

/** Why a handler's last attempt failed, kept with a parked event. */
export interface ParkedError {
  /** The thrown value's `name` (`"Error"` when it had none). */
  readonly name: string;
  /** The thrown value's `message` (its string form when it had none). */
  readonly message: string;
}

/**
 * An event a subscription's handler kept failing on, set aside so the
 * subscription could go on. `subscription.parked()` returns these.
 */
export interface ParkedEvent {
  /** The event, exactly as stored in the log. */
  readonly event: StoredEvent;
  /** The last attempt's error. */
  readonly error: ParkedError;
  /** How many times the handler was called with it, retries of `retryParked` included. */
  readonly attempts: number;
  /** When it was (last) parked. */
  readonly parkedAt: Date;
}

/** A parked event as handed to the adapter: under which subscription to keep it. */
export interface ParkWrite extends ParkedEvent {
  /** The subscription's name. Parked events are kept per name, not per share. */
  readonly subscription: string;
}

/** Which parked events to list: those of one subscription, oldest sequence number first. */
export interface ParkedQuery {
  readonly subscription: string;
  /** Only events with a sequence number greater than this (keyset paging). */
  readonly after?: bigint;
  /** At most this many; the adapter may return fewer only when no more exist. Defaults to all. */
  readonly limit?: number;
}

/**
 * A hint that events may have been committed. Hints carry no guarantee: a
 * subscription that receives one scans its source `after` its position as it
 * would anyway, and a hint that is lost delays an event by at most the poll
 * interval. Hints may be duplicated, merged or spurious.
 */
export interface WakeUpHint {
  /** The categories that received events, when the adapter knows them; `undefined` means "possibly any". */
  readonly categories?: readonly string[];
  /** The highest sequence number committed, when the adapter knows it cheaply. */
  readonly sequenceNumber?: bigint;
}

/** Stops delivering hints to one listener. Idempotent. */
export type StopListening = () => Promise<void>;

/** A consumer group member's liveness, renewed by `heartbeat`. */
export interface GroupHeartbeat {
  /** The subscription (group) name. */
  readonly subscription: string;
  /** The member's name, unique within the group. */
  readonly member: string;
  /** The member counts as live for this long after the heartbeat, by the storage's clock where it has one. */
  readonly ttlMs: number;
}

/** A member leaving a group: its heartbeat is removed and every lease it holds is released. */
export interface GroupMember {
  readonly subscription: string;
  readonly member: string;
}

/** A request to hold one share of a group. */
export interface LeaseRequest {
  readonly subscription: string;
  readonly share: number;
  readonly member: string;
  /** The lease expires this long after it is acquired or renewed. */
  readonly leaseMs: number;
}

/** A held lease, identified by its epoch. */
export interface LeaseToken {
  readonly subscription: string;
  readonly share: number;
  readonly member: string;
  /** The fencing token: increases every time the share changes hands. */
  readonly epoch: number;
}

/** A lease as stored. */
export interface Lease extends LeaseToken {
  /** When it expires unless renewed. */
  readonly expiresAt: Date;
}

/**
 * The optional part of the adapter contract that keeps subscriptions' state:
 * checkpoints, parked events, wake-up notifications, transactional handling
 * and consumer group leases. An adapter offers it as its `subscriptions`
 * member and declares what it offers in `capabilities.subscriptions`; both are
 * present or both absent. `EventStore.subscribe` rejects with `INVALID_INPUT`
 * on an adapter without them. Run `describeSubscriptionSupport` from `@chronicle/testing/vitest`
 * to check an implementation.
 *
 * Rules every method follows:
 * - Input arrives validated by the `EventStore` (names of 1 to 255 characters,
 *   non-negative integer shares, positive durations).
 * - Every method is atomic: it happens completely or not at all. Anything
 *   written is visible to every later call from any process (durable storage)
 *   or from any `EventStore` over the same adapter (in-memory storage).
 * - Storage that cannot be reached rejects with `UNAVAILABLE` (retryable): a
 *   subscription then pauses and tries again; it never parks an event because
 *   of it. After the adapter's `close()`, every method rejects with `CLOSED`.
 * - State is kept per adapter namespace (schema, file, key prefix), like events:
 *   two adapters that never see each other's events never see each other's
 *   checkpoints either.
 *
 * `readCheckpoint`, `writeCheckpoint`, `park`, `listParked`,
 * `removeParked`, `listCheckpoints` and `resetCheckpoint` are always offered;
 * the optional methods exactly when `capabilities.subscriptions` says so.
 *
 * @typeParam Transaction - what a transactional handler receives as
 * `context.transaction`: a `pg` client inside an open transaction for
 * PostgreSQL, the better-sqlite3 database inside one for SQLite.
 */
export interface SubscriptionSupport<Transaction = unknown> {
  /** The stored checkpoint of a subscription's share, or `undefined` when none was written. */
  readCheckpoint(key: CheckpointKey): Promise<Checkpoint | undefined>;

  /**
   * Writes a checkpoint with compare-and-set, as `CheckpointWrite` describes.
   * Resolves `true` when the stored checkpoint now has `position` (written now,
   * or already there), and `false` when the write changed nothing because its
   * `expected` or `epoch` did not hold or `position` would move it backwards.
   */
  writeCheckpoint(write: CheckpointWrite): Promise<boolean>;

  /**
   * Parks an event, or replaces the stored entry for the same subscription and
   * event id (an upsert: parking an event twice keeps one entry, the latest).
   * A subscription parks an event before it moves its checkpoint past it, so a
   * crash in between parks it again rather than losing it.
   */
  park(write: ParkWrite): Promise<void>;

  /** The subscription's parked events, in sequence-number order, as `ParkedQuery` selects. */
  listParked(query: ParkedQuery): Promise<ParkedEvent[]>;

  /**
   * Removes parked events of a subscription by event id; ids not parked are
   * ignored. Resolves with how many entries were removed.
   */
  removeParked(subscription: string, eventIds: readonly string[]): Promise<number>;

  /**
   * Offered when `capabilities.notifications`. Starts delivering `WakeUpHint`s
   * for events committed through any connection or process, and resolves once
   * it is listening: every save that commits after the promise resolves leads to
   * at least one hint, unless the connection underneath is lost. The adapter
   * sends the hints itself when it saves (a `NOTIFY` in the save's transaction,
   * a `PUBLISH` after the save), reconnects on its own after losing the
   * connection, and never calls `listener` after the returned `StopListening`
   * resolves. A listener that throws is ignored. Hints for the same process's
   * saves may arrive too; they are harmless.
   */
  listen?(listener: (hint: WakeUpHint) => void): Promise<StopListening>;

  /**
   * Offered when `capabilities.transactional`. Opens a storage transaction,
   * calls `work` with it, then writes `checkpoint` (compare-and-set exactly as
   * `writeCheckpoint`) in the same transaction and commits.
   * - When `work` resolves and the checkpoint write succeeds, both commit
   *   together: resolves `{ committed: true, result }`.
   * - When the checkpoint write changes nothing (its `expected` or `epoch` no
   *   longer holds), the transaction rolls back, `work`'s writes included:
   *   resolves `{ committed: false }`.
   * - When `work` rejects or throws, the transaction rolls back and the call
   *   rejects with that error unchanged.
   * - When the commit itself fails, rejects with the classified error
   *   (`UNAVAILABLE` when it may be retried).
   * `work` may await; while it runs, the adapter keeps other users of the same
   * connection out of the transaction. `transaction` must not be used after
   * `work` settles.
   */
  runInTransaction?<Result>(
    checkpoint: CheckpointWrite,
    work: (transaction: Transaction) => Promise<Result>,
  ): Promise<{ committed: true; result: Result } | { committed: false }>;

  /**
   * Offered when `capabilities.consumerGroups`. Records that `member` is live
   * for `ttlMs` from now, and resolves with the names of the group's live
   * members (this one included), sorted by code point. Members whose last
   * heartbeat is older than its `ttlMs` are not live and are not returned.
   */
  heartbeat?(heartbeat: GroupHeartbeat): Promise<string[]>;

  /** Offered when `capabilities.consumerGroups`. Removes the member's heartbeat and releases its leases, atomically. */
  leaveGroup?(member: GroupMember): Promise<void>;

  /**
   * Offered when `capabilities.consumerGroups`. Takes or renews the lease on a
   * share, atomically with the check: it succeeds when the share has no lease,
   * its lease has expired, or `member` already holds it. Taking a share that
   * another member held, or that had no lease, stores an epoch one greater than
   * the share's previous epoch (the first is `1`; epochs are kept after release,
   * so they only ever increase per share). Renewing keeps the epoch. Resolves
   * with the lease, or `undefined` when another member holds an unexpired lease.
   */
  acquireLease?(request: LeaseRequest): Promise<Lease | undefined>;

  /**
   * Offered when `capabilities.consumerGroups`. Extends a held lease by
   * `leaseMs` from now when its epoch is still `token.epoch` and its member is
   * `token.member`, even if it has expired meanwhile (no one took it over, so
   * no one else wrote). Resolves with the renewed lease, or `undefined` when the
   * share has changed hands: the member must then stop handling that share at
   * once, since its checkpoint writes are already fenced off.
   */
  renewLease?(token: LeaseToken & { readonly leaseMs: number }): Promise<Lease | undefined>;

  /**
   * Offered when `capabilities.consumerGroups`. Gives a lease up when its epoch
   * is still `token.epoch`, so another member may take the share at once.
   * Resolves whether it was released.
   */
  releaseLease?(token: LeaseToken): Promise<boolean>;

  /** Offered when `capabilities.consumerGroups`. The group's leases not released, expired ones included, by share. */
  listLeases?(subscription: string): Promise<Lease[]>;

  /**
   * Every stored checkpoint (or those of one subscription, with
   * `query.subscription`), ordered by subscription name (code point order),
   * then by share. For operators and tools such as `chronicle subscriptions`;
   * a subscription never calls it.
   */
  listCheckpoints(query?: CheckpointQuery): Promise<Checkpoint[]>;

  /**
   * Overwrites a share's checkpoint unconditionally, with no compare-and-set,
   * no lease fencing, and backwards as well as forwards; `position: undefined`
   * removes it, so the subscription next starts as its `from` option says.
   * `0n` (before the first sequence number, `1`) makes it start from the
   * beginning of its source whatever its `from` says. Stamps `updatedAt` as
   * `writeCheckpoint` does. Parked events, leases and heartbeats are left as
   * they are.
   *
   * For operators, while the subscription is stopped (every member of a
   * group). A running instance keeps its position in memory and does not
   * read the checkpoint again until its own next compare-and-set write fails
   * (after its next handled event): an instance without a group then
   * continues from the reset position when that is ahead of its own, and
   * otherwise writes its own position over the reset, so a reset backwards is
   * undone and no event is handled again; a group member treats the failed
   * write as the share having changed hands and lets it go, to take it up
   * again later from whatever checkpoint is stored then.
   */
  resetCheckpoint(reset: CheckpointReset): Promise<void>;
}

/** Which checkpoints `listCheckpoints` returns: every one, or those of one subscription. */
export interface CheckpointQuery {
  /** Only this subscription's checkpoints (every share of a group). */
  readonly subscription?: string;
}

/** An unconditional write of a checkpoint by `resetCheckpoint`. */
export interface CheckpointReset extends CheckpointKey {
  /** The new position (a sequence number, or `0n` for before the first event), or `undefined` to remove the checkpoint. */
  readonly position: bigint | undefined;
}

/**
 * How many shares a consumer group splits its streams into when not told
 * otherwise: enough to spread work evenly over a few dozen members, few enough
 * that renewing every lease stays cheap.
 */
export const DEFAULT_GROUP_SHARES = 64;

/**
 * The share of a consumer group that handles a stream: the 32-bit FNV-1a hash
 * of the UTF-8 bytes of `category + "/" + stream`, modulo `shares`. Stable
 * across processes, versions and adapters, so every member (and any storage
 * that filters by share) agrees on it.
 */
export function shareOf(category: string, stream: string, shares: number): number {
  return fnv1a(`${category}/${stream}`) % shares;
}
